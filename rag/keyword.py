"""Keyword step: BM25 over jieba tokens, with scores scaled to [0, 1].

A passage's keyword score is its BM25 score divided by the sum of the IDFs of the
question's distinct tokens, capped at 1: roughly, the share of the question's
keyword weight that the passage contains (a token the corpus never uses counts
in the denominator, so off-topic questions score low).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

K1 = 1.2
B = 0.75


class BM25:
    """Holds the postings of a tokenised corpus; row i is passage i."""

    def __init__(self, docs: list[list[str]]):
        self.n_docs = len(docs)
        self.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg_len = float(self.doc_len.mean()) if self.n_docs else 0.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings = {t: (np.array(i), np.array(f, dtype=np.float32)) for t, (i, f) in postings.items()}

    def idf(self, term: str) -> float:
        df = len(self._postings[term][0]) if term in self._postings else 0
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """Return every passage's keyword score in [0, 1] for the question's tokens."""
        raw = np.zeros(self.n_docs, dtype=np.float32)
        terms = set(query_tokens)
        if not terms or not self.n_docs:
            return raw
        norm = self.doc_len / self.avg_len
        for term in terms & self._postings.keys():
            ids, tf = self._postings[term]
            sat = tf * (K1 + 1) / (tf + K1 * (1 - B + B * norm[ids]))
            raw[ids] += self.idf(term) * sat
        total_idf = sum(self.idf(t) for t in terms)
        return np.clip(raw / total_idf, 0.0, 1.0)
