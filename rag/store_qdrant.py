"""Store step over Qdrant: the same `Store` as rag.store.LocalStore, kept in a search engine.

Qdrant proposes candidates: the best passages by their own vector, by their best
sentence's vector (a multivector per passage, compared by MAX_SIM: the best sentence's
cosine), and by keywords (jieba tokens as a sparse vector). The exact signals of those
candidates are then computed here, from their vectors and tokens, with the corpus-wide
BM25 statistics kept in the collection's metadata, so each candidate's signals are the
ones LocalStore gives it. With each pool go ceilings (what no passage left out can
exceed); rag.retrieve widens the pool until the fusion proves its top k are those of
the whole corpus (rag.scorers.Fusion.settled): rankings are the local store's.

Where: `connect(url)` takes a server or cluster URL (http://host:6333; the API key, if
any, from QDRANT_API_KEY), a folder (Qdrant's local mode, one process at a time) or
":memory:". A collection NAME holds the passages; NAME-meta holds one point whose
payload is the index manifest, the vocabulary (term → sparse index, document frequency),
the passage and token counts and the parts of speech: what a query is read against,
loaded once when the store opens; NAME-documents holds one point per report, its text as
read with its pages and boxes (PDF) or elements (rag.document), read when a citation, a
page view or a whole section needs it: a machine asking a cluster needs no corpus folder.
docs/scale.md says how to run it on a cluster.

Needs the optional extra: pip install "baogao[qdrant]".
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import unicodedata
import uuid
from collections.abc import Collection, Sequence

import numpy as np

from .crosslingual import EnglishToReport
from .document import Document
from .errors import StoreError
from .identity import ReportIdentity
from .index import IndexData, StoredDocuments
from .keyword import BM25, K1, B, CorpusStats, idf
from .passage import Passage
from .query import Query
from .segment import dictionary_tags
from .store import Candidates, QueryVector, ReportWords, vector_now

log = logging.getLogger(__name__)

META_FORMAT = 2  # 2: the reports' texts in NAME-documents
UPLOAD_BATCH = 256
# Float rounding between the engine's dot products and numpy's: ceilings are raised by
# this much, so a proof never rests on the last bit.
SLACK = 1e-4
INSTALL = 'Install Qdrant support with: pip install "baogao[qdrant]"'
_LOCAL_CLIENTS: dict[str, object] = {}  # local-mode folder → this process's client of it
_LOCAL_LOCK = threading.Lock()


def connect(url: str):
    """Return a QdrantClient for a server URL, a local folder or ":memory:"."""
    try:
        from qdrant_client import QdrantClient
    except ImportError:
        raise StoreError(f"--store qdrant needs the qdrant-client package, which is not installed. {INSTALL}") from None
    if not url:
        raise StoreError("--store qdrant needs --qdrant-url: a server URL (http://localhost:6333), "
                         "a folder for Qdrant's local mode, or :memory:.")
    try:
        if url == ":memory:":
            return QdrantClient(":memory:")
        if url.startswith(("http://", "https://")):
            return QdrantClient(url=url, api_key=os.environ.get("QDRANT_API_KEY") or None, timeout=30)
        # Local mode admits one client per folder: a retriever reopening its store after an
        # update must get the client it already holds, not a second one that is refused.
        folder = os.path.realpath(url)
        with _LOCAL_LOCK:
            if folder not in _LOCAL_CLIENTS:
                if not _LOCAL_CLIENTS:  # closed before the interpreter tears down the modules
                    atexit.register(_close_local_clients)  # their __del__ needs (a traceback)
                _LOCAL_CLIENTS[folder] = QdrantClient(path=url)
            return _LOCAL_CLIENTS[folder]
    except (RuntimeError, ValueError, OSError) as err:  # a folder another process holds, a bad URL
        raise StoreError(f"Cannot open Qdrant at {url}: {type(err).__name__}: {str(err).splitlines()[0][:200]}. "
                         "Check the URL (or that no other process holds the local folder).") from None


def _close_local_clients() -> None:
    with _LOCAL_LOCK:
        clients = list(_LOCAL_CLIENTS.values())
        _LOCAL_CLIENTS.clear()
    for client in clients:
        client.close()


def _models():
    from qdrant_client import models

    return models


class QdrantStore(ReportWords):
    """A collection of a Qdrant server, cluster or local folder, read as a Store."""

    pool_size = 50

    def __init__(self, client, collection: str):
        self._client = client
        self.collection = collection
        self._meta_name = f"{collection}-meta"
        self._documents_name = f"{collection}-documents"
        self._local = _is_local(client)  # local mode always searches exactly, and says so
        if not all(client.collection_exists(name) for name in (collection, self._meta_name, self._documents_name)):
            raise StoreError(f"No collection '{collection}' in Qdrant. Build it with: "
                             f"python -m rag.build --store qdrant --qdrant-url URL --qdrant-collection {collection}")
        points = client.retrieve(self._meta_name, [0], with_payload=True)
        if not points or points[0].payload.get("format") != META_FORMAT:
            raise StoreError(f"The collection '{collection}' was not written by this version of baogao. "
                             "Rebuild it with: python -m rag.build --store qdrant …")
        self._load_meta(points[0].payload)

    # ------------------------------------------------------------------ creating

    @classmethod
    def create(cls, client, collection: str, data: IndexData) -> QdrantStore:
        """Write an index's contents as a fresh collection (replacing one this project wrote)."""
        models = _models()
        meta_name, documents_name = f"{collection}-meta", f"{collection}-documents"
        if client.collection_exists(collection) and not client.collection_exists(meta_name):
            raise StoreError(f"Refusing to replace the Qdrant collection '{collection}': baogao did not "
                             "write it. Give another --qdrant-collection.")
        for name in (collection, meta_name, documents_name):
            if client.collection_exists(name):
                client.delete_collection(name)
        dim = int(data.vectors.shape[1])
        client.create_collection(
            collection,
            # On a cluster: shards spread the passages over nodes, replicas keep each shard on
            # more than one (docs/scale.md). None: the server's defaults (1 and 1).
            shard_number=_env_int("BAOGAO_QDRANT_SHARDS"),
            replication_factor=_env_int("BAOGAO_QDRANT_REPLICAS"),
            on_disk_payload=True,
            vectors_config={
                "passage": models.VectorParams(size=dim, distance=models.Distance.DOT),
                "sentences": models.VectorParams(size=dim, distance=models.Distance.DOT,
                                                 multivector_config=models.MultiVectorConfig(
                                                     comparator=models.MultiVectorComparator.MAX_SIM)),
            },
            sparse_vectors_config={"keywords": models.SparseVectorParams()},
        )
        if not _is_local(client):  # a filter by report is then an index lookup (local mode has none)
            client.create_payload_index(collection, "source", models.PayloadSchemaType.KEYWORD)
        client.create_collection(meta_name, vectors_config={})
        client.create_collection(documents_name, vectors_config={}, on_disk_payload=True)
        # No report yet: written below, the manifest (with the corpus state) taken last.
        manifest = {k: v for k, v in data.manifest.items() if k not in ("files", "corpus")}
        empty = {"format": META_FORMAT, "manifest": manifest, "terms": {}, "n_docs": 0, "total_len": 0,
                 "written_avg": 0.0, "next_row": 0, "tags": {}}
        client.upsert(meta_name, [models.PointStruct(id=0, vector={}, payload=empty)])
        store = cls(client, collection)
        store._write_rows(data, 0, len(data.passages))
        for source in data.documents:
            store._write_document(source, data.documents[source])
        store._take_manifest(data)
        return store

    @classmethod
    def write(cls, client, collection: str, data: IndexData) -> QdrantStore:
        """Return the collection brought up to the index `data`: updated report by report when
        it holds an earlier state of the same model and settings, else written afresh."""
        try:
            store = cls(client, collection)
        except StoreError:
            return cls.create(client, collection, data)
        if any(store.manifest.get(key) != data.manifest.get(key) for key in ("model", "settings")):
            return cls.create(client, collection, data)
        written, dropped = store.update(data)
        log.info("updated the Qdrant collection '%s': %d report(s) written, %d dropped",
                 collection, len(written), len(dropped))
        return store

    def update(self, data: IndexData) -> tuple[list[str], list[str]]:
        """Bring the collection up to the index `data` (built with the same model and
        settings): drop the reports it no longer holds or holds changed, write the new and
        changed ones' passages and texts, and take its manifest. Adding one report to an
        archive writes that report, not the archive. Return (written, dropped) report names."""
        held = self.manifest.get("corpus", {})
        wanted = data.manifest.get("corpus", {})
        dropped = sorted(s for s in held if wanted.get(s, {}).get("sha256") != held[s].get("sha256"))
        written = sorted(s for s in wanted if held.get(s, {}).get("sha256") != wanted[s].get("sha256"))
        # Written ones are dropped first too: an update that died after writing a report but
        # before saving the manifest left its points, which must not be there twice.
        for source in sorted({*dropped, *written}):
            self.delete(source)
        for source in written:
            self._write_rows(data, *data.manifest["rows"][source])
            self._write_document(source, data.documents[source])
        self._take_manifest(data)
        return written, dropped

    def _write_rows(self, data: IndexData, lo: int, hi: int) -> None:
        """Add the index's passages lo…hi-1 with their sentences' vectors and their tokens."""
        owner = np.asarray(data.sentence_owner)
        first, last = np.searchsorted(owner, lo), np.searchsorted(owner, hi)
        # Each passage's tokens, read back from the index's keyword postings (format 3 keeps
        # no token lists): the same terms and counts, which is all BM25 and the engine read.
        self.add(data.passages[lo:hi], data.keywords.row_tokens(lo, hi), np.asarray(data.vectors[lo:hi], dtype=np.float32),
                 np.asarray(data.sentence_vectors[first:last], dtype=np.float32).reshape(-1, data.vectors.shape[1]),
                 owner[first:last] - lo)

    def _write_document(self, source: str, document: Document) -> None:
        self._client.upsert(self._documents_name, [_models().PointStruct(
            id=_document_id(source), vector={}, payload=dict(document.to_dict(), source=source))])

    def _take_manifest(self, data: IndexData) -> None:
        """Record the index's manifest (its reports and corpus state) as the collection's: last,
        so that an update stopped midway is redone, not taken as done."""
        self.manifest = {k: v for k, v in data.manifest.items() if k != "files"}
        self._set_reports({s: ReportIdentity.from_dict(s, d) for s, d in self.manifest.get("reports", {}).items()})
        self._save_meta()

    def _load_meta(self, meta: dict) -> None:
        self.manifest = meta["manifest"]
        self._set_reports({source: ReportIdentity.from_dict(source, d)
                           for source, d in self.manifest.get("reports", {}).items()})
        self._term_id = {t: int(v[0]) for t, v in meta["terms"].items()}
        self._df = {t: int(v[1]) for t, v in meta["terms"].items() if int(v[1]) > 0}
        self._n_docs = int(meta["n_docs"])
        self._total_len = int(meta["total_len"])
        self._written_avg = float(meta["written_avg"])
        self._next_row = int(meta["next_row"])
        self._tags = dict(meta["tags"])
        self._english = EnglishToReport(self._df.keys())

    # The reader rag.index.StoredDocuments reads reports' texts through (as it reads
    # passages.sqlite's): `self.documents` keeps the last few read, and is made anew
    # whenever the reports change (_set_reports), so none is kept past its update.
    def document(self, source: str) -> Document | None:
        if source not in self.reports:
            return None
        points = self._client.retrieve(self._documents_name, [_document_id(source)], with_payload=True)
        return Document.from_dict(points[0].payload) if points else None

    def has_document(self, source: str) -> bool:
        return source in self.reports

    def document_sources(self) -> list[str]:
        return sorted(self.reports)

    def _set_reports(self, reports: dict[str, ReportIdentity]) -> None:
        self.reports = reports  # replaced, never changed in place (ReportWords.regions)
        self.documents = StoredDocuments(self)

    def _save_meta(self) -> None:
        models = _models()
        terms = {t: [i, self._df.get(t, 0)] for t, i in self._term_id.items()}
        self.manifest = dict(self.manifest, sources=sorted(self.reports),
                             reports={s: r.to_dict() for s, r in sorted(self.reports.items())},
                             n_passages=self._n_docs)
        payload = {"format": META_FORMAT, "manifest": self.manifest, "terms": terms, "n_docs": self._n_docs,
                   "total_len": self._total_len, "written_avg": self._written_avg, "next_row": self._next_row,
                   "tags": self._tags}
        self._client.upsert(self._meta_name, [models.PointStruct(id=0, vector={}, payload=payload)])
        self._english = EnglishToReport(self._df.keys())

    def __len__(self) -> int:
        return self._n_docs

    def close(self) -> None:
        """Let go of the client (Qdrant's local mode admits one process per folder)."""
        with _LOCAL_LOCK:
            for folder in [f for f, c in _LOCAL_CLIENTS.items() if c is self._client]:
                del _LOCAL_CLIENTS[folder]
        self._client.close()

    @property
    def _avg_len(self) -> float:
        # As LocalStore's BM25 computes it: a float32 mean of the passages' token counts.
        return float(np.float32(self._total_len) / np.float32(self._n_docs)) if self._n_docs else 0.0

    # ------------------------------------------------------------------ writing

    def add(self, passages: Sequence[Passage], tokens: Sequence[list[str]], vectors: np.ndarray,
            sentence_vectors: np.ndarray, sentence_owner: np.ndarray) -> None:
        """Append passages (sentence_owner counts from 0 within the added ones)."""
        models = _models()
        for doc in tokens:
            for term in set(doc):
                self._term_id.setdefault(term, len(self._term_id))
                self._df[term] = self._df.get(term, 0) + 1
        self._n_docs += len(passages)
        self._total_len += sum(len(doc) for doc in tokens)
        avg = self._avg_len
        # The engine's keyword scores use the mean length at writing; the exact ones use
        # today's. A term's weight grows at most by (today's mean / the smallest mean used),
        # which bounds what the engine's ranking can miss (see candidates()).
        self._written_avg = min(self._written_avg, avg) if self._written_avg else avg
        owner = np.asarray(sentence_owner, dtype=np.int64)
        points = []
        for i, (passage, doc) in enumerate(zip(passages, tokens)):
            mine = sentence_vectors[owner == i] if len(owner) else np.zeros((0, vectors.shape[1]))
            if not len(mine):  # a passage without sentences counts as its own one sentence
                mine = vectors[i:i + 1]
            points.append(models.PointStruct(
                id=self._next_row + i,
                vector={"passage": vectors[i].tolist(), "sentences": mine.tolist(),
                        "keywords": self._sparse(doc, avg)},
                payload=_payload(passage, doc)))
        for start in range(0, len(points), UPLOAD_BATCH):
            self._client.upsert(self.collection, points[start:start + UPLOAD_BATCH])
        self._next_row += len(passages)
        self._tags.update(dictionary_tags({t for doc in tokens for t in doc if not t.startswith("#")}))
        self._save_meta()

    def _sparse(self, doc: list[str], avg: float):
        models = _models()
        counts: dict[int, float] = {}
        for term in set(doc):
            tf = np.float32(doc.count(term))
            counts[self._term_id[term]] = float(tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(doc) / avg)))
        return models.SparseVector(indices=list(counts), values=list(counts.values()))

    def delete(self, source: str) -> int:
        """Drop every passage of `source`; return how many there were."""
        models = _models()
        condition = models.Filter(must=[models.FieldCondition(key="source", match=models.MatchValue(value=source))])
        gone = self._scroll(condition, ["tokens"])
        if not gone:
            return 0
        for point in gone:
            doc = json.loads(point.payload["tokens"])
            for term in set(doc):
                self._df[term] -= 1
                if not self._df[term]:
                    del self._df[term]
            self._total_len -= len(doc)
        self._n_docs -= len(gone)
        self._client.delete(self.collection, models.PointIdsList(points=[p.id for p in gone]))
        self._client.delete(self._documents_name, models.PointIdsList(points=[_document_id(source)]))
        self._set_reports({s: r for s, r in self.reports.items() if s != source})
        self._save_meta()
        return len(gone)

    # ------------------------------------------------------------------ reading

    def candidates(self, query: Query, vector: QueryVector, expansion_weight: float,
                   k: int | None = None, sources: Collection[str] | None = None) -> Candidates:
        """Return the raw signals of every passage of the reports in `sources` (all when
        None) or, with `k`, of a pool holding the k best by each engine search, with the
        ceilings of what the passages left out could score."""
        vector = vector_now(vector)
        models = _models()
        where = None if sources is None else models.Filter(must=[models.FieldCondition(
            key="source", match=models.MatchAny(any=sorted(sources)))])
        if k is None:
            ids = sorted(p.id for p in self._scroll(where, False))
            return self._exact(ids, query, vector, expansion_weight)
        pool: set[int] = set()
        dense_ceiling = 0.0  # without a query vector every cosine is taken as 0
        if vector is not None:
            vector = np.asarray(vector, dtype=np.float32).ravel()
            by_passage = self._search(vector.tolist(), "passage", k, where)
            by_sentence = self._search([vector.tolist()], "sentences", k, where)
            pool |= {p.id for p in by_passage} | {p.id for p in by_sentence}
            dense_ceiling = _kth(by_passage, k) + _kth(by_sentence, k) + 2 * SLACK
        keyword_ceiling = 0.0
        sparse, total_idf = self._sparse_query(query, expansion_weight)
        if sparse is not None:
            by_keywords = self._search(sparse, "keywords", k, where)
            pool |= {p.id for p in by_keywords}
            # Engine score ≥ exact raw BM25 / (mean growth bound): sums for the best of
            # several translations, and weights written with a smaller mean length.
            growth = max(1.0, self._avg_len / self._written_avg) if self._written_avg else 1.0
            keyword_ceiling = _kth(by_keywords, k) * growth / total_idf + SLACK
        cands = self._exact(sorted(pool), query, vector, expansion_weight)
        everything = self._client.count(self.collection, count_filter=where, exact=True).count
        if len(pool) >= everything:
            return cands
        return Candidates(cands.ids, cands.passage_cosine, cands.sentence_cosine, cands.keyword,
                          dense_ceiling, keyword_ceiling)

    def _search(self, query, using: str, k: int, where):
        # The proof that a pool's top k is final needs the engine's k best to be the true
        # k best: dense searches are exact unless BAOGAO_QDRANT_EXACT=0 lets HNSW answer
        # (faster on millions of passages, but a passage HNSW misses may change a ranking).
        # Sparse search is an inverted index: always exact.
        exact = using != "keywords" and os.environ.get("BAOGAO_QDRANT_EXACT", "1") != "0"
        params = None if self._local else _models().SearchParams(exact=exact)
        return self._client.query_points(self.collection, query=query, using=using, limit=k,
                                         query_filter=where, with_payload=False, search_params=params).points

    def _sparse_query(self, query: Query, expansion_weight: float):
        """Return the question's sparse vector (IDF per term, an English word's
        translations each at expansion_weight of theirs) and the sum of its terms' IDFs."""
        models = _models()
        terms = set(query.tokens)
        weights: dict[int, float] = {}
        for term in terms & self._df.keys():
            weights[self._term_id[term]] = self._idf(term)
        for term, alternatives in query.expansions.items():
            # A term the reports hold as well counts at most once (rag.keyword): summing both
            # here only raises the engine's score, which stays a bound for the exact one.
            if term in terms:
                for alt in alternatives:
                    if alt in self._df:
                        i = self._term_id[alt]
                        weights[i] = weights.get(i, 0.0) + expansion_weight * self._idf(alt)
        if not weights:
            return None, 1.0
        total_idf = sum(self._idf(t) for t in terms)
        return models.SparseVector(indices=list(weights), values=list(weights.values())), total_idf

    def _idf(self, term: str) -> float:
        return idf(self._df.get(term, 0), self._n_docs)

    def _exact(self, ids: list[int], query: Query, vector: np.ndarray | None,
               expansion_weight: float) -> Candidates:
        """Return the signals of `ids` as LocalStore computes them, from their stored
        vectors and tokens and the corpus-wide keyword statistics."""
        points = {p.id: p for p in self._client.retrieve(self.collection, ids, with_payload=["tokens"],
                                                         with_vectors=vector is not None)} if ids else {}
        ids = [i for i in ids if i in points]
        n = len(ids)
        passage = np.zeros(n, dtype=np.float32)
        sentence = np.zeros(n, dtype=np.float32)
        if vector is not None and n:
            q = np.asarray(vector, dtype=np.float32).ravel()
            passage = np.array([np.float32(np.dot(np.asarray(points[i].vector["passage"], np.float32), q))
                                for i in ids], dtype=np.float32)
            sentence = np.array([(np.asarray(points[i].vector["sentences"], np.float32) @ q).max() for i in ids],
                                dtype=np.float32)
        stats = CorpusStats(self._n_docs, self._avg_len, self._df)
        keyword = BM25([json.loads(points[i].payload["tokens"]) for i in ids], stats).scores(
            query.tokens, query.expansions, expansion_weight) if n else np.zeros(0, dtype=np.float32)
        return Candidates(np.array(ids, dtype=np.int64), passage, sentence, keyword)

    def rows(self, ids: Sequence[int]) -> list[Passage]:
        ids = [int(i) for i in ids]
        if not ids:
            return []
        found = {p.id: _passage(p.payload) for p in self._client.retrieve(self.collection, ids, with_payload=True)}
        return [found[i] for i in ids]

    @property
    def passages(self) -> list[Passage]:
        """Every passage, in row order."""
        return [_passage(p.payload) for p in sorted(self._scroll(None, True), key=lambda p: p.id)]

    def _scroll(self, where, payload) -> list:
        out, offset = [], None
        while True:
            points, offset = self._client.scroll(self.collection, scroll_filter=where, limit=1024, offset=offset,
                                                 with_payload=payload, with_vectors=False)
            out += points
            if offset is None:
                return out

    def contains(self, term: str) -> bool:
        """Tell whether a (folded) word occurs anywhere in the reports, ignoring case."""
        return self._any_passage_holds([term.lower()], None)

    def holds(self, term: str, sources: Collection[str] | None = None) -> bool:
        """Tell whether the reports in `sources` (all when None) hold `term` as written."""
        return self._any_passage_holds([term.lower()], sources)

    def mentions(self, term: str, sources: Collection[str] | None = None) -> bool:
        """Tell whether the reports in `sources` (all when None) use a word, or one differing
        from it in a single character (a typo is no evidence of absence)."""
        term = term.lower()
        near = [w for w in self._df if len(w) == len(term) and sum(a != b for a, b in zip(w, term)) == 1]
        return self._any_passage_holds([term, *near], sources)

    def _any_passage_holds(self, words: list[str], sources: Collection[str] | None) -> bool:
        models = _models()
        must = [] if sources is None else [models.FieldCondition(key="source", match=models.MatchAny(any=sorted(sources)))]
        should = [models.FieldCondition(key="folded", match=models.MatchSubstring(substring=w)) for w in words]
        where = models.Filter(must=must, should=should)
        points, _ = self._client.scroll(self.collection, scroll_filter=where, limit=1, with_payload=False)
        return bool(points)



