"""Metrics step: rankings of passage ids + relevance judgements → per-question scores.

Takes, per question id, a ranking (doc ids best first) and qrels (doc id → 0/1
over every passage of the index, so nDCG's ideal ranking sees all relevant
passages, not only the returned ones). Gives Hit@1/3/5, MRR@k and nDCG@k per
question, and means per group. MRR and nDCG come from pytrec_eval
(`recip_rank` on the run cut to k, `ndcg_cut.k`), Hit@k from its `success.k`.

Relevance: a passage is relevant when it contains one of the gold substrings and
is at most MAX_RELEVANT_CHARS long, so a system cannot score by returning a
whole section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from statistics import median

import numpy as np
import pytrec_eval

MAX_RELEVANT_CHARS = 300
HIT_CUTOFFS = (1, 3, 5)

Ranking = Sequence[str]
Qrels = Mapping[str, int]


def metric_names(k: int) -> list[str]:
    """Return the metric names in table order for a run cut to k."""
    return [f"Hit@{c}" for c in HIT_CUTOFFS] + [f"MRR@{k}", f"nDCG@{k}"]


def is_relevant(text: str, gold: Iterable[str], max_chars: int = MAX_RELEVANT_CHARS) -> bool:
    """Return True when `text` holds a gold substring and is short enough to count."""
    return len(text) <= max_chars and any(g and g in text for g in gold)


def judge(texts: Sequence[str], gold: Sequence[str],
          max_chars: int = MAX_RELEVANT_CHARS) -> dict[str, int]:
    """Return qrels for one question: doc id (row index as str) → 1 or 0, for every passage."""
    return {str(i): int(is_relevant(t, gold, max_chars)) for i, t in enumerate(texts)}


def first_relevant_rank(ranking: Ranking, qrels: Qrels) -> int | None:
    """Return the 1-based rank of the first relevant doc in `ranking`, or None."""
    return next((r for r, doc in enumerate(ranking, 1) if qrels.get(doc, 0) > 0), None)


def score_rankings(rankings: Mapping[str, Ranking], qrels: Mapping[str, Qrels],
                   k: int = 10) -> dict[str, dict[str, float]]:
    """Return {question id: {metric name: value}} for every question in `qrels`.

    Rankings are cut to k. A question whose ranking is missing, empty, or whose
    qrels hold no relevant doc scores 0 everywhere (it counts as a miss).
    """
    if k < max(HIT_CUTOFFS):
        raise ValueError(f"k must be at least {max(HIT_CUTOFFS)}, got {k}.")
    run = {qid: _run_scores(rankings.get(qid, ())[:k]) for qid in qrels}
    measures = {"recip_rank", f"ndcg_cut.{k}", "success." + ",".join(map(str, HIT_CUTOFFS))}
    evaluator = pytrec_eval.RelevanceEvaluator({q: dict(r) for q, r in qrels.items()}, measures)
    raw = evaluator.evaluate(run)
    names = {f"success_{c}": f"Hit@{c}" for c in HIT_CUTOFFS}
    names |= {"recip_rank": f"MRR@{k}", f"ndcg_cut_{k}": f"nDCG@{k}"}
    zero = dict.fromkeys(names, 0.0)
    ordered = {qid: {names[m]: float(v) for m, v in raw.get(qid, zero).items()} for qid in qrels}
    return {qid: {m: ordered[qid][m] for m in metric_names(k)} for qid in qrels}


def _run_scores(ranking: Ranking) -> dict[str, float]:
    """Return a pytrec_eval run for one ranking: scores that reproduce its order exactly.

    trec_eval re-sorts by score and breaks ties by doc id, so the retriever's own
    scores (which may tie) would not keep its order; strictly falling ones do.
    """
    assert len(set(ranking)) == len(ranking), "a ranking lists each doc once"
    return {doc: float(len(ranking) - i) for i, doc in enumerate(ranking)}


def mean_by_group(per_question: Mapping[str, Mapping[str, float]],
                  group_of: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Return {"overall" and each group: {metric: mean, "n": count}}, groups in first-seen order."""
    groups: dict[str, list[str]] = {"overall": list(per_question)}
    for qid in per_question:
        groups.setdefault(group_of[qid], []).append(qid)
    return {g: _mean(per_question, qids) for g, qids in groups.items() if qids}


def _mean(per_question: Mapping[str, Mapping[str, float]], qids: list[str]) -> dict[str, float]:
    names = per_question[qids[0]].keys()
    out = {m: float(np.mean([per_question[q][m] for q in qids])) for m in names}
    return out | {"n": len(qids)}


def spread(values: Sequence[float]) -> dict[str, float | None]:
    """Return min, median and max of `values` (None each when there are none)."""
    if not values:
        return {"n": 0, "min": None, "median": None, "max": None}
    return {"n": len(values), "min": min(values), "median": median(values), "max": max(values)}


def latency_summary(ms: Sequence[float]) -> dict[str, float | None]:
    """Return the 50th and 95th percentiles of latencies in ms (linear interpolation)."""
    if not ms:
        return {"n": 0, "p50": None, "p95": None}
    p50, p95 = np.percentile(np.asarray(ms, dtype=float), [50, 95])
    return {"n": len(ms), "p50": float(p50), "p95": float(p95)}
