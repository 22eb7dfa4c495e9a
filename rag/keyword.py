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

    @property
    def vocabulary(self) -> Collection[str]:
        return self._postings.keys()

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
            held = [a for a in alternatives if a in self._postings]
            if term in terms and term not in self._postings and held:
                raw += expansion_weight * np.max([self._term_scores(a) for a in held], axis=0)
        total_idf = sum(self.idf(t) for t in terms)
        return np.clip(raw / total_idf, 0.0, 1.0)

    def _term_scores(self, term: str) -> np.ndarray:
        """Return each passage's BM25 weight for one term that the corpus holds."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        ids, tf = self._postings[term]
        norm = self.doc_len[ids] / self.avg_len
        out[ids] = self.idf(term) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * norm))
        return out
