"""Store step: where passages, their vectors and their keyword postings are kept.

A store hands back candidates for a query with their raw signals (cosines, keyword
share); ranking and answering stay in Python above it (rag.scorers, rag.retrieve),
the same for every store. `LocalStore` is the index folder in memory: the FAISS
indexes as read from disk (searched as they are, never copied), BM25 postings and
the passage rows. tests/test_store.py runs the contract against brute force.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from .crosslingual import EnglishToReport
from .identity import ReportIdentity
from .index import IndexData, flat_ip_index
from .keyword import BM25
from .passage import Passage
from .places import Place
from .query import Query
from .segment import dictionary_tags


@dataclass(frozen=True)
class Candidates:
    """Rows a store proposes for a query, with the raw signals the scorers read."""

    ids: np.ndarray  # (c,) int: passage rows
    passage_cosine: np.ndarray  # (c,) question–passage cosine; zeros without a query vector
    sentence_cosine: np.ndarray  # (c,) question–best-sentence cosine (the passage's own without sentences)
    keyword: np.ndarray  # (c,) share of the question's BM25 weight the passage holds, in [0, 1]
    # For a pool (candidates(k=...)): no passage left out has a higher passage + best-sentence
    # cosine than `dense_ceiling`, or a higher keyword share than `keyword_ceiling`, so the
    # searcher can prove its top k final (rag.scorers.Fusion.settled). None: nothing left out.
    dense_ceiling: float | None = None
    keyword_ceiling: float | None = None


class Store(Protocol):
    """What retrieval needs of a store; any implementation passes tests/test_store.py."""

    def __len__(self) -> int: ...

    def add(self, passages: Sequence[Passage], tokens: Sequence[list[str]], vectors: np.ndarray,
            sentence_vectors: np.ndarray, sentence_owner: np.ndarray) -> None: ...

    def delete(self, source: str) -> int: ...

    def candidates(self, query: Query, vector: np.ndarray | None, expansion_weight: float,
                   k: int | None = None, sources: Collection[str] | None = None) -> Candidates: ...

    def rows(self, ids: Sequence[int]) -> list[Passage]: ...

    def contains(self, term: str) -> bool: ...

    def mentions(self, term: str, sources: Collection[str] | None = None) -> bool: ...

    def translations(self, word: str) -> frozenset[str]: ...

    def expansions(self, tokens: Collection[str]) -> dict[str, frozenset[str]]: ...

    def regions(self) -> list[Place]: ...

    def tag(self, word: str) -> str: ...

    reports: dict[str, ReportIdentity]
    documents: dict  # source → rag.document.Document, the text that start/end index into
    # None: candidates() scores every passage anyway, so the searcher asks for all of them;
    # a number: the first pool to ask for (rag.retrieve widens it until the top k is proven).
    pool_size: int | None


class ReportWords:
    """The lexicon half of every store (rag.query.Lexicon's translations, expansions,
    regions and tags), read from the store's reports, English dictionary and tags."""

    reports: dict[str, ReportIdentity]
    _english: EnglishToReport
    _tags: dict[str, str]

    def translations(self, word: str) -> frozenset[str]:
        return self._english.translations(word)

    def expansions(self, tokens: Collection[str]) -> dict[str, frozenset[str]]:
        return self._english.expansions(tokens)

    def regions(self) -> list[Place]:
        return [r.place for r in self.reports.values() if r.place]

    def tag(self, word: str) -> str:
        """Return jieba's dictionary tag of a word of the reports' vocabulary, "" if unknown."""
        return self._tags.get(word, "")


