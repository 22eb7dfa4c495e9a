"""Store step: where passages, their vectors and their keyword postings are kept.

A store hands back candidates for a query with their raw signals (cosines, keyword
share); ranking and answering stay in Python above it (rag.scorers, rag.retrieve),
the same for every store. `LocalStore` is the index folder in memory: its arrays memory-mapped,
its keyword postings a sparse matrix, its rows read from SQLite by id. tests/test_store.py runs the contract against brute force.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol, Union

import numpy as np

from .crosslingual import EnglishToReport
from .identity import ReportIdentity
from .filerows import RowFile
from .index import FLAT_LIMIT, IndexData, PassageRows, flat_ip_index, search_method
from .keyword import BM25, merge_postings
from .passage import Passage
from .patterns import lazy_pattern
from .places import Place
from .query import Query
from .segment import dictionary_tags


# A question's vector for `Store.candidates`: the vector, None (keywords only), or what waits
# for it while it is being embedded on another thread (rag.retrieve.Searcher.embed_soon). A
# store calls it when it needs the vector, after the work that does not: the embedding is
# most of a warm question's time, and the keyword scores are made meanwhile.
QueryVector = Union[np.ndarray, None, Callable[[], Union[np.ndarray, None]]]


def vector_now(vector: QueryVector) -> np.ndarray | None:
    """Return the question's vector, waiting for it when it is still being made."""
    return vector() if callable(vector) else vector


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

    def candidates(self, query: Query, vector: QueryVector, expansion_weight: float,
                   k: int | None = None, sources: Collection[str] | None = None) -> Candidates: ...

    def rows(self, ids: Sequence[int]) -> list[Passage]: ...

    def contains(self, term: str) -> bool: ...

    def mentions(self, term: str, sources: Collection[str] | None = None) -> bool: ...

    def holds(self, term: str, sources: Collection[str] | None = None) -> bool: ...

    def translations(self, word: str) -> frozenset[str]: ...

    def expansions(self, tokens: Collection[str]) -> dict[str, frozenset[str]]: ...

    def regions(self) -> list[Place]: ...

    def tag(self, word: str) -> str: ...

    reports: dict[str, ReportIdentity]
    documents: Mapping  # source → rag.document.Document, the text that start/end index into
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
        """The reports' regions, each once; worked out again only when `reports` is replaced
        (stores replace it, never change it in place): a thousand reports of a few dozen
        regions cost a question nothing."""
        reports = self.reports
        if getattr(self, "_regions_of", None) is not reports:
            self._regions = list(dict.fromkeys(r.place for r in reports.values() if r.place))
            self._regions_of = reports
        return self._regions

    def tag(self, word: str) -> str:
        """Return jieba's dictionary tag of a word of the reports' vocabulary, "" if unknown."""
        return self._tags.get(word, "")


CONTAINED_WORDS = 65536  # words whose presence is remembered, per store


