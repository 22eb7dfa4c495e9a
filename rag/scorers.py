"""Scorers and their fusion: candidates + a Query → one score in [0, 1] per candidate.

Each scorer gives every candidate a score in [0, 1]:
- `dense`: the mean of the question's cosine to the passage and to its best sentence,
  mapped linearly from [Tuning.dense_floor, Tuning.dense_ceiling] to [0, 1] and clipped.
  A question that shares no words with a passage still ranks by meaning.
- `keyword`: the share of the question's BM25 weight the passage holds (rag.keyword),
  an English question's words counting through their translations (rag.crosslingual).
- `kind`: 1 when the passage holds a span of the kind a question asks for, if that is a
  count (in the unit asked), amount, percentage or date (a day for 哪天): among passages
  on the same topic the one with the figure in it comes first. Persons and bodies as
  kinds helped one question set and hurt the held-out one, so they are left out.
- `year`: 1 when the passage's section titles name the one year the question asks about.
- `year_fits`: 1 unless the passage's section titles name only other years than that one
  (a question about 2022 and the 2023年工作安排 of the report that reviews 2022).
- `done`: 1 when a question asks for a figure of results (no word of a plan in it) and the
  passage is outside the part of its report that plans.
- `section`: 1 when the question asks for a whole part of a report (the plan, the review,
  the problems: rag.sections) and the passage belongs to it.

A `Fusion` holds the weights (divided by their sum): keyword-only and dense-only are
fusions too. A scorer that reads passage text (`kind`) is only asked about candidates
that its weight could lift into the top k, so a large corpus costs no full scan of its
text per question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .config import Tuning
from .identity import ReportIdentity
from .passage import Passage
from .query import Query
from .question import FIGURE_KINDS
from .sections import section_of, years_of_titles
from .spans import find
from .store import Candidates



def dense_scores(cands: Candidates, tuning: Tuning) -> np.ndarray:
    return calibrated((cands.passage_cosine + cands.sentence_cosine) / 2, tuning)


def calibrated(cosine, tuning: Tuning):
    """Map a mean cosine from [dense_floor, dense_ceiling] to [0, 1], clipped (monotone)."""
    return np.clip((cosine - tuning.dense_floor) / (tuning.dense_ceiling - tuning.dense_floor), 0.0, 1.0)


def keyword_scores(cands: Candidates, tuning: Tuning) -> np.ndarray:
    return cands.keyword


def holds_asked_kind(query: Query, texts: Sequence[str]) -> list[bool]:
    """Tell, for each text, whether it holds a span of the kind the question asks for when
    that kind is one of FIGURE_KINDS; all False for other questions."""
    asked = query.asked
    if asked is None or asked.kind not in FIGURE_KINDS:
        return [False] * len(texts)
    return [any(asked.fits(text[a:b]) for a, b in find(text, asked.span_kinds())) for text in texts]


# Scorers over all candidates at once, from the store's raw signals.
SIGNAL_SCORERS: dict[str, Callable[[Candidates, Tuning], np.ndarray]] = {
    "dense": dense_scores,
    "keyword": keyword_scores,
}
def content_year(query: Query) -> str | None:
    """Return the one year a question's answer is about, or None (no year, a period such as
    between 2022 and 2023, only the year of the report it names, or a year only a later ask
    of several names: Query.year)."""
    return query.year or None


def passage_years(passage: Passage, reports: Mapping[str, ReportIdentity]) -> tuple[set[str], bool]:
    """Return the years a passage is about by its section titles and its report
    (rag.sections.years_of_titles), and whether they leave the end open."""
    report = reports.get(passage.source)
    return years_of_titles(passage.heading_path, report.issued_year if report else "",
                           report.title_years if report else ())


def in_asked_year(query: Query, passages: Sequence[Passage],
                  reports: Mapping[str, ReportIdentity] = MappingProxyType({})) -> list[bool]:
    """Tell, for each passage, whether it is about the year the question asks about by its
    section titles (2024年工作回顾 for a question about 2024, 2025年工作安排 for one about 2025)
    or, under titles that name none, its report's title (2022年成都市…统计公报): in a report
    that reviews one year and plans the next, the section says which year a figure is of,
    and a year's communiqué beside the year before's says it by its title."""
    year = content_year(query)
    if year is None:
        return [False] * len(passages)
    return [year in passage_years(p, reports)[0] for p in passages]


def not_of_another_year(query: Query, passages: Sequence[Passage],
                        reports: Mapping[str, ReportIdentity] = MappingProxyType({})) -> list[bool]:
    """Tell, for each passage, whether it leaves open the year the question asks about: False
    only when its section titles, or under titles naming none its report's title, name other
    years alone (2023年工作安排 for a question about 2022, whose figures are in 过去一年工作回顾;
    the 2021 communiqué for a question about 2022). All False for a question about no one
    year, so that it changes no ranking."""
    year = content_year(query)
    if year is None:
        return [False] * len(passages)
    fits = []
    for p in passages:
        years, open_ended = passage_years(p, reports)
        # 2021年以来 runs from 2021 on: it leaves 2022 open, not 2020
        fits.append(not years or year in years or (open_ended and year >= min(years)))
    return fits


def outside_the_plan(query: Query, passages: Sequence[Passage]) -> list[bool]:
    """Tell, for each passage, whether it is outside the part of its report that plans, for a
    question about what was done: a year's figures are in the next report's review, and the
    plan of that year states its targets (机场旅客吞吐量超5800万人次 is 2024's target; 2024's
    result, 6147.7万人次, is in the 2025 report). All False for other questions."""
    if not query.asks_what_was_done():
        return [False] * len(passages)
    return [section_of(p.heading_path, p.text)[0] != "plan" for p in passages]


def in_asked_section(query: Query, passages: Sequence[Passage]) -> list[bool]:
    """Tell, for each passage, whether it belongs to the part of a report the question asks
    for (rag.sections: under 2025年工作安排 for 2025年有什么打算, in the paragraph that opens
    清醒看到…困难和挑战 for 面临哪些困难); all False for other questions."""
    if not query.section:
        return [False] * len(passages)
    return [section_of(p.heading_path, p.text)[0] == query.section for p in passages]


# Scorers that read passages, asked only about candidates that could reach the top k.
# Each is given the question, the passages and the reports' identities (by source).
TEXT_SCORERS: dict[str, Callable[[Query, Sequence[Passage], Mapping[str, ReportIdentity]], list[bool]]] = {
    "kind": lambda query, passages, reports: holds_asked_kind(query, [p.text for p in passages]),
    "year": in_asked_year,
    "year_fits": not_of_another_year,
    "done": lambda query, passages, reports: outside_the_plan(query, passages),
    "section": lambda query, passages, reports: in_asked_section(query, passages),
}
# Whether a text scorer can lift anything for a question: one that cannot is skipped, so that
# no passage rows are read for it and a pool need not leave room for its lift.
APPLIES: dict[str, Callable[[Query], bool]] = {
    "kind": lambda query: query.asked is not None and query.asked.kind in FIGURE_KINDS,
    "year": lambda query: content_year(query) is not None,
    "year_fits": lambda query: content_year(query) is not None,
    "done": lambda query: query.asks_what_was_done(),
    "section": lambda query: bool(query.section),
}


@dataclass(frozen=True)
class Fusion:
    """Weights of the scorers; a score is their weighted mean."""

    weights: Mapping[str, float]

    @classmethod
    def hybrid(cls, tuning: Tuning) -> Fusion:
        return cls({"dense": tuning.dense, "keyword": tuning.keyword, "kind": tuning.kind, "year": tuning.year,
                    "year_fits": tuning.year_fits, "done": tuning.done,
                    "section": tuning.section})

    @classmethod
    def only(cls, scorer: str) -> Fusion:
        return cls({scorer: 1.0})

    @classmethod
    def named(cls, name: str, tuning: Tuning) -> Fusion:
        """Return the configuration eval.run compares: "hybrid", "keyword" or "dense"."""
        return cls.hybrid(tuning) if name == "hybrid" else cls.only(name)

    def __post_init__(self):
        unknown = set(self.weights) - SIGNAL_SCORERS.keys() - TEXT_SCORERS.keys()
        if unknown or not any(w > 0 for w in self.weights.values()) or min(self.weights.values()) < 0:
            raise ValueError(f"a fusion needs non-negative weights, one above 0, of "
                             f"{sorted(SIGNAL_SCORERS.keys() | TEXT_SCORERS.keys())}; got {dict(self.weights)}")

    def fuse(self, query: Query, cands: Candidates, rows: Callable[[np.ndarray], list[Passage]],
             tuning: Tuning, k: int, reports: Mapping[str, ReportIdentity] = MappingProxyType({}),
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return each candidate's fused score and each signal scorer's scores; `reports` are
        the identities of the candidates' reports, by source."""
        total = sum(self.weights.values())
        parts = {name: fn(cands, tuning) for name, fn in SIGNAL_SCORERS.items()}
        fused = np.zeros(len(cands.ids), dtype=np.float64)
        for name, weight in self.weights.items():
            if name in parts and weight:
                fused += (weight / total) * parts[name]
        for name, weight in self.weights.items():
            if name in TEXT_SCORERS and weight and len(fused) and APPLIES[name](query):
                lift = weight / total
                kth = min(k, len(fused))
                kth_best = np.partition(fused, -kth)[-kth]
                could_reach = np.flatnonzero(fused + lift >= kth_best)
                held = TEXT_SCORERS[name](query, rows(cands.ids[could_reach]), reports)
                fused[could_reach[np.array(held, dtype=bool)]] += lift
        return fused, parts

    def settled(self, query: Query, cands: Candidates, parts: dict[str, np.ndarray], tuning: Tuning,
                k: int) -> bool:
        """Tell whether the top k of a candidate pool are the top k of all passages: its
        k-th best score before the text scorers' lifts is above the best score any passage
        left out could reach with every lift that applies to the question (strictly, so that
        no tie with a passage left out could reorder them). Then the same passages get the
        same lifts as among all passages, since the threshold the lifts are given by is the
        same k-th score."""
        if cands.dense_ceiling is None and cands.keyword_ceiling is None:
            return True
        if len(cands.ids) < k:
            return False
        total = sum(self.weights.values())
        signal = sum((self.weights.get(name, 0.0) / total) * parts[name] for name in SIGNAL_SCORERS)
        ceilings = {"dense": float(calibrated((cands.dense_ceiling or 0.0) / 2, tuning)),
                    "keyword": min(1.0, max(0.0, cands.keyword_ceiling or 0.0))}
        reachable = sum((self.weights.get(name, 0.0) / total) * ceilings[name] for name in SIGNAL_SCORERS)
        reachable += sum(w / total for name, w in self.weights.items() if name in TEXT_SCORERS and APPLIES[name](query))
        return float(np.partition(signal, -k)[-k]) > reachable
