"""Render an evaluation Report as Markdown: the terminal shows this text, summary.md is it."""

from __future__ import annotations

from pathlib import Path

from .metrics import metric_names
from .questions import UNANSWERABLE


def render(report) -> str:
    """Return the whole report: what was run, retrieval, direct answers, refusals, latency."""
    parts = [_head(report), _retrieval(report), _direct_answers(report), _not_in_report(report),
             _latency(report), _unanswerable(report)]
    return "\n\n".join(parts) + "\n"


def _head(report) -> str:
    info, n = report.info, report.questions
    packages = ", ".join(f"{k} {v}" for k, v in info.get("packages", {}).items())
    threads = ", ".join(f"{k} {v}" for k, v in info.get("threads", {}).items())
    tuning = ", ".join(f"{k}={v}" for k, v in info.get("tuning", {}).items())
    lines = ["# Evaluation", "",
             f"- date: {str(info.get('date', '-'))[:10]} · commit `{info.get('commit', '-')}` · model `{info.get('model')}`",
             f"- questions: {n['total']} ({n['answerable']} answerable, {n[UNANSWERABLE]} unanswerable) from "
             f"`{info.get('questions', '-')}`; corpus `{info.get('corpus', '-')}`, {report.passages} passages; "
             f"k={report.k}",
             "- a hit is a returned passage of at most 300 characters, in the question's report, that contains "
             "a gold substring in its text or in a heading above it"]
    lines += [f"- packages: {packages}"] if packages else []
    lines += [f"- threads: {threads}"] if threads else []
    lines += [f"- tuning: {tuning}"] if tuning else []
    return "\n".join(lines)


def _retrieval(report) -> str:
    names = metric_names(report.k)
    lines = ["## Retrieval", "", "| kind | n | config | " + " | ".join(names) + " |",
             "|---|---:|---|" + "---:|" * len(names)]
    configs = list(report.metrics)
    for group in report.metrics[configs[0]]:
        for j, config in enumerate(configs):
            row = report.metrics[config][group]
            lead = f"**{group}** | {row['n']}" if j == 0 else " | "
            lines.append(f"| {lead} | {config} | " + " | ".join(f"{row[m]:.3f}" for m in names) + " |")
    return "\n".join(lines)


def _direct_answers(report) -> str:
    d = report.direct_answers
    t = d["targets"]

    def row(label: str, s: dict) -> str:
        cells = [f"{_num(s[o], 3)} ({s['n_' + o]})" for o in ("correct", "wrong", "none")]
        return f"| {label} | {s['n']} | " + " | ".join(cells) + " |"

    records = {r["id"]: r for r in report.per_question}
    wrong = [f"{qid} {records[qid]['reply']['answer']['text']} (gold {records[qid]['reply']['gold_answer']})"
             for qid in d["all"]["wrong_ids"]]
    lines = ["## Direct answers", "",
             f"`Retriever.ask(question, k={d['k']})` once per question. An answer is correct when its text holds "
             "the question's gold `answer`, or its span overlaps where that answer sits in the question's report; "
             "any other answer shown is wrong (worse than none).", "",
             f"Targets for number and name questions: correct ≥ {t['correct']:.2f} "
             f"{_verdict(d['number_name']['correct'], t['correct'], True)}, wrong ≤ {t['wrong']:.2f} "
             f"{_verdict(d['number_name']['wrong'], t['wrong'], False)}.", "",
             "| questions | n | correct | wrong | no answer |", "|---|---:|---:|---:|---:|",
             row("**number + name**", d["number_name"]), row("all with a gold answer", d["all"])]
    lines += [row(f"· {kind}", s) for kind, s in d["by_kind"].items()]
    shown = [r["reply"].get("first_shown_relevant") for r in report.per_question]
    judged = [v for v in shown if v is not None]
    lines += ["", f"- the passage `ask` shows first is relevant for {sum(judged)} of {len(judged)} answerable "
              "questions (the answer's passage comes first: rag.answer.answer_first)",
              f"- wrong: {'; '.join(wrong) or 'none'}",
              f"- no answer, number + name: {', '.join(d['number_name']['none_ids']) or 'none'}",
              "- no answer, other kinds: " + (", ".join(q for q in d["all"]["none_ids"]
                                                       if q not in d["number_name"]["none_ids"]) or "none")]
    return "\n".join(lines)


