"""Keyword step: BM25 over jieba tokens, with scores scaled to [0, 1].

A passage's keyword score is its BM25 score divided by the sum of the IDFs of the
question's distinct tokens, capped at 1: roughly, the share of the question's
keyword weight that the passage contains (a token the corpus never uses counts
in the denominator, so off-topic questions score low).

An English question token may come with `expansions` (rag.crosslingual: its Chinese
translations); it then scores as the best of them, at `expansion_weight` of a direct match
(rag.config.Tuning.expansion), since a dictionary translation is a guess, or as itself in a
passage that holds the English word (GDP) when that scores higher.

The postings are a sparse matrix stored by term (CSC: `ptr[j]:ptr[j+1]` are the passages
holding term j and its counts) over a sorted vocabulary, all plain numpy arrays: an index
folder memory-maps them, and a question reads only its own terms' postings (with `pread`,
rag.filerows: mapped, the pages a question faults in stay in the process). A term's
document frequency is the length of its column, read when asked for (`CorpusStats.df`
is a view of the postings, not a dictionary built at open).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .filerows import RowFile

K1 = 1.2
B = 0.75


class Vocabulary(Collection[str]):
    """The sorted terms of a corpus; membership by binary search, no Python set built."""

    def __init__(self, terms: np.ndarray):
        self.terms = terms  # sorted numpy unicode array
        self._seen: dict[str, int] = {}  # terms already looked up: questions repeat words

    def position(self, term: str) -> int:
        """Return the term's column, -1 when the corpus does not hold it."""
        if term not in self._seen:
            j = int(self.terms.searchsorted(term)) if len(self.terms) else 0
            self._seen[term] = j if j < len(self.terms) and self.terms[j] == term else -1
        return self._seen[term]

    def starting_with(self, piece: str) -> np.ndarray:
        """Return the columns of the terms that start with `piece` (two bisections)."""
        if not len(self.terms):
            return np.zeros(0, dtype=np.int64)
        lo, hi = self.terms.searchsorted([piece, piece + "\U0010ffff"])
        return np.arange(lo, hi)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.position(term) >= 0

    def __iter__(self) -> Iterator[str]:
        return (str(t) for t in self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def one_apart(self, word: str) -> list[str]:
        """Return the terms of the same length that differ from `word` in one character."""
        width = self.terms.dtype.itemsize // 4 if len(self.terms) else 0
        if not width or len(word) > width:
            return []
        codes = self.terms.view(np.uint32).reshape(len(self.terms), width)
        mine = np.array([ord(c) for c in word], dtype=np.uint32)
        same_length = (codes[:, len(word) - 1] != 0) & ((codes[:, len(word)] == 0) if len(word) < width else True)
        differ = (codes[:, : len(word)] != mine).sum(axis=1)
        return [str(t) for t in self.terms[np.flatnonzero(same_length & (differ == 1))]]


@dataclass(frozen=True)
class CorpusStats:
    """What a term's weight depends on besides its own passage: the number of passages,
    their mean length in tokens, and each term's document frequency."""

    n_docs: int
    avg_len: float
    df: Mapping[str, int]


class DocumentFrequencies(Mapping[str, int]):
    """Each term's document frequency, read from the postings' column lengths on demand."""

    def __init__(self, vocabulary: Vocabulary, ptr: np.ndarray):
        self._vocabulary, self._ptr = vocabulary, ptr

    def __getitem__(self, term: str) -> int:
        j = self._vocabulary.position(term) if isinstance(term, str) else -1
        if j < 0:
            raise KeyError(term)
        return int(self._ptr[j + 1]) - int(self._ptr[j])

    def __contains__(self, term: object) -> bool:
        return term in self._vocabulary

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocabulary)

    def __len__(self) -> int:
        return len(self._vocabulary)