def _document_id(source: str) -> str:
    """A report's point id in NAME-documents (Qdrant takes numbers or UUIDs, not names)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "baogao-report:" + source))


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise StoreError(f"{name} must be a whole number of at least 1, got {value!r}.")
    return int(value)


def _is_local(client) -> bool:
    from qdrant_client.local.qdrant_local import QdrantLocal

    return isinstance(getattr(client, "_client", None), QdrantLocal)


def _kth(points, k: int) -> float:
    """The k-th best score of a search, or -inf/0 when it returned fewer: then every
    passage with a score was returned, and the rest score nothing by that search."""
    if len(points) < k:
        return 0.0
    return float(points[k - 1].score)


def _payload(p: Passage, tokens: list[str]) -> dict:
    return {"text": p.text, "source": p.source, "start": p.start, "end": p.end,
            "heading_path": list(p.heading_path), "context": p.context,
            # A JSON string, not a list: Qdrant's local mode deep-copies payloads it returns.
            "tokens": json.dumps(tokens, ensure_ascii=False),
            "folded": unicodedata.normalize("NFKC", p.match_text()).lower(),
            "pages": list(p.pages)}  # the PDF pages it was printed on, which citations show


def _passage(payload: dict) -> Passage:
    return Passage(payload["text"], payload["source"], int(payload["start"]), int(payload["end"]),
                   tuple(payload["heading_path"]), payload.get("context", ""), tuple(payload.get("pages", ())))

