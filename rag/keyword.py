"""Keyword step: BM25 over jieba tokens, with scores scaled to [0, 1].

A passage's keyword score is its BM25 score divided by the sum of the IDFs of the
question's distinct tokens, capped at 1: roughly, the share of the question's
keyword weight that the passage contains (a token the corpus never uses counts
in the denominator, so off-topic questions score low).

A question token the corpus lacks may come with `expansions` (rag.crosslingual:
an English word's Chinese translations); it then scores as the best of them, at
`expansion_weight` of a direct match (rag.config.Tuning.expansion), since a dictionary
translation is a guess.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class CorpusStats:
    """What a term's weight depends on besides its own passage: the number of passages,
    their mean length in tokens, and each term's document frequency."""

    n_docs: int
    avg_len: float
    df: Mapping[str, int]


class BM25:
    """Holds the postings of a tokenised corpus; row i is passage i.

    With `stats`, the rows are some passages of a larger corpus (a candidate pool of
    rag.store_qdrant) and score exactly as they would among all of them."""

    def __init__(self, docs: list[list[str]], stats: CorpusStats | None = None):
        self.n_docs = len(docs)
        self.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings = {t: (np.array(i), np.array(f, dtype=np.float32)) for t, (i, f) in postings.items()}
        self.stats = stats or CorpusStats(self.n_docs, float(self.doc_len.mean()) if self.n_docs else 0.0,
                                          {t: len(ids) for t, (ids, _) in self._postings.items()})
        self.avg_len = self.stats.avg_len

    def idf(self, term: str) -> float:
        return idf(self.stats.df.get(term, 0), self.stats.n_docs)

    @property
    def vocabulary(self) -> Collection[str]:
        return self.stats.df.keys()

    def scores(self, query_tokens: Collection[str], expansions: Mapping[str, Collection[str]] | None = None,
               expansion_weight: float = 0.5) -> np.ndarray:
        """Return every passage's keyword score in [0, 1] for the question's tokens."""
        raw = np.zeros(self.n_docs, dtype=np.float32)
        terms = set(query_tokens)
        if not terms or not self.n_docs:
            return raw
        for term in terms & self._postings.keys():
            raw += self._term_scores(term)
        for term, alternatives in (expansions or {}).items():
            held = [a for a in alternatives if a in self.stats.df]
            if term in terms and term not in self.stats.df and held:
                raw += expansion_weight * np.max([self._term_scores(a) for a in held], axis=0)
        total_idf = sum(self.idf(t) for t in terms)
        return np.clip(raw / total_idf, 0.0, 1.0)

    def _term_scores(self, term: str) -> np.ndarray:
        """Return each passage's BM25 weight for one term that the corpus holds."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        if term not in self._postings:  # a term of the corpus that none of these rows holds
            return out
        ids, tf = self._postings[term]
        out[ids] = weight(self.idf(term), tf, self.doc_len[ids], self.avg_len)
        return out


def idf(df: int, n_docs: int) -> float:
    """BM25's inverse document frequency of a term held by `df` of `n_docs` passages."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def weight(term_idf: float, tf: np.ndarray, doc_len: np.ndarray, avg_len: float) -> np.ndarray:
    """BM25's weight of a term counted `tf` times in passages of `doc_len` tokens (float32)."""
    return term_idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * (doc_len / avg_len)))