class BM25:
    """Holds the postings of a tokenised corpus; row i is passage i.

    With `stats`, the rows are some passages of a larger corpus (a candidate pool of
    rag.store_qdrant) and score exactly as they would among all of them."""

    def __init__(self, docs: list[list[str]], stats: CorpusStats | None = None):
        self._hold(*postings_arrays(docs), stats)

    @classmethod
    def of(cls, docs: list[list[str]]) -> BM25:
        """Return the postings of token lists (at build time; row i = docs[i])."""
        return cls(docs)

    @classmethod
    def from_arrays(cls, terms: np.ndarray, ptr: np.ndarray, docs: np.ndarray, tf: np.ndarray,
                    doc_len: np.ndarray, stats: CorpusStats | None = None) -> BM25:
        """Return the postings held in the arrays of `postings_arrays` (an index folder's,
        memory-mapped: nothing is read whole)."""
        bm25 = cls.__new__(cls)
        bm25._hold(terms, ptr, docs, tf, doc_len, stats)
        return bm25

    def _hold(self, terms: np.ndarray, ptr: np.ndarray, docs: np.ndarray, tf: np.ndarray,
              doc_len: np.ndarray, stats: CorpusStats | None) -> None:
        self.vocabulary = Vocabulary(terms)
        self.ptr, self.docs, self.tf = ptr, docs, tf
        self._docs_file, self._tf_file = RowFile.of(docs), RowFile.of(tf)
        self.doc_len = np.asarray(doc_len, dtype=np.float32)
        self.n_docs = len(self.doc_len)
        self.stats = stats or CorpusStats(self.n_docs, float(self.doc_len.mean()) if self.n_docs else 0.0,
                                          DocumentFrequencies(self.vocabulary, ptr))
        self.avg_len = self.stats.avg_len

    def arrays(self) -> dict[str, np.ndarray]:
        """Return the arrays an index folder stores (see `postings_arrays`)."""
        return {"terms": self.vocabulary.terms, "ptr": self.ptr, "docs": self.docs, "tf": self.tf,
                "doc_len": self.doc_len}

    def row_tokens(self, lo: int = 0, hi: int | None = None) -> list[list[str]]:
        """Return the tokens of passages lo…hi-1 (all by default) read back from the postings
        (each term as often as the passage holds it, in term order): what a store that keeps
        every passage's tokens (rag.store_qdrant) is written from. Reads every posting: for
        writing, not answering."""
        hi = self.n_docs if hi is None else hi
        out: list[list[str]] = [[] for _ in range(hi - lo)]
        ptr, docs, tf = np.asarray(self.ptr), np.asarray(self.docs), np.asarray(self.tf)
        term_of = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
        keep = (docs >= lo) & (docs < hi)
        terms = self.vocabulary.terms
        for j, row, count in zip(term_of[keep].tolist(), docs[keep].tolist(), tf[keep].tolist()):
            out[row - lo].extend([str(terms[j])] * int(count))
        return out

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the passages holding `term` and its count in each (empty when none)."""
        j = self.vocabulary.position(term)
        if j < 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        lo, hi = int(self.ptr[j]), int(self.ptr[j + 1])
        if self._docs_file is not None and self._tf_file is not None:
            docs, tf = self._docs_file.span(lo, hi), self._tf_file.span(lo, hi)
        else:
            docs, tf = self.docs[lo:hi], self.tf[lo:hi]
        return np.asarray(docs, dtype=np.int64), np.asarray(tf, dtype=np.float32)

    def idf(self, term: str) -> float:
        return idf(self.stats.df.get(term, 0), self.stats.n_docs)

    def scores(self, query_tokens: Collection[str], expansions: Mapping[str, Collection[str]] | None = None,
               expansion_weight: float = 0.5) -> np.ndarray:
        """Return every passage's keyword score in [0, 1] for the question's tokens."""
        raw = np.zeros(self.n_docs, dtype=np.float32)
        terms = set(query_tokens)
        if not terms or not self.n_docs:
            return raw
        direct = {}  # each term's own postings and weights, read once
        for term in sorted(terms):
            if term in self.vocabulary:
                ids, weights = direct[term] = self._term_scores(term)
                raw[ids] += weights
        for term, alternatives in (expansions or {}).items():
            # Whether the corpus holds a word is the whole corpus's answer (stats), not these rows'.
            held = [a for a in alternatives if a in self.stats.df]
            if term in terms and held:
                best = np.zeros(self.n_docs, dtype=np.float32)
                for a in held:
                    ids, weights = self._term_scores(a)
                    best[ids] = np.maximum(best[ids], weights)
                best *= expansion_weight
                if term in direct:  # GDP written as such and as 生产总值: the better of the two
                    ids, weights = direct[term]
                    best[ids] = np.maximum(best[ids] - weights, 0.0)
                raw += best
        total_idf = sum(self.idf(t) for t in terms)
        return np.clip(raw / total_idf, 0.0, 1.0)

    def _term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the passages holding one term and their BM25 weights for it (none when
        these rows do not hold it)."""
        ids, tf = self.postings(term)
        return ids, weight(self.idf(term), tf, self.doc_len[ids], self.avg_len).astype(np.float32)


