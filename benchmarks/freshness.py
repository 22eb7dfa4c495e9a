"""What watching the corpus for changes costs a warm ask (not a test: timings are noisy).

    python benchmarks/freshness.py [--corpus eval/corpus] [--index index-dev] [--rounds 5]

Asks the evaluation questions on one index with three retrievers, alternating them round by
round: without the freshness checks, with the default checks (the whole corpus at most
once a second, the cited files every answer), and with the whole check on every answer.
Prints the median per-question latency of each, and what one whole check and one cited-
files check cost alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's rag, not an installed one

from rag import Config, Retriever  # noqa: E402
from rag.freshness import Snapshot  # noqa: E402


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def per_question_ms(retriever: Retriever, asked: list[str]) -> float:
    started = time.perf_counter()
    for question in asked:
        retriever.ask(question)
    return (time.perf_counter() - started) * 1000 / len(asked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="data")
    parser.add_argument("--index", default="index")
    parser.add_argument("--questions", default="eval/questions.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = Config(corpus_dir=Path(args.corpus), index_dir=Path(args.index))
    watched = Retriever.load(config=config, build_if_missing=False)
    every = Retriever.load(config=replace(config, recheck_seconds=0), build_if_missing=False)
    unwatched = Retriever(watched.store, watched.embedder, config)  # no snapshot: no checks
    asked = questions(ROOT / args.questions)
    for retriever in (unwatched, watched, every):
        per_question_ms(retriever, asked[:10])  # warm-up
    times: dict[str, list[float]] = {"no checks": [], "default checks": [], "whole check every answer": []}
    for _ in range(args.rounds):
        for name, retriever in zip(times, (unwatched, watched, every)):
            times[name].append(per_question_ms(retriever, asked))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.2f} ms a question "
              f"({min(values):.2f}–{max(values):.2f}, {args.rounds} rounds of {len(asked)} questions)")
    snapshot = Snapshot.take(config.corpus_dir, config.index_dir)
    sources = list(snapshot.files)[:5]
    for name, check in (("whole check", snapshot.changed), ("cited-files check (5)", lambda: snapshot.changed_among(sources))):
        started = time.perf_counter()
        for _ in range(200):
            check()
        print(f"{name}: {(time.perf_counter() - started) * 1000 / 200:.3f} ms over {len(snapshot.files)} files")


if __name__ == "__main__":
    main()
