"""Measure the speed figures the README reports (not a test: timings are noisy).

    python benchmarks/speed.py [--runs 7]

- cold ask: wall time and peak memory of `python -m rag.ask "不予行政处罚多少家"` in a new
  process, index already built (median of --runs)
- warm search: `Retriever.search` latency over the evaluation questions (p50 / p95)
- build: `python -m rag.build` into a temporary folder, model folder already there
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder is on sys.path: one child-process timer for both benchmarks.
from scale import wait_run as timed_run

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "不予行政处罚多少家"


def cold_ask(runs: int) -> dict:
    timed_run(["-m", "rag.ask", QUESTION])  # builds the index if missing; not counted
    samples = [timed_run(["-m", "rag.ask", QUESTION]) for _ in range(runs)]
    walls = [w for w, _ in samples]
    return {"median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
            "peak_rss_mb": max(m for _, m in samples)}


def warm_search() -> dict:
    sys.path.insert(0, str(ROOT))
    from rag import Retriever

    retriever = Retriever.load()
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    retriever.search(QUESTION)  # first call loads jieba and the engine
    times = []
    for q in questions * 2:
        started = time.perf_counter()
        retriever.search(q, k=5)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1],
            "n": len(times)}


def build() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        wall, rss = timed_run(["-m", "rag.build", "--index", str(Path(tmp) / "index")])
    return {"wall_s": wall, "peak_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = {"cold_ask": cold_ask(args.runs), "warm_search": warm_search(), "build": build()}
    c, w, b = results["cold_ask"], results["warm_search"], results["build"]
    print(f"cold ask      median {c['median_s']:.2f} s (min {c['min_s']:.2f}, max {c['max_s']:.2f}), "
          f"peak memory {c['peak_rss_mb']:.0f} MB")
    print(f"warm search   p50 {w['p50_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms over {w['n']} questions")
    print(f"build index   {b['wall_s']:.1f} s, peak memory {b['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