def _not_in_report(report) -> str:
    f = report.not_in_report
    t = f["targets"]
    records = {r["id"]: r for r in report.per_question}
    answered = [f"{qid} {records[qid]['reply']['answer']['text']}" for qid in f["answered_unanswerable"]]
    return "\n".join([
        "## Not in the report", "",
        f"`not reply.answerable` as a detector of the {f[UNANSWERABLE]} unanswerable questions "
        f"(among {f[UNANSWERABLE] + f['answerable']}).", "",
        "| figure | value | target |", "|---|---:|---:|",
        f"| precision | {_num(f['precision'], 3)} ({f['flagged_unanswerable']}/{f['flagged']}) | |",
        f"| recall = unanswerable flagged | {_num(f['recall'], 3)} ({f['flagged_unanswerable']}/{f[UNANSWERABLE]}) "
        f"| ≥ {t['unanswerable_flagged']:.2f} {_verdict(f['unanswerable_flagged'], t['unanswerable_flagged'], True)} |",
        f"| answerable flagged | {_num(f['answerable_flagged'], 3)} ({len(f['flagged_answerable'])}/{f['answerable']}) "
        f"| ≤ {t['answerable_flagged']:.2f} {_verdict(f['answerable_flagged'], t['answerable_flagged'], False)} |",
        f"| unanswerable given a direct answer | {len(answered)} | 0 |", "",
        f"- unanswerable not flagged: {', '.join(f['missed_unanswerable']) or 'none'}",
        f"- answerable flagged: {', '.join(f['flagged_answerable']) or 'none'}",
        f"- unanswerable given a direct answer: {'; '.join(answered) or 'none'}",
    ])


def _latency(report) -> str:
    lines = ["## Search latency (ms per call, after one untimed warm-up)", "", "| config | p50 | p95 | n |",
             "|---|---:|---:|---:|"]
    lines += [f"| {c} | {_num(v['p50'], 1)} | {_num(v['p95'], 1)} | {v['n']} |" for c, v in report.latency_ms.items()]
    return "\n".join(lines)


def _unanswerable(report, config: str = "hybrid") -> str:
    lines = ["## Unanswerable questions: the top hit (passages are always returned)", ""]
    if report.unanswerable and config in report.top1_scores:
        lines += ["| id | score | dense | keyword | question |", "|---|---:|---:|---:|---|"]
        for u in report.unanswerable:
            t = u["top"][config]
            lines.append(f"| {u['id']} | {t['score']:.3f} | {t['dense']:.3f} | {t['keyword']:.3f} | {u['question']} |")
        lines.append("")
    lines += ["Top-1 score, answerable vs unanswerable (min / median / max):", "",
              "| config | answerable | unanswerable | answerable ≤ max unanswerable |", "|---|---|---|---:|"]
    for c, s in report.top1_scores.items():
        below = "-" if s["answerable_at_or_below"] is None else f"{s['answerable_at_or_below']}/{s['answerable']['n']}"
        lines.append(f"| {c} | {_spread(s['answerable'])} | {_spread(s[UNANSWERABLE])} | {below} |")
    return "\n".join(lines)


def _num(x: float | None, digits: int) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _spread(s: dict) -> str:
    return " / ".join(_num(s[f], 3) for f in ("min", "median", "max"))


def _verdict(value: float | None, target: float, at_least: bool) -> str:
    if value is None:
        return "(-)"
    return "(met)" if (value >= target if at_least else value <= target) else "(MISSED)"


def write_chart(metrics: dict[str, dict[str, dict]], path: Path, title: str) -> None:
    """Draw Hit@1/3/5 overall per configuration as grouped bars into a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs, names = list(metrics), metric_names(10)[:3]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for j, name in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(configs))]
        values = [metrics[c]["overall"][name] for c in configs]
        bars = ax.bar(xs, values, width, label=name)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8, padding=2)
    ax.set_xticks(range(len(configs)), configs)
    ax.set_ylim(0, 1.22)  # headroom for the value labels and the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("share of answerable questions")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", ncol=len(names), frameon=False)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
