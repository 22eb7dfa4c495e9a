"""Metrics step: rankings of passage ids + relevance judgements → per-question scores.

Takes, per question id, a ranking (doc ids best first) and qrels (doc id → 0/1
over every passage of the index, so nDCG's ideal ranking sees all relevant
passages, not only the returned ones). Gives Hit@1/3/5, MRR@k and nDCG@k per
question, and means per group. MRR and nDCG come from pytrec_eval
(`recip_rank` on the run cut to k, `ndcg_cut.k`), Hit@k from its `success.k`.

Relevance: a passage is relevant when it contains one of the gold substrings and
is at most MAX_RELEVANT_CHARS long, so a system cannot score by returning a
whole section.

Direct answers: a shown answer span is correct when its text contains the gold
answer, or when it overlaps where the gold answer sits in the report (next to the
first gold substring), so "7.8亿元" answers gold "约7.8亿元". Each question's answer is
correct, wrong (a span was shown and is not correct) or none. The "not in the
report" flag is scored as a detector: precision, recall, and its false alarms.
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
Span = tuple[int, int]
OUTCOMES = ("correct", "wrong", "none")


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


# ------------------------------------------------------------------ direct answers

def locate_gold_answer(source_text: str, gold: str, answer: str) -> Span | None:
    """Return the [start, end) of the gold answer in `source_text`, next to the gold substring.

    The occurrence of `answer` chosen is, in order of preference: one inside the first
    occurrence of `gold`; one overlapping it (an answer that is longer than its gold
    substring); the nearest to it (an answer stated beside the gold passage), earlier
    first on a tie. None when either string is not in the text.
    """
    g = source_text.find(gold) if gold else -1
    if g < 0 or not answer:
        return None
    g_end = g + len(gold)
    found, i = [], source_text.find(answer)
    while i >= 0:
        found.append(i)
        i = source_text.find(answer, i + 1)

    def preference(i: int) -> tuple[int, int, int]:
        span = (i, i + len(answer))
        rank = 0 if g <= span[0] and span[1] <= g_end else 1 if overlaps(span, (g, g_end)) else 2
        return (rank, max(g - span[1], span[0] - g_end, 0), i)

    best = min(found, key=preference, default=None)
    return None if best is None else (best, best + len(answer))


def overlaps(a: Span, b: Span) -> bool:
    """Return True when two half-open spans [start, end) share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def answer_outcome(shown: str | None, shown_span: Span | None, gold_answer: str,
                   gold_span: Span | None) -> str:
    """Return "correct", "wrong" or "none" for one shown answer (None: nothing shown).

    Correct: the shown text contains `gold_answer`, or `shown_span` overlaps `gold_span`
    (both in the same source file; pass gold_span None when the gold is not there).
    """
    if shown is None:
        return "none"
    if gold_answer and _holds_whole(shown, gold_answer):
        return "correct"
    if shown_span is not None and gold_span is not None and overlaps(shown_span, gold_span):
        return "correct"
    return "wrong"


def _holds_whole(shown: str, gold: str) -> bool:
    """Tell whether `shown` holds `gold` not as the tail or head of a longer number (2.5%左右
    does not hold 5%左右; 下降0.2% holds 0.2%)."""
    digit = "0123456789０１２３４５６７８９"
    for at in range(len(shown)):
        if shown.startswith(gold, at):
            before, after = shown[at - 1 : at], shown[at + len(gold) : at + len(gold) + 1]
            if not (gold[0] in digit and before and before in digit + ".．") and not (
                    gold[-1] in digit and after and after in digit + ".．"):
                return True
    return False


def outcome_shares(outcomes: Mapping[str, str]) -> dict:
    """Return n, the share and count of each outcome, and the ids per outcome.

    `outcomes` maps question id → "correct" | "wrong" | "none"; shares are None when n is 0.
    """
    assert set(outcomes.values()) <= set(OUTCOMES), outcomes
    n = len(outcomes)
    out: dict = {"n": n}
    for name in OUTCOMES:
        ids = [qid for qid, o in outcomes.items() if o == name]
        out |= {name: len(ids) / n if n else None, f"n_{name}": len(ids), f"{name}_ids": ids}
    return out


def detector_scores(flagged: Mapping[str, bool], positive: Mapping[str, bool]) -> dict:
    """Return precision and recall of a yes/no flag against the truth, with its misses.

    `flagged` and `positive` map the same question ids to whether the flag was raised and
    whether it should have been. `false_positive_rate` is the share of negatives flagged;
    `missed` lists unflagged positives and `false_alarms` flagged negatives. A ratio whose
    denominator is 0 is None.
    """
    assert flagged.keys() == positive.keys(), "flag and truth cover the same questions"
    pos = [q for q, p in positive.items() if p]
    neg = [q for q, p in positive.items() if not p]
    tp = sum(flagged[q] for q in pos)
    fp = sum(flagged[q] for q in neg)
    return {
        "positives": len(pos), "negatives": len(neg), "flagged": tp + fp, "true_positives": tp,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / len(pos) if pos else None,
        "false_positive_rate": fp / len(neg) if neg else None,
        "missed": [q for q in pos if not flagged[q]],
        "false_alarms": [q for q in neg if flagged[q]],
    }
