"""`python -m eval.run`: score retrieval on eval/questions.jsonl in three configurations.

Asks every question with keywords only (mode="keyword"), vectors only ("dense")
and the hybrid default ("hybrid"), judges the returned passages against each
question's gold substrings (eval.metrics) and prints one table of Hit@1/3/5,
MRR@k and nDCG@k, overall and per kind, then search latency and what the system
returned for the unanswerable questions.

Then asks every question once more through `Retriever.ask` (hits, a direct answer
span, and whether the report answers the question at all; untimed) and scores the
direct answers against each question's gold `answer` span and the "not in the
report" flag against the unanswerable questions (eval.metrics).

Writes eval/results/latest.json (every question, git-ignored), summary.md and
hit_at_k.png; for another question file (`--questions eval/heldout.jsonl`) or a
`--limit` run, into a subfolder of eval/results/ named after it. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from rag import Hit, RagError, Retriever
from rag.answer import Reply
from rag.cli import setup_logging, user_errors

from .metrics import (answer_outcome, detector_scores, first_relevant_rank, judge, latency_summary,
                      locate_gold_answer, mean_by_group, metric_names, outcome_shares, score_rankings,
                      spread)

CONFIGS = ("keyword", "dense", "hybrid")
UNANSWERABLE = "unanswerable"
QUESTIONS = Path(__file__).resolve().with_name("questions.jsonl")
RESULTS = Path(__file__).resolve().with_name("results")
# Searched once per configuration before timing, so lazy set-up is not counted.
WARMUP_QUESTION = "市场监管"
TOP_SAVED = 3
# Retriever.ask is scored with the page's and `rag.ask`'s default number of passages.
ASK_K = 5
# The kinds whose questions ask for one number or name: where a direct answer must work.
DIRECT_KINDS = ("number", "name")
# Targets (not test floors): a wrong answer shown is worse than none.
TARGET_CORRECT = 0.85
TARGET_WRONG = 0.05
TARGET_UNANSWERABLE_FLAGGED = 0.90
TARGET_ANSWERABLE_FLAGGED = 0.03

log = logging.getLogger(__name__)


class QuestionSetError(RagError):
    """The question file is missing, or one of its lines is not a valid question."""


@dataclass(frozen=True)
class Searched:
    """What one configuration returned for one question, and how long it took."""

    hits: list[Hit]
    ms: float


# ------------------------------------------------------------------ questions

def load_questions(path: str | Path = QUESTIONS) -> list[dict]:
    """Read a JSONL question file, raising QuestionSetError with the line that is wrong."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise QuestionSetError(f"Cannot read the question file {path}: {err}. "
                               "Pass a UTF-8 JSONL file with --questions.") from None
    questions = [parse_question(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise QuestionSetError(f"{path} holds no questions: add one JSON object per line.")
    ids = [q["id"] for q in questions]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise QuestionSetError(f"{path}: question id {dup!r} appears twice; ids must be unique.")
    return questions


def parse_question(line: str, where: str) -> dict:
    """Return one question dict from a JSONL line, checked: id, question, kind, gold, and
    answer (the exact short answer, "" when there is none; missing means "")."""
    try:
        q = json.loads(line)
    except json.JSONDecodeError as err:
        raise QuestionSetError(f"{where}: not JSON ({err.msg}). Fix or delete that line.") from None
    ok = (isinstance(q, dict) and all(isinstance(q.get(f), str) and q[f] for f in ("id", "question", "kind"))
          and isinstance(q.get("gold"), list) and all(isinstance(g, str) and g for g in q["gold"]))
    if not ok:
        raise QuestionSetError(f"{where}: needs non-empty strings id, question, kind and a list "
                               "of non-empty strings gold.")
    if (q["kind"] == UNANSWERABLE) != (not q["gold"]):
        raise QuestionSetError(f"{where}: gold must be [] exactly when kind is {UNANSWERABLE!r}.")
    q.setdefault("answer", "")
    if not isinstance(q["answer"], str) or (q["kind"] == UNANSWERABLE and q["answer"]):
        raise QuestionSetError(f"{where}: answer must be a string, and \"\" when kind is {UNANSWERABLE!r}.")
    return q


# ------------------------------------------------------------------ asking

def ask_all(retriever: Retriever, questions: Sequence[dict], mode: str, k: int) -> list[Searched]:
    """Search every question in one mode, timing each search call."""
    retriever.search(WARMUP_QUESTION, k=k, mode=mode)
    answers = []
    for q in questions:
        t0 = time.perf_counter()
        hits = retriever.search(q["question"], k=k, mode=mode)
        answers.append(Searched(hits, (time.perf_counter() - t0) * 1000))
    return answers


def evaluate(retriever: Retriever, questions: Sequence[dict], modes: Sequence[str] = CONFIGS,
             k: int = 10) -> dict:
    """Ask every question in every mode; return metrics, latency and per-question records."""
    passages = retriever.data.passages
    texts = [p.text for p in passages]
    qrels = {q["id"]: judge(texts, q["gold"]) for q in questions if q["kind"] != UNANSWERABLE}
    row_of = {(p.source, p.start, p.end): str(i) for i, p in enumerate(passages)}
    answers, scores = {}, {}
    for mode in modes:
        t0 = time.perf_counter()
        answers[mode] = dict(zip((q["id"] for q in questions), ask_all(retriever, questions, mode, k)))
        log.info("%s: %d questions in %.1f s", mode, len(questions), time.perf_counter() - t0)
        rankings = {qid: [row_of[(h.source, h.start, h.end)] for h in a.hits]
                    for qid, a in answers[mode].items()}
        scores[mode] = score_rankings(rankings, qrels, k)
    kind_of = {q["id"]: q["kind"] for q in questions}
    t0 = time.perf_counter()
    replies = {q["id"]: retriever.ask(q["question"], k=ASK_K) for q in questions}
    log.info("ask: %d questions in %.1f s", len(questions), time.perf_counter() - t0)

    @cache
    def source_text(name: str) -> str:
        return (Path(retriever.config.corpus_dir) / name).read_text(encoding="utf-8")

    judged = {q["id"]: reply_record(q, replies[q["id"]], source_text) for q in questions}
    records = [question_record(q, {m: answers[m][q["id"]] for m in modes}, qrels.get(q["id"]), row_of)
               | {"reply": judged[q["id"]]} for q in questions]
    return {
        "k": k,
        "questions": {"total": len(questions), "answerable": len(qrels),
                      UNANSWERABLE: len(questions) - len(qrels)},
        "passages": len(passages),
        "metrics": {m: mean_by_group(scores[m], kind_of) for m in modes},
        "latency_ms": {m: latency_summary([a.ms for a in answers[m].values()]) for m in modes},
        "top1_scores": {m: top1_comparison(answers[m], kind_of) for m in modes},
        UNANSWERABLE: [unanswerable_record(r) for r in records if r["kind"] == UNANSWERABLE],
        "direct_answers": direct_answer_figures(questions, judged),
        "not_in_report": not_in_report_figures(questions, judged),
        "per_question": records,
    }


def reply_record(q: dict, reply: Reply, source_text: Callable[[str], str]) -> dict:
    """Return the saved reply of one question: its answer span, flag, and the answer's outcome.

    `outcome` is "correct", "wrong" or "none" for questions with a gold answer and for
    unanswerable ones (any answer shown there is wrong); None otherwise (not judged).
    `gold_span` is where the gold answer sits in the shown answer's source file.
    """
    a = reply.answer
    gold_span = None
    if a is not None and q["answer"]:
        gold_span = locate_gold_answer(source_text(a.source), q["gold"][0], q["answer"])
    judged = bool(q["answer"]) or q["kind"] == UNANSWERABLE
    outcome = answer_outcome(a.text if a else None, (a.start, a.end) if a else None, q["answer"],
                             gold_span) if judged else None
    return {
        "answerable": reply.answerable,
        "answer": None if a is None else {"text": a.text, "source": a.source, "start": a.start,
                                          "end": a.end, "hit_rank": a.hit_rank},
        "gold_answer": q["answer"],
        "gold_span": list(gold_span) if gold_span else None,
        "outcome": outcome,
    }


def direct_answer_figures(questions: Sequence[dict], judged: dict[str, dict]) -> dict:
    """Return the outcome shares of direct answers: number and name kinds, all kinds, per kind."""
    with_gold = [q for q in questions if q["kind"] != UNANSWERABLE and q["answer"]]

    def shares(qs: list[dict]) -> dict:
        return outcome_shares({q["id"]: judged[q["id"]]["outcome"] for q in qs})

    kinds = list(dict.fromkeys(q["kind"] for q in with_gold))
    return {
        "k": ASK_K,
        "targets": {"correct": TARGET_CORRECT, "wrong": TARGET_WRONG},
        "number_name": shares([q for q in with_gold if q["kind"] in DIRECT_KINDS]),
        "all": shares(with_gold),
        "by_kind": {kind: shares([q for q in with_gold if q["kind"] == kind]) for kind in kinds},
    }


def not_in_report_figures(questions: Sequence[dict], judged: dict[str, dict]) -> dict:
    """Return how well `not reply.answerable` flags the unanswerable questions."""
    d = detector_scores({q["id"]: not judged[q["id"]]["answerable"] for q in questions},
                        {q["id"]: q["kind"] == UNANSWERABLE for q in questions})
    return {
        "targets": {"unanswerable_flagged": TARGET_UNANSWERABLE_FLAGGED,
                    "answerable_flagged": TARGET_ANSWERABLE_FLAGGED},
        UNANSWERABLE: d["positives"], "answerable": d["negatives"], "flagged": d["flagged"],
        "flagged_unanswerable": d["true_positives"],
        "precision": d["precision"], "recall": d["recall"],
        # The same figure as recall, under the name the target is set in.
        "unanswerable_flagged": d["recall"], "answerable_flagged": d["false_positive_rate"],
        "missed_unanswerable": d["missed"], "flagged_answerable": d["false_alarms"],
        "answered_unanswerable": [q["id"] for q in questions
                                  if q["kind"] == UNANSWERABLE and judged[q["id"]]["answer"]],
    }


def question_record(q: dict, by_mode: dict[str, Searched], qrels: dict[str, int] | None,
                    row_of: dict) -> dict:
    """Return the saved record of one question: first relevant rank, top hits, latency."""
    qrels = qrels or {}

    def rows(a: Searched) -> list[str]:
        return [row_of[(h.source, h.start, h.end)] for h in a.hits]

    return {
        "id": q["id"], "kind": q["kind"], "question": q["question"], "gold": q["gold"],
        "first_relevant_rank": {m: first_relevant_rank(rows(a), qrels) if qrels else None
                                for m, a in by_mode.items()},
        "relevant_passages": sorted(int(d) for d, v in qrels.items() if v),
        "latency_ms": {m: round(a.ms, 2) for m, a in by_mode.items()},
        "top": {m: [hit_record(h, qrels.get(row, 0) > 0) for h, row in zip(a.hits, rows(a))][:TOP_SAVED]
                for m, a in by_mode.items()},
    }


def hit_record(hit: Hit, relevant: bool) -> dict:
    """Return the saved fields of one hit."""
    return {"rank": hit.rank, "score": round(hit.score, 4), "dense": round(hit.dense, 4),
            "keyword": round(hit.keyword, 4), "start": hit.start, "end": hit.end,
            "relevant": relevant, "text": hit.text}


def unanswerable_record(record: dict) -> dict:
    """Return what each configuration ranked first for an unanswerable question."""
    top = {m: {f: hits[0][f] for f in ("score", "dense", "keyword", "start", "end")} if hits else None
           for m, hits in record["top"].items()}
    return {"id": record["id"], "question": record["question"], "top": top}


def top1_comparison(answers: dict[str, Searched], kind_of: dict[str, str]) -> dict:
    """Return the spread of top-1 scores for answerable vs unanswerable questions.

    `answerable_at_or_below` counts answerable questions whose top-1 score is not
    above the highest unanswerable one: those a score threshold would also drop.
    """
    top = {qid: a.hits[0].score for qid, a in answers.items() if a.hits}
    no = [s for qid, s in top.items() if kind_of[qid] == UNANSWERABLE]
    yes = [s for qid, s in top.items() if kind_of[qid] != UNANSWERABLE]
    below = sum(s <= max(no) for s in yes) if no else None
    return {"answerable": spread(yes), UNANSWERABLE: spread(no), "answerable_at_or_below": below}


# ------------------------------------------------------------------ formatting

def format_table(metrics: dict[str, dict[str, dict]], k: int) -> str:
    """Return the metrics as a terminal table: one block per kind, one row per configuration."""
    names = metric_names(k)
    modes = list(metrics)
    head = f"{'kind':<12}{'n':>4}  {'config':<8}" + "".join(f"{n:>9}" for n in names)
    lines = [head, "-" * len(head)]
    for g in metrics[modes[0]]:
        for j, mode in enumerate(modes):
            row = metrics[mode][g]
            lead = f"{g:<12}{row['n']:>4}" if j == 0 else " " * 16
            lines.append(f"{lead}  {mode:<8}" + "".join(f"{row[n]:>9.3f}" for n in names))
        lines.append("")
    return "\n".join(lines[:-1])


def format_latency(latency: dict[str, dict]) -> str:
    """Return the per-configuration search latency lines."""
    lines = ["Search latency per call (ms, after one untimed warm-up search):",
             f"  {'config':<8}{'p50':>8}{'p95':>8}{'n':>6}"]
    lines += [f"  {m:<8}{_num(v['p50'], 1):>8}{_num(v['p95'], 1):>8}{v['n']:>6}" for m, v in latency.items()]
    return "\n".join(lines)


def format_unanswerable(report: dict, mode: str = "hybrid") -> str:
    """Return what `mode` ranked first for each unanswerable question, and the top-1 spreads."""
    lines = []
    if report[UNANSWERABLE] and mode in report["top1_scores"]:
        lines += [f"Unanswerable questions: {mode} top hit (the system always returns passages)",
                  f"  {'id':<8}{'score':>7}{'dense':>7}{'keyword':>9}  question"]
        for u in report[UNANSWERABLE]:
            t = u["top"][mode]
            lines.append(f"  {u['id']:<8}{t['score']:>7.3f}{t['dense']:>7.3f}{t['keyword']:>9.3f}  {u['question']}")
        lines.append("")
    lines += ["Top-1 score, answerable vs unanswerable (min / median / max):",
              f"  {'config':<8}{'answerable':>23}{'unanswerable':>23}  answerable <= max unanswerable"]
    for m, c in report["top1_scores"].items():
        below = "-" if c["answerable_at_or_below"] is None else f"{c['answerable_at_or_below']}/{c['answerable']['n']}"
        lines.append(f"  {m:<8}{_spread(c['answerable']):>23}{_spread(c[UNANSWERABLE]):>23}  {below}")
    return "\n".join(lines)


def format_direct_answers(report: dict) -> str:
    """Return the direct-answer shares (number + name, all kinds, per kind) and the misses."""
    d = report["direct_answers"]
    t = d["targets"]
    lines = [f"Direct answers (Retriever.ask, k={d['k']}): correct = holds the gold answer or overlaps "
             "its place in the report",
             f"  {'questions':<22}{'n':>4}{'correct':>9}{'wrong':>9}{'no answer':>11}",
             _shares_line("number + name", d["number_name"])
             + f"   target: correct >= {t['correct']:.2f} {_verdict(d['number_name']['correct'], t['correct'], True)},"
             f" wrong <= {t['wrong']:.2f} {_verdict(d['number_name']['wrong'], t['wrong'], False)}",
             _shares_line("all with a gold answer", d["all"])]
    lines += [_shares_line(f"  {kind}", s) for kind, s in d["by_kind"].items()]
    records = {r["id"]: r for r in report["per_question"]}
    wrong = [f"{qid} {records[qid]['reply']['answer']['text']} (gold {records[qid]['reply']['gold_answer']})"
             for qid in d["all"]["wrong_ids"]]
    lines.append("  wrong: " + ("; ".join(wrong) or "none"))
    lines.append("  no answer, number + name: " + (", ".join(d["number_name"]["none_ids"]) or "none"))
    lines.append("  no answer, other kinds: " + (", ".join(
        q for q in d["all"]["none_ids"] if q not in d["number_name"]["none_ids"]) or "none"))
    return "\n".join(lines)


def format_not_in_report(report: dict) -> str:
    """Return precision and recall of the "not in the report" flag, with the misses both ways."""
    f = report["not_in_report"]
    t = f["targets"]
    records = {r["id"]: r for r in report["per_question"]}
    answered = [f"{qid} {records[qid]['reply']['answer']['text']}" for qid in f["answered_unanswerable"]]
    return "\n".join([
        f'"Not in the report" flag (not reply.answerable) as a detector of the {f[UNANSWERABLE]} '
        "unanswerable questions:",
        f"  precision              {_num(f['precision'], 3):>6}  ({f['flagged_unanswerable']}/{f['flagged']} flagged)",
        f"  recall                 {_num(f['recall'], 3):>6}  ({f['flagged_unanswerable']}/{f[UNANSWERABLE]})",
        f"  unanswerable flagged   {_num(f['unanswerable_flagged'], 3):>6}  "
        f"target >= {t['unanswerable_flagged']:.2f} {_verdict(f['unanswerable_flagged'], t['unanswerable_flagged'], True)}",
        f"  answerable flagged     {_num(f['answerable_flagged'], 3):>6}  ({len(f['flagged_answerable'])}/"
        f"{f['answerable']})  target <= {t['answerable_flagged']:.2f} "
        f"{_verdict(f['answerable_flagged'], t['answerable_flagged'], False)}",
        "  unanswerable not flagged: " + (", ".join(f["missed_unanswerable"]) or "none"),
        "  answerable flagged: " + (", ".join(f["flagged_answerable"]) or "none"),
        f"  unanswerable given a direct answer: {len(answered)}" + (f" ({'; '.join(answered)})" if answered else ""),
    ])


def format_report(report: dict) -> str:
    """Return the whole terminal report: header, table, answers, flag, latency, unanswerable."""
    n = report["questions"]
    head = (f"model {report['model']} · {n['answerable']} answerable + {n[UNANSWERABLE]} unanswerable "
            f"questions · {report['passages']} passages · k={report['k']}")
    parts = [head, format_table(report["metrics"], report["k"]), format_direct_answers(report),
             format_not_in_report(report), format_latency(report["latency_ms"]), format_unanswerable(report)]
    return "\n\n".join(parts)


def _shares_line(label: str, s: dict) -> str:
    return f"  {label:<22}{s['n']:>4}" + "".join(f"{_num(s[o], 3):>9}" for o in ("correct", "wrong")) \
        + f"{_num(s['none'], 3):>11}"


def _verdict(value: float | None, target: float, at_least: bool) -> str:
    if value is None:
        return "(-)"
    return "(met)" if (value >= target if at_least else value <= target) else "(MISSED)"


def format_summary(report: dict) -> str:
    """Return eval/results/summary.md: the table, date, model, counts, latency, top-1 spread."""
    n, k = report["questions"], report["k"]
    names = metric_names(k)
    lines = ["# Retrieval evaluation", "",
             f"- date: {report['date'][:10]}", f"- model: `{report['model']}`",
             f"- questions: {n['total']} ({n['answerable']} answerable, {n[UNANSWERABLE]} unanswerable)"
             f" from `eval/questions.jsonl`; {report['passages']} passages; k={k}",
             "- a hit is a returned passage of at most 300 characters that contains a gold substring",
             "- reproduce: `python -m eval.run`", "",
             "| kind | n | config | " + " | ".join(names) + " |",
             "|---|---:|---|" + "---:|" * len(names)]
    for g in report["metrics"][next(iter(report["metrics"]))]:
        for j, (mode, by_group) in enumerate(report["metrics"].items()):
            row = by_group[g]
            lead = f"**{g}** | {row['n']}" if j == 0 else " | "
            lines.append(f"| {lead} | {mode} | " + " | ".join(f"{row[m]:.3f}" for m in names) + " |")
    lines += ["", "![Hit@k per configuration](hit_at_k.png)", "",
              "## Search latency (ms per call, after one untimed warm-up)", "",
              "| config | p50 | p95 |", "|---|---:|---:|"]
    lines += [f"| {m} | {_num(v['p50'], 1)} | {_num(v['p95'], 1)} |" for m, v in report["latency_ms"].items()]
    lines += ["", "## Top-1 score: answerable vs unanswerable (min / median / max)", "",
              "| config | answerable | unanswerable | answerable ≤ max unanswerable |", "|---|---|---|---:|"]
    for m, c in report["top1_scores"].items():
        below = "-" if c["answerable_at_or_below"] is None else f"{c['answerable_at_or_below']}/{c['answerable']['n']}"
        lines.append(f"| {m} | {_spread(c['answerable'])} | {_spread(c[UNANSWERABLE])} | {below} |")
    return "\n".join(lines + [""] + summary_answers(report)) + "\n"


def summary_answers(report: dict) -> list[str]:
    """Return the summary.md sections "Direct answers" and "Not in the report"."""
    d, f = report["direct_answers"], report["not_in_report"]
    td, tf = d["targets"], f["targets"]

    def row(label: str, s: dict) -> str:
        cells = [f"{_num(s[o], 3)} ({s['n_' + o]})" for o in ("correct", "wrong", "none")]
        return f"| {label} | {s['n']} | " + " | ".join(cells) + " |"

    lines = ["## Direct answers", "",
             f"`Retriever.ask(question, k={d['k']})` once per question. An answer is correct when its text "
             "holds the question's gold `answer`, or its span overlaps where that answer sits in the report; "
             "any other answer shown is wrong (worse than none).", "",
             f"Targets for number and name questions: correct ≥ {td['correct']:.2f}, wrong ≤ {td['wrong']:.2f}.", "",
             "| questions | n | correct | wrong | no answer |", "|---|---:|---:|---:|---:|",
             row("**number + name**", d["number_name"]), row("all with a gold answer", d["all"])]
    lines += [row(f"· {kind}", s) for kind, s in d["by_kind"].items()]
    lines += ["", f"Wrong: {', '.join(d['all']['wrong_ids']) or 'none'}. "
              f"No answer (number + name): {', '.join(d['number_name']['none_ids']) or 'none'}.", "",
              "## Not in the report", "",
              f"`not reply.answerable` as a detector of the {f[UNANSWERABLE]} unanswerable questions "
              f"(among {f[UNANSWERABLE] + f['answerable']}).", "",
              "| figure | value | target |", "|---|---:|---:|",
              f"| precision | {_num(f['precision'], 3)} ({f['flagged_unanswerable']}/{f['flagged']}) | |",
              f"| recall = unanswerable flagged | {_num(f['recall'], 3)} ({f['flagged_unanswerable']}/"
              f"{f[UNANSWERABLE]}) | ≥ {tf['unanswerable_flagged']:.2f} |",
              f"| answerable flagged | {_num(f['answerable_flagged'], 3)} ({len(f['flagged_answerable'])}/"
              f"{f['answerable']}) | ≤ {tf['answerable_flagged']:.2f} |",
              f"| unanswerable given a direct answer | {len(f['answered_unanswerable'])} | 0 |", "",
              f"Unanswerable not flagged: {', '.join(f['missed_unanswerable']) or 'none'}. "
              f"Answerable flagged: {', '.join(f['flagged_answerable']) or 'none'}."]
    return lines


def _num(x: float | None, digits: int) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _spread(s: dict) -> str:
    return " / ".join(_num(s[f], 3) for f in ("min", "median", "max"))


# ------------------------------------------------------------------ writing

def write_chart(metrics: dict[str, dict[str, dict]], path: Path, title: str) -> None:
    """Draw Hit@1/3/5 overall per configuration as grouped bars into a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes, names = list(metrics), metric_names(10)[:3]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for j, name in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(modes))]
        values = [metrics[m]["overall"][name] for m in modes]
        bars = ax.bar(xs, values, width, label=name)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8, padding=2)
    ax.set_xticks(range(len(modes)), modes)
    ax.set_ylim(0, 1.22)  # headroom for the value labels and the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("share of answerable questions")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", ncol=len(names), frameon=False)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def write_results(report: dict, folder: Path = RESULTS) -> list[Path]:
    """Write latest.json, summary.md and hit_at_k.png into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    latest, summary, chart = folder / "latest.json", folder / "summary.md", folder / "hit_at_k.png"
    latest.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    summary.write_text(format_summary(report), encoding="utf-8")
    n = report["questions"]["answerable"]
    write_chart(report["metrics"], chart, f"Hit@k, {n} answerable questions, model {report['model']}")
    return [latest, summary, chart]


def results_folder(questions: Path, limit: int | None) -> Path:
    """eval/results/ for the whole default set (its summary is committed); a subfolder
    named after the file otherwise, so another set or a --limit run never overwrites it."""
    if questions.resolve() == QUESTIONS and limit is None:
        return RESULTS
    return RESULTS / (questions.stem + (f"-first-{limit}" if limit else ""))


# ------------------------------------------------------------------ command line

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__.split("\n")[0])
    parser.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model (default: the offline e5)")
    parser.add_argument("--k", type=int, default=10, help="passages per search, cut-off of MRR and nDCG (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the metrics instead")
    parser.add_argument("--questions", metavar="PATH", default=QUESTIONS, help="question file (JSONL)")
    parser.add_argument("--limit", type=int, metavar="N", help="ask only the first N questions")
    parser.add_argument("-v", "--verbose", action="store_true", help="more logs on stderr")
    args = parser.parse_args(argv)
    if args.k < 5:
        parser.error("--k must be at least 5 (Hit@5 is reported)")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    with user_errors():
        questions = load_questions(args.questions)[: args.limit]
        retriever = Retriever.load(model=args.model, progress=True)
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        report = {"date": started, "model": retriever.config.model,
                  **evaluate(retriever, questions, CONFIGS, args.k)}
        for path in write_results(report, results_folder(Path(args.questions), args.limit)):
            log.info("wrote %s", path)
    if args.json:
        print(json.dumps({f: v for f, v in report.items() if f != "per_question"}, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
