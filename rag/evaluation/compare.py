"""`python -m rag.evaluation.compare BEFORE.trec AFTER.trec --qrels qrels.trec`: is a change real?

Reads two TREC run files of the same questions (written by `baogao eval` into its results
folder) and the qrels, scores each question with pytrec_eval (MRR@10, nDCG@10, Hit@1,
Hit@5) and prints, per metric, both means, the difference, and the p-value of a paired
two-sided randomization test (sign flips of the per-question differences, seeded, so a
rerun prints the same). With a few hundred questions, a change that moves one or two of
them is noise: p ≥ 0.05 says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ..cli import setup_logging, user_errors
from ..errors import RagError
from .metrics import score_rankings

PERMUTATIONS = 10_000
METRICS = ("MRR@10", "nDCG@10", "Hit@1", "Hit@5")


class RunFileError(RagError):
    """A run or qrels file is missing or not in TREC format."""


def read_run(path: Path) -> dict[str, list[str]]:
    """Return {question id: doc ids best first} from a TREC run file (qid Q0 doc rank score tag)."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    for n, line in enumerate(_lines(path), 1):
        parts = line.split()
        if len(parts) != 6 or not parts[3].isdigit():
            raise RunFileError(f"{path}:{n}: expected 'qid Q0 doc rank score tag', got {line!r}.")
        ranked.setdefault(parts[0], []).append((int(parts[3]), parts[2]))
    return {qid: [doc for _, doc in sorted(docs)] for qid, docs in ranked.items()}


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Return {question id: {doc id: relevance}} from a TREC qrels file (qid 0 doc rel)."""
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(_lines(path), 1):
        parts = line.split()
        if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
            raise RunFileError(f"{path}:{n}: expected 'qid 0 doc relevance', got {line!r}.")
        qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def _lines(path: Path) -> list[str]:
    try:
        return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise RunFileError(f"Cannot read {path}: {err}. Give a file that `baogao eval` wrote.") from None


def randomization_p(differences: np.ndarray, permutations: int = PERMUTATIONS, seed: int = 0) -> float:
    """Return the two-sided p-value of a paired sign-flip randomization test of mean 0."""
    differences = np.asarray(differences, dtype=float)
    if not len(differences) or not np.any(differences):
        return 1.0
    observed = abs(differences.mean())
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(permutations, len(differences)))
    means = np.abs((signs * differences).mean(axis=1))
    return float((np.sum(means >= observed - 1e-12) + 1) / (permutations + 1))


def compare(before: dict, after: dict, qrels: dict) -> list[dict]:
    """Return, per metric, the two means, their difference and its p-value."""
    scores_a, scores_b = score_rankings(before, qrels, 10), score_rankings(after, qrels, 10)
    rows = []
    for metric in METRICS:
        a = np.array([scores_a[q][metric] for q in qrels])
        b = np.array([scores_b[q][metric] for q in qrels])
        rows.append({"metric": metric, "before": float(a.mean()), "after": float(b.mean()),
                     "difference": float((b - a).mean()), "p": randomization_p(b - a),
                     "better": int(np.sum(b > a)), "worse": int(np.sum(b < a))})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.evaluation.compare", description=__doc__.split("\n")[0])
    parser.add_argument("before", help="TREC run file of the baseline")
    parser.add_argument("after", help="TREC run file of the change")
    parser.add_argument("--qrels", required=True, help="qrels.trec of the same question set")
    args = parser.parse_args(argv)
    setup_logging()
    with user_errors():
        qrels = read_qrels(Path(args.qrels))
        rows = compare(read_run(Path(args.before)), read_run(Path(args.after)), qrels)
    print(f"{len(qrels)} questions · paired randomization test, {PERMUTATIONS} sign flips")
    print("| metric | before | after | difference | questions better / worse | p |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['metric']} | {r['before']:.3f} | {r['after']:.3f} | {r['difference']:+.3f} | "
              f"{r['better']} / {r['worse']} | {r['p']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