def idf(df: int, n_docs: int) -> float:
    """BM25's inverse document frequency of a term held by `df` of `n_docs` passages."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def weight(term_idf: float, tf: np.ndarray, doc_len: np.ndarray, avg_len: float) -> np.ndarray:
    """BM25's weight of a term counted `tf` times in passages of `doc_len` tokens (float32)."""
    return term_idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * (doc_len / avg_len)))


def postings_arrays(docs: list[list[str]]) -> tuple[np.ndarray, ...]:
    """Return (terms, ptr, docs, tf, doc_len): the sorted vocabulary, and for term j the
    passages `docs[ptr[j]:ptr[j+1]]` (ascending) holding it `tf[...]` times."""
    rows, words, counts = [], [], []
    for i, doc in enumerate(docs):
        for term, tf in Counter(doc).items():
            rows.append(i)
            words.append(term)
            counts.append(tf)
    terms = np.array(sorted(set(words)), dtype=str) if words else np.zeros(0, dtype="<U1")
    columns = np.searchsorted(terms, np.array(words, dtype=str)) if words else np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.array(rows, dtype=np.int64), columns))
    ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.add.at(ptr, columns + 1, 1)
    return (terms, np.cumsum(ptr), np.array(rows, dtype=np.int32)[order],
            np.array(counts, dtype=np.float32)[order], np.array([len(d) for d in docs], dtype=np.float32))


def merge_postings(parts: list[tuple[BM25, np.ndarray]]) -> BM25:
    """Return the postings of several corpora's rows stacked: each part is a BM25 and the
    rows of it to keep, in order (an incremental build keeps unchanged reports' postings
    without re-tokenising them)."""
    terms = np.unique(np.concatenate([p.vocabulary.terms for p, _ in parts])) if parts else np.zeros(0, "<U1")
    all_cols, all_rows, all_tf, lens, offset = [], [], [], [], 0
    for bm25, keep in parts:
        new_row = np.full(bm25.n_docs, -1, dtype=np.int64)
        new_row[keep] = offset + np.arange(len(keep))
        per_term = np.diff(np.asarray(bm25.ptr))
        cols = np.repeat(np.searchsorted(terms, bm25.vocabulary.terms), per_term)
        rows = new_row[np.asarray(bm25.docs, dtype=np.int64)]
        kept = rows >= 0
        all_cols.append(cols[kept])
        all_rows.append(rows[kept])
        all_tf.append(np.asarray(bm25.tf)[kept])
        lens.append(np.asarray(bm25.doc_len)[keep])
        offset += len(keep)
    cols = np.concatenate(all_cols) if all_cols else np.zeros(0, dtype=np.int64)
    rows = np.concatenate(all_rows) if all_rows else np.zeros(0, dtype=np.int64)
    tf = np.concatenate(all_tf) if all_tf else np.zeros(0, dtype=np.float32)
    used = np.unique(cols)  # a term only removed reports held goes
    terms, cols = terms[used], np.searchsorted(used, cols)
    # Each part is sorted by term and row already, and the parts' rows follow each other: a
    # stable sort by term alone merges them (in runs, so far cheaper than sorting anew).
    order = np.argsort(cols, kind="stable")
    ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.add.at(ptr, cols + 1, 1)
    doc_len = np.concatenate(lens) if lens else np.zeros(0, dtype=np.float32)
    return BM25.from_arrays(terms, np.cumsum(ptr), rows[order].astype(np.int32), tf[order].astype(np.float32),
                            doc_len)
