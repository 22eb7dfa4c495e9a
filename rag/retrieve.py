"""Retrieve step: a question → ranked hits, fusing keyword (BM25) and dense scores.

    score = (1 − KIND_WEIGHT) · (DENSE_WEIGHT · dense + (1 − DENSE_WEIGHT) · keyword)
            + KIND_WEIGHT · kind                                          (in [0, 1])

`dense` is the mean of two cosines, question–passage and question–best sentence
of the passage, mapped linearly from [DENSE_FLOOR, DENSE_CEILING] to [0, 1] and
clipped (for e5, unrelated text sits near 0.7–0.8 and a passage stating the
answer near 0.85–0.95). `keyword` is the share of the question's BM25 weight
that the passage holds (rag.keyword); an English question's words count there through
their dictionary translations (rag.crosslingual). A question that shares no words
with the passage still ranks by `dense`; exact terms and numbers lift `keyword`.
`kind` is 1 when the passage holds a span of the kind a question asks for, if that
is a number, amount, percentage or date (rag.answer.holds_asked_kind): among passages
on the same topic, the one with a date in it answers 哪天. Measured with eval.run on
both question sets, KIND_WEIGHT from 0.02 to 0.07 gave the same gains (Hit@5 0.970 →
0.980 and 0.945 → 0.964); persons and bodies as kinds did not generalise.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from . import index as index_io
from .answer import Reply, extract_answer, holds_asked_kind, judge_answerable
from .config import Config
from .crosslingual import EnglishToReport
from .embed import Embedder, load_embedder
from .errors import IndexMissingError, IndexStaleError, QuestionError
from .index import flat_ip_index
from .keyword import BM25
from .normalize import fold
from .passage import Hit
from .pipeline import build_index, check_compatible
from .segment import keyword_tokens

DENSE_WEIGHT = 0.5
DENSE_FLOOR = 0.70
DENSE_CEILING = 0.95
KIND_WEIGHT = 0.04
Mode = Literal["hybrid", "keyword", "dense"]
log = logging.getLogger(__name__)


class Retriever:
    """Holds one index, its keyword statistics and the query embedder."""

    def __init__(self, data: index_io.IndexData, embedder: Embedder, config: Config):
        self.config = config
        self.data = data
        self.embedder = embedder
        self._bm25 = BM25(data.tokens)
        self._english = EnglishToReport(self._bm25.vocabulary)
        self._passage_index = flat_ip_index(data.vectors)
        self._sentence_index = flat_ip_index(data.sentence_vectors)

    @classmethod
    def load(cls, corpus: str | Path | None = None, index: str | Path | None = None,
             model: str | None = None, *, config: Config | None = None,
             embedder: Embedder | None = None, build_if_missing: bool = True,
             progress: bool = False) -> "Retriever":
        """Open the index for a corpus, building it when missing or out of date.

        A corrupt index, or one built with another model, raises with the fix.
        `embedder` replaces the model named in the config (tests pass a fake).
        """
        config = config or Config()
        overrides = {k: v for k, v in (("corpus_dir", corpus), ("index_dir", index), ("model", model)) if v}
        config = replace(config, **{k: Path(v) if k != "model" else v for k, v in overrides.items()})
        if embedder is not None:
            config = replace(config, model=embedder.name)
        embedder = embedder or load_embedder(config.model, config.model_cache_dir)
        try:
            manifest = index_io.read_manifest(config.index_dir)
            check_compatible(manifest, config, config.index_dir)
            data = index_io.load(config.index_dir)
        except IndexMissingError:
            if not build_if_missing:
                raise
            log.info("no index at %s yet: building it", config.index_dir)
            data = build_index(config, embedder, progress)
        except IndexStaleError as why:
            log.info("%s Rebuilding it.", why)
            data = build_index(config, embedder, progress)
        return cls(data, embedder, config)

    def search(self, question: str, k: int = 5, mode: Mode = "hybrid") -> list[Hit]:
        """Return the k best passages for `question`, best first (ties: reading order)."""
        return self._search(question, k, mode)[0]

    def _search(self, question: str, k: int, mode: Mode) -> tuple[list[Hit], dict[str, frozenset[str]]]:
        """Return the hits and the translations of the question's English words."""
        question = self.check_question(question)
        if k < 1:
            raise QuestionError(f"k must be at least 1, got {k}.")
        tokens = keyword_tokens(question) if mode != "dense" else []
        expansions = self._english.expansions(tokens)
        keyword = self._bm25.scores(tokens, expansions) if mode != "dense" else None
        dense = self._dense_scores(question) if mode != "keyword" else None
        if mode == "keyword":
            fused = keyword
        elif mode == "dense":
            fused = dense
        else:
            fused = self._favour_asked_kind(question, DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * keyword, k)
        # Stable sort on -score keeps reading order among equal scores.
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [
            Hit(rank=r + 1, score=float(fused[i]), passage=self.data.passages[i],
                dense=float(dense[i]) if dense is not None else 0.0,
                keyword=float(keyword[i]) if keyword is not None else 0.0)
            for r, i in enumerate(order)
        ]
        return hits, expansions

    def ask(self, question: str, k: int = 5) -> Reply:
        """Return the hits for `question`, a direct answer span when one fits, and
        whether the report answers it at all (rules in rag/answer.py)."""
        hits, expansions = self._search(question, k, "hybrid")
        answer = extract_answer(question, hits, report_years=self._report_years,
                                report_titles=self._report_titles, in_corpus=self.in_corpus,
                                translate=self._english.translations)
        answerable = judge_answerable(question, hits, answer, self.in_corpus)
        translations = tuple(sorted((word, tuple(sorted(words))) for word, words in expansions.items()))
        return Reply(question.strip(), tuple(hits), answer if answerable else None, answerable, translations)

    def in_corpus(self, term: str) -> bool:
        """Tell whether a (simplified) word occurs anywhere in the indexed reports."""
        return term in self._corpus_text

    @cached_property
    def _corpus_text(self) -> str:
        return unicodedata.normalize("NFKC", "\n".join(p.match_text() for p in self.data.passages))

    @cached_property
    def _openings(self) -> list[str]:
        """Each report's first passage: its title (and salutation)."""
        firsts: dict[str, str] = {}
        for p in self.data.passages:
            firsts.setdefault(p.source, p.text)
        return list(firsts.values())

    @cached_property
    def _report_titles(self) -> str:
        """The reports' titles: their first passage up to the salutation (市委，市政府：)."""
        return "\n".join(_before_salutation(fold(text)) for text in self._openings)

    @cached_property
    def _report_years(self) -> frozenset[str]:
        """Years in the reports' titles (their first passage): a question about one of
        them needn't find it spelled out in every passage."""
        return frozenset(y for text in self._openings for y in re.findall(r"(\d{4})年", text[:60]))

    def check_question(self, question: str) -> str:
        """Return the stripped question, or raise QuestionError saying what to change."""
        return check_question(question, self.config.max_question_chars)

    def _favour_asked_kind(self, question: str, scores: np.ndarray, k: int) -> np.ndarray:
        """Blend in KIND_WEIGHT for the passages holding a span of the kind asked. Only
        passages that could reach the top k with it are looked at, so a large corpus
        costs no full scan of its text per question."""
        blended = (1 - KIND_WEIGHT) * scores
        kth_best = np.partition(blended, -min(k, len(blended)))[-min(k, len(blended))]
        candidates = np.flatnonzero(blended + KIND_WEIGHT >= kth_best)
        held = holds_asked_kind(question, [self.data.passages[i].text for i in candidates])
        blended[candidates[np.array(held, dtype=bool)]] += KIND_WEIGHT
        return blended

    def _dense_scores(self, question: str) -> np.ndarray:
        query = self.embedder.embed_query(question).reshape(1, -1)
        passage = _all_scores(self._passage_index, query)
        best_sentence = passage.copy()  # a passage without sentences counts as one
        if len(self.data.sentence_owner):
            sentence = _all_scores(self._sentence_index, query)
            best_sentence[np.unique(self.data.sentence_owner)] = -1.0
            np.maximum.at(best_sentence, self.data.sentence_owner, sentence)
        cosine = (passage + best_sentence) / 2
        return np.clip((cosine - DENSE_FLOOR) / (DENSE_CEILING - DENSE_FLOOR), 0.0, 1.0)


def _before_salutation(text: str) -> str:
    """Return the lines of a report's opening before the one that ends in a colon."""
    lines = text.splitlines()
    ends = [i for i, line in enumerate(lines) if line.rstrip().endswith((":", "："))]
    return "\n".join(lines[: ends[0]] if ends else lines)


def _all_scores(index, query: np.ndarray) -> np.ndarray:
    """Return the inner product of `query` with every vector of a FAISS index, by row."""
    sims, rows = index.search(query, index.ntotal)
    scores = np.zeros(index.ntotal, dtype=np.float32)
    scores[rows[0]] = sims[0]
    return scores


def check_question(question: str, limit: int = Config.max_question_chars) -> str:
    """Return the stripped question, or raise QuestionError saying what to change."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("The question is empty: type a question, e.g. 不予行政处罚多少家")
    question = question.strip()
    if len(question) > limit:
        raise QuestionError(
            f"The question has {len(question)} characters; the limit is {limit}. Shorten it "
            "to the sentence that asks what you want to know."
        )
    return question