class LocalStore(ReportWords):
    """One index folder's contents in memory (exact search)."""

    pool_size = None

    def __init__(self, data: IndexData):
        self.manifest = data.manifest
        self.reports = {source: ReportIdentity.from_dict(source, d)
                        for source, d in data.manifest.get("reports", {}).items()}
        self._passages = list(data.passages)
        self._tokens = list(data.tokens)
        self._passage_index = data.passage_index
        self._sentence_index = data.sentence_index
        self._owner = np.asarray(data.sentence_owner, dtype=np.int64)
        self._tags = dict(data.tags)
        self.documents = dict(data.documents)  # source → its text as read (rag.document)
        self._reindex_keywords()

    def __len__(self) -> int:
        return len(self._passages)

    # ------------------------------------------------------------------ writing

    def clone(self) -> LocalStore:
        """Return a copy to add to or delete from while searches go on reading this one
        (add and delete change the store in place)."""
        import faiss

        twin = copy.copy(self)
        twin.manifest, twin.reports, twin.documents = dict(self.manifest), dict(self.reports), dict(self.documents)
        twin._passages, twin._tokens, twin._tags = list(self._passages), list(self._tokens), dict(self._tags)
        twin._passage_index = faiss.clone_index(self._passage_index)
        twin._sentence_index = faiss.clone_index(self._sentence_index)
        twin.__dict__.pop("_texts", None)
        return twin

    def add(self, passages: Sequence[Passage], tokens: Sequence[list[str]], vectors: np.ndarray,
            sentence_vectors: np.ndarray, sentence_owner: np.ndarray) -> None:
        """Append passages (sentence_owner counts from 0 within the added ones)."""
        offset = len(self._passages)
        self._passages += passages
        self._tokens += tokens
        self._tags.update(dictionary_tags({t for doc in tokens for t in doc if not t.startswith("#")}))
        self._passage_index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._sentence_index.add(np.ascontiguousarray(sentence_vectors, dtype=np.float32))
        self._owner = np.concatenate([self._owner, np.asarray(sentence_owner, dtype=np.int64) + offset])
        self._reindex_keywords()

    def delete(self, source: str) -> int:
        """Drop every passage of `source` and its text; return how many passages there were."""
        self.documents.pop(source, None)
        gone = np.array([i for i, p in enumerate(self._passages) if p.source == source], dtype=np.int64)
        if not len(gone):
            return 0
        keep = np.setdiff1d(np.arange(len(self._passages)), gone)
        sentence_gone = np.flatnonzero(np.isin(self._owner, gone))
        self._passage_index.remove_ids(gone)
        self._sentence_index.remove_ids(sentence_gone)
        new_row = np.full(len(self._passages), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        self._owner = new_row[np.delete(self._owner, sentence_gone)]
        self._passages = [self._passages[i] for i in keep]
        self._tokens = [self._tokens[i] for i in keep]
        self._reindex_keywords()
        return len(gone)

    def _reindex_keywords(self) -> None:
        self._source_of = np.array([p.source for p in self._passages], dtype=object)
        self._bm25 = BM25(self._tokens)
        self._english = EnglishToReport(self._bm25.vocabulary)
        self.__dict__.pop("_texts", None)

    # ------------------------------------------------------------------ reading

    def candidates(self, query: Query, vector: np.ndarray | None, expansion_weight: float,
                   k: int | None = None, sources: Collection[str] | None = None) -> Candidates:
        """Return every passage's raw signals for the query (exact search), of the reports
        in `sources` (all when None). With `k`, only the union of the k best by meaning and
        the k best by keywords."""
        keyword = self._bm25.scores(query.tokens, query.expansions, expansion_weight)
        if vector is None:
            passage = sentence = np.zeros(len(self), dtype=np.float32)
        else:
            passage, sentence = self._cosines(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        ids = np.arange(len(self)) if sources is None else np.flatnonzero(np.isin(self._source_of, list(sources)))
        passage, sentence, keyword = passage[ids], sentence[ids], keyword[ids]
        if k is not None and k < len(ids):
            dense = passage + sentence
            keep = np.union1d(np.argpartition(-dense, k - 1)[:k], np.argpartition(-keyword, k - 1)[:k])
            left_out = np.ones(len(ids), dtype=bool)
            left_out[keep] = False
            ceilings = (float(dense[left_out].max()), float(keyword[left_out].max())) if left_out.any() \
                else (None, None)
            ids, passage, sentence, keyword = ids[keep], passage[keep], sentence[keep], keyword[keep]
            return Candidates(ids, passage, sentence, keyword, *ceilings)
        return Candidates(ids, passage, sentence, keyword)

    def _cosines(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each passage's cosine to the query and its best sentence's."""
        passage = _all_scores(self._passage_index, query)
        best_sentence = passage.copy()  # a passage without sentences counts as one
        if len(self._owner):
            sentence = _all_scores(self._sentence_index, query)
            best_sentence[np.unique(self._owner)] = -1.0
            np.maximum.at(best_sentence, self._owner, sentence)
        return passage, best_sentence

    def rows(self, ids: Sequence[int]) -> list[Passage]:
        return [self._passages[int(i)] for i in ids]

    @property
    def passages(self) -> list[Passage]:
        """Every passage, in row order (a copy)."""
        return list(self._passages)

    def contains(self, term: str) -> bool:
        """Tell whether a (folded) word occurs anywhere in the reports, ignoring case."""
        term = term.lower()
        return any(term in text for text in self._texts.values())

    def mentions(self, term: str, sources: Collection[str] | None = None) -> bool:
        """Tell whether the reports in `sources` (all when None) use a word, or one differing
        from it in a single character (吞土量 for 吞吐量: a typo is no evidence of absence)."""
        term = term.lower()
        texts = self._texts if sources is None else {s: t for s, t in self._texts.items() if s in sources}
        if any(term in text for text in texts.values()):
            return True
        near = [w for w in self._bm25.vocabulary if len(w) == len(term) and sum(a != b for a, b in zip(w, term)) == 1]
        return any(w in text for w in near for text in texts.values())

    @cached_property
    def _texts(self) -> dict[str, str]:
        texts: dict[str, list[str]] = {}
        for p in self._passages:
            texts.setdefault(p.source, []).append(p.match_text())
        return {s: unicodedata.normalize("NFKC", "\n".join(t)).lower() for s, t in texts.items()}

    def index_data(self) -> IndexData:
        """Return the store's contents as an index folder holds them."""
        return IndexData(self.manifest, list(self._passages), list(self._tokens), self._passage_index,
                         self._sentence_index, self._owner.copy(), dict(self._tags), dict(self.documents))


def empty_index(dim: int):
    """Return an empty exact inner-product index of `dim` dimensions."""
    return flat_ip_index(np.zeros((0, dim), dtype=np.float32))


def _all_scores(index, query: np.ndarray) -> np.ndarray:
    """Return the inner product of `query` with every vector of a FAISS index, by row."""
    if not index.ntotal:
        return np.zeros(0, dtype=np.float32)
    sims, rows = index.search(query, index.ntotal)
    scores = np.zeros(index.ntotal, dtype=np.float32)
    scores[rows[0]] = sims[0]
    return scores