class LocalStore(ReportWords):
    """One index folder's contents: arrays memory-mapped and rows read by id when opened
    from disk (nothing read whole), in memory when built or changed in place.

    How a question searches depends on the size (rag.index.search_method, in the manifest):
    "exact" scores every passage and sentence; "pool" scores every passage vector, takes the
    POOL best by meaning and by keywords, and reads the sentences of those only; "ivf" asks
    an IVF index (rag.ann) for the passages instead of reading every passage vector.
    """

    pool_size = None

    def __init__(self, data: IndexData):
        self.manifest = data.manifest
        self.reports = {source: ReportIdentity.from_dict(source, d)
                        for source, d in data.manifest.get("reports", {}).items()}
        self._data = data
        self._rows = data.passages
        self._vectors = data.vectors
        self._sentences = data.sentence_vectors
        self._owner = data.sentence_owner
        self._bm25 = data.keywords
        self._ivf = data.ivf
        self._tags: dict[str, str] = dict(data.tags)
        # source → its text as read (rag.document); from disk, read by report when asked for
        self.documents: Mapping = dict(data.documents) if isinstance(data.documents, dict) else data.documents
        self._reindex()

    def __len__(self) -> int:
        return len(self._rows)

    def _reindex(self) -> None:
        """Derive what searching needs from the arrays (numpy only: no loop over passages)."""
        n = len(self._rows)
        dim = int(self._vectors.shape[1]) if self._vectors.ndim == 2 else 0
        self._search = self.manifest.get("search") or search_method(n, len(self._sentences), dim)
        if self._search["method"] == "ivf" and self._ivf is None:
            from .ann import build_ivf

            self._ivf, nprobe, _ = build_ivf(np.asarray(self._vectors))
            self._ivf.nprobe = nprobe
        # Sentences are stored in passage order: passage i's are offsets[i]:offsets[i+1].
        # A pooled search reads a few passages' sentences of a large file: read, not mapped.
        self._sentence_file = RowFile.of(self._sentences) if self._search["method"] != "exact" else None
        self._offsets = np.searchsorted(np.asarray(self._owner), np.arange(n + 1)) if n else np.zeros(1, np.int64)
        self._english = EnglishToReport(self._bm25.vocabulary)
        # contains() asks the same words again for every question that uses them (a
        # question's terms are checked against the reports, each a posting and SQLite look-up).
        self._contained: dict[str, bool] = {}
        ranges = self.manifest.get("rows")
        if ranges and isinstance(self._rows, PassageRows):
            self._sources = sorted(ranges, key=lambda s: ranges[s][0])
            sizes = [ranges[s][1] - ranges[s][0] for s in self._sources]
            self._source_id = np.repeat(np.arange(len(self._sources), dtype=np.int32), sizes)
        else:
            names = [p.source for p in self._rows]
            self._sources = sorted(set(names))
            position = {s: i for i, s in enumerate(self._sources)}
            self._source_id = np.array([position[s] for s in names], dtype=np.int32)

    # ------------------------------------------------------------------ writing

    def clone(self) -> LocalStore:
        """Return a copy to add to or delete from while searches go on reading this one.
        Cheap: add and delete replace the arrays and rows rather than change them, so the
        copy shares them (memory-mapped ones too) until it changes."""
        twin = copy.copy(self)
        twin.manifest, twin.reports, twin._tags = dict(self.manifest), dict(self.reports), dict(self._tags)
        twin.documents = dict(self.documents) if isinstance(self.documents, dict) else self.documents
        twin._contained = {}  # the copy will change: its own answers
        return twin

    def add(self, passages: Sequence[Passage], tokens: Sequence[list[str]], vectors: np.ndarray,
            sentence_vectors: np.ndarray, sentence_owner: np.ndarray) -> None:
        """Append passages (sentence_owner counts from 0 within the added ones), in memory."""
        offset = len(self._rows)
        dim = self._vectors.shape[1]
        self._rows = list(self._rows) + list(passages)
        self._tags.update(dictionary_tags({t for doc in tokens for t in doc if not t.startswith("#")}))
        self._vectors = np.concatenate([np.asarray(self._vectors), np.asarray(vectors, np.float32).reshape(-1, dim)])
        self._sentences = np.concatenate([np.asarray(self._sentences),
                                          np.asarray(sentence_vectors, np.float32).reshape(-1, dim)])
        self._owner = np.concatenate([np.asarray(self._owner), np.asarray(sentence_owner, dtype=np.int64) + offset])
        self._bm25 = merge_postings([(self._bm25, np.arange(offset)), (BM25.of(list(tokens)), np.arange(len(tokens)))])
        self._changed()

    def delete(self, source: str) -> int:
        """Drop every passage of `source` and its text; return how many passages there were."""
        if source in self.documents:
            self.documents = {s: d for s, d in self.documents.items() if s != source}
        if source not in self._sources:
            return 0
        keep = np.flatnonzero(self._source_id != self._sources.index(source))
        gone = len(self._rows) - len(keep)
        new_row = np.full(len(self._rows), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        owner = new_row[np.asarray(self._owner)]
        self._rows = [self._rows[int(i)] for i in keep] if not isinstance(self._rows, PassageRows) \
            else self._rows.many(keep)
        self._vectors = np.asarray(self._vectors)[keep]
        self._sentences = np.asarray(self._sentences)[owner >= 0]
        self._owner = owner[owner >= 0]
        self._bm25 = merge_postings([(self._bm25, keep)])
        self._changed()
        return gone

    def _changed(self) -> None:
        self.manifest = {k: v for k, v in self.manifest.items() if k not in ("search", "rows")}
        self._ivf = None
        self._reindex()

    # ------------------------------------------------------------------ reading

    def candidates(self, query: Query, vector: QueryVector, expansion_weight: float,
                   k: int | None = None, sources: Collection[str] | None = None) -> Candidates:
        """Return the raw signals for the query of the passages of the reports in `sources`
        (all when None): of every one in a small index, else of the POOL best by meaning and
        the POOL best by keywords; with `k`, of the union of the k best by each."""
        keyword = self._bm25.scores(query.tokens, query.expansions, expansion_weight)
        vector = vector_now(vector)  # scored by keywords while the question was being embedded
        ids = None if sources is None else self._rows_of(sources)
        if self._search["method"] != "exact" and len(self):
            pool = max(int(self._search.get("pool", 200)), k or 0)
            return self._pooled(keyword, vector, ids, pool, bounded=k is not None)
        if vector is None:
            passage = sentence = np.zeros(len(self), dtype=np.float32)
        else:
            passage, sentence = self._cosines(np.asarray(vector, dtype=np.float32).reshape(-1))
        ids = np.arange(len(self)) if ids is None else ids
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

    def _rows_of(self, sources: Collection[str]) -> np.ndarray:
        wanted = [i for i, s in enumerate(self._sources) if s in set(sources)]
        return np.flatnonzero(np.isin(self._source_id, wanted))

    def _pooled(self, keyword: np.ndarray, vector: np.ndarray | None, ids: np.ndarray | None,
                pool: int, bounded: bool = False) -> Candidates:
        """Candidates of a large index: the pool best by meaning ∪ by keywords, scored exactly.
        `bounded`: with ceilings of what the passages left out could score; the keyword one
        is exact (every passage's keyword share is computed), the dense one the bound 2 (a
        passage's cosine plus a sentence's), since left-out sentences are never read."""
        scoped = keyword if ids is None else keyword[ids]
        by_keyword = np.flatnonzero(scoped > 0)
        if len(by_keyword) > pool:
            by_keyword = by_keyword[np.argpartition(-scoped[by_keyword], pool - 1)[:pool]]
        by_keyword = by_keyword if ids is None else ids[by_keyword]
        if vector is None:
            chosen = np.sort(by_keyword)
            passage = sentence = np.zeros(len(chosen), dtype=np.float32)
        else:
            query = np.asarray(vector, dtype=np.float32).reshape(-1)
            chosen = np.union1d(self._by_meaning(query, ids, pool), by_keyword)
            passage, sentence = self._cosines_of(chosen, query)
        left_out = np.setdiff1d(np.arange(len(self)) if ids is None else ids, chosen) if bounded else ()
        if not len(left_out):
            return Candidates(chosen, passage, sentence, keyword[chosen])
        return Candidates(chosen, passage, sentence, keyword[chosen], 0.0 if vector is None else 2.0,
                          float(keyword[left_out].max()))

    def _by_meaning(self, query: np.ndarray, ids: np.ndarray | None, pool: int) -> np.ndarray:
        """Return the pool passages (of `ids`, all when None) nearest the query vector."""
        if self._ivf is not None and (ids is None or len(ids) * self._vectors.shape[1] > FLAT_LIMIT):
            wanted = pool if ids is None else min(len(self), pool * 8)
            found = self._ivf.search(query.reshape(1, -1), wanted)[1][0]
            found = found[found >= 0]
            return found if ids is None else np.intersect1d(found, ids)[:pool]
        scores = _dot(self._vectors, query) if ids is None else _dot(self._vectors[ids], query)
        best = np.argpartition(-scores, pool - 1)[:pool] if len(scores) > pool else np.arange(len(scores))
        return best if ids is None else ids[best]

    def _cosines(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each passage's cosine to the query and its best sentence's (reads all)."""
        passage = _dot(self._vectors, query)
        best_sentence = passage.copy()  # a passage without sentences counts as one
        if len(self._owner):
            sentence = _dot(self._sentences, query)
            owner = np.asarray(self._owner)
            best_sentence[owner] = -1.0
            np.maximum.at(best_sentence, owner, sentence)
        return passage, best_sentence

    def _cosines_of(self, ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the cosines of some passages and of their best sentences (reads only theirs)."""
        passage = _dot(self._vectors[ids], query) if len(ids) else np.zeros(0, np.float32)
        starts, ends = self._offsets[ids], self._offsets[ids + 1]
        counts = ends - starts
        best = passage.copy()
        if counts.sum():
            if self._sentence_file is not None:
                sentence = _dot(self._sentence_file.ranges(starts[counts > 0], ends[counts > 0]), query)
            else:
                rows = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
                sentence = _dot(self._sentences[rows], query)
            has = counts > 0
            best[has] = np.maximum.reduceat(sentence, (np.cumsum(counts) - counts)[has])
        return passage.astype(np.float32), best.astype(np.float32)

    def rows(self, ids: Sequence[int]) -> list[Passage]:
        if isinstance(self._rows, PassageRows):
            return self._rows.many(ids)
        return [self._rows[int(i)] for i in ids]

    @property
    def passages(self) -> list[Passage]:
        """Every passage, in row order (a copy; reads them all)."""
        return list(self._rows)

    def contains(self, term: str) -> bool:
        """Tell whether a (folded) word occurs anywhere in the reports, ignoring case."""
        term = term.lower()
        known = self._contained.get(term)
        if known is None:
            known = self._contained[term] = self._present(term, None)
            if len(self._contained) > CONTAINED_WORDS:
                self._contained.clear()
        return known

    def holds(self, term: str, sources: Collection[str] | None = None) -> bool:
        """Tell whether the reports in `sources` (all when None) hold `term` as written."""
        return self._present(term.lower(), None if sources is None else self._rows_of(sources))

    def mentions(self, term: str, sources: Collection[str] | None = None) -> bool:
        """Tell whether the reports in `sources` (all when None) use a word, or one differing
        from it in a single character (吞土量 for 吞吐量: a typo is no evidence of absence)."""
        term = term.lower()
        allowed = None if sources is None else self._rows_of(sources)
        if self._present(term, allowed):
            return True
        return any(self._present(w, allowed) for w in self._bm25.vocabulary.one_apart(term))

    def _present(self, term: str, allowed: np.ndarray | None) -> bool:
        """Tell whether a passage (of `allowed`, all when None) holds `term`, from the keyword
        vocabulary, never by reading all text. A word with Chinese characters: only the
        passages holding each of its character pairs can, and SQLite searches those. Another
        word (a figure, a Latin word, one character): the passages with a keyword starting
        with its longest piece (2023 of 2023年; for one character, a character pair starting
        with it too) are searched; a figure or Latin word found only inside a longer one (gdp
        in rgdp) does not count."""
        pairs = {"#" + run[i: i + 2] for run in _CJK_RUN.findall(term) for i in range(len(run) - 1)}
        if pairs:
            return self._any_holds(self._holding_all(pairs), term, allowed)
        vocabulary = self._bm25.vocabulary
        piece = max(_pieces(term) or [term], key=len)  # 2023 of 2023年: a keyword starts with it
        columns = np.concatenate([vocabulary.starting_with(piece), vocabulary.starting_with("#" + piece)
                                  if _CJK_RUN.fullmatch(piece) else np.zeros(0, np.int64)])[:200]
        docs = [self._bm25.postings(str(vocabulary.terms[j]))[0] for j in columns]
        return bool(docs) and self._any_holds(_distinct(np.concatenate(docs)), term, allowed)

    def _holding_all(self, terms: Collection[str]) -> np.ndarray:
        """Return the passages whose postings hold every one of `terms`."""
        found = None
        for term in sorted(terms, key=lambda t: len(self._bm25.postings(t)[0])):
            docs = self._bm25.postings(term)[0]
            found = docs if found is None else np.intersect1d(found, docs, assume_unique=True)
            if not len(found):
                break
        return found

    def _any_holds(self, candidates: np.ndarray, term: str, allowed: np.ndarray | None) -> bool:
        if allowed is not None:
            candidates = np.intersect1d(candidates, allowed)
        if isinstance(self._rows, PassageRows):
            return self._rows.any_holds(candidates, term)
        return any(term in _folded(self._rows[int(i)]) for i in candidates)

    def tag(self, word: str) -> str:
        """Return jieba's dictionary tag of a word of the reports' vocabulary, "" if unknown."""
        return self._tags.get(word) or self._data.tag(word)

    def index_data(self) -> IndexData:
        """Return the store's contents as an index folder holds them."""
        tags = dict(self._tags)
        if isinstance(self._data.passages, PassageRows):
            tags = {**self._data.passages.tags(w for w in self._bm25.vocabulary if not w.startswith("#")), **tags}
        manifest = {k: v for k, v in self.manifest.items() if k not in ("search", "files")}
        return IndexData(manifest, self._rows, self._vectors, self._sentences, self._owner, self._bm25, tags,
                         documents=self.documents)


_CJK_RUN = lazy_pattern(r"[\u3400-\u9fff]+")


def _pieces(term: str) -> list[str]:
    r"""Return the runs of CJK characters and the runs of other characters but spaces of
    `term`, in order: what re.findall(r"[\u3400-\u9fff]+|[^\u3400-\u9fff\s]+", term) returns
    (\s being str.isspace()), without compiling that pattern: 3-4 ms of a cold question."""
    runs = groupby(term, key=lambda c: "cjk" if "\u3400" <= c <= "\u9fff" else "space" if c.isspace() else "other")
    return ["".join(run) for kind, run in runs if kind != "space"]


def _distinct(rows: np.ndarray) -> np.ndarray:
    """Return the distinct rows, sorted (np.unique's result; np.unique imports numpy.ma on
    first use, 20 ms of every cold `rag.ask`)."""
    rows = np.sort(rows)
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


def _dot(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Return matrix @ query on this thread: a multi-threaded BLAS took 30 ms instead of
    0.3 ms for 2,000 sentences whenever the other core was busy."""
    return np.einsum("ij,j->i", np.asarray(matrix, dtype=np.float32), query)


def _folded(p: Passage) -> str:
    """The text presence is judged on: what keywords see, full-width folded, lower case."""
    return unicodedata.normalize("NFKC", p.match_text()).lower()


def empty_index(dim: int):
    """Return an empty exact inner-product index of `dim` dimensions."""
    return flat_ip_index(np.zeros((0, dim), dtype=np.float32))
