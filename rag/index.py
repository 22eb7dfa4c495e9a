"""Index step: passages + vectors + keyword postings ↔ a self-describing folder.

Folder layout (`index/` by default), format 3. Nothing in it is read whole to answer a
question: arrays are memory-mapped, rows are read from SQLite by id.
- `manifest.json`      format version, model, dimension, settings, each report's identity,
                       file state (size, mtime, SHA-256) and rows, the search method chosen
                       for this size, and the size of every other file
- `passages.sqlite`    the passage rows by id (text, source, span, heading path, context, the
                       PDF pages it was printed on, and the folded text that word presence is
                       searched in), the parts of speech of the vocabulary's words, and each
                       report's text as read (what `start`/`end` index into) with its pages
                       and boxes (PDF) or elements (Word, HTML), read by report (rag.document)
- `vectors.npy`        float32 (n, d) L2-normalised passage vectors, row i = passage i
- `sentences.npy`      float32 (m, d) each passage's sentences, in passage order, and
  `sentence_owner.npy` the passage row of each sentence
- `terms.npy`, `postings_ptr.npy`, `postings_docs.npy`, `postings_tf.npy`, `doc_len.npy`
                       the keyword postings, a sparse matrix stored by term (rag.keyword)
- `words.sqlite`       jieba's dictionary as a table, so a question is cut reading only the
                       entries of its own substrings (rag.segment), the same words as jieba's
- `passages.ivf`       only past `FLAT_LIMIT`: a FAISS IVF index over the passage vectors

The manifest holds each file's size and SHA-256 (arrays also their dtype and shape), and
its own SHA-256 over the rest (`checksum`). Opening checks the manifest's checksum, hashes
every file of at most `HASHED_ON_OPEN` bytes and the word table, and checks the larger
ones by size and by their header (an array's dtype and shape, SQLite's magic): hashing a thousand reports'
vectors on every open would cost more than the rest of opening them. `verify` (run by every
`rag.build` on the index it updates, and by `python -m rag.build --verify`) hashes them all.

A build writes a fresh hidden sibling folder and swaps it in (rag.atomic: one exchange
under a lock), so a build killed at any point leaves the old index or the new one at the
path, never a half one or none. It only ever replaces a folder that is empty or is an
index this project wrote (`check_replaceable`): `--index data` or `--index .` must never
delete a user's files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import atomic
from .document import Document
from .errors import (
    IndexCorruptError,
    IndexFormatError,
    IndexLocationError,
    IndexMissingError,
    IndexStaleError,
)
from .keyword import BM25
from .passage import Passage

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
CHECKSUM = "checksum"  # the manifest's own SHA-256, over its other fields
ROWS = "passages.sqlite"
WORDS = "words.sqlite"
VECTORS = "vectors.npy"
SENTENCES = "sentences.npy"
OWNER = "sentence_owner.npy"
IVF = "passages.ivf"
POSTINGS = {"terms": "terms.npy", "ptr": "postings_ptr.npy", "docs": "postings_docs.npy",
            "tf": "postings_tf.npy", "doc_len": "doc_len.npy"}
ARRAYS = {"vectors": VECTORS, "sentence_vectors": SENTENCES, "sentence_owner": OWNER}
KEYWORDS_VERSION = 1
SENTENCES_VERSION = 1
IDENTITY_VERSION = 3  # 2: the years a report's 去年 / 过去五年 look back on; 3: the country, areas (大鹏新区)
TAGS_VERSION = 1
DOCUMENTS_VERSION = 1
# Every file name an index folder of any format version holds: a folder holding anything
# else holds a user's files too, and is never replaced. (Format 2 wrote these with the manifest.)
OLD_FILE_NAMES = frozenset({"vectors.faiss", "sentences.faiss", "chunks.jsonl", "tags.json", "documents.jsonl"})
DATA_FILE_NAMES = frozenset({VECTORS, SENTENCES, ROWS, "vectors.faiss", "sentences.faiss", "chunks.jsonl"})
INDEX_FILE_NAMES = frozenset({MANIFEST, ROWS, WORDS, VECTORS, SENTENCES, OWNER, IVF, *POSTINGS.values()}) \
    | OLD_FILE_NAMES
# The files every format-3 index has, each with its size and checksum in the manifest
# (`passages.ivf` only past FLAT_LIMIT).
REQUIRED_FILES = (ROWS, WORDS, VECTORS, SENTENCES, OWNER, *POSTINGS.values())
# Files up to this size are hashed on every open (≈ 1 ms for all of them), and so is WORDS
# (jieba's dictionary, ≈ 9 MB, 30 ms, the same for any archive); the larger files, which
# grow with the archive, are checked by size and header there, and hashed by `verify`.
HASHED_ON_OPEN = 1 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
# numpy parses a .npy header with `ast`, which Python 3.11 cannot run in two threads at once
# ("AST constructor recursion depth mismatch" when saves race): one header at a time.
_HEADER_PARSING = threading.Lock()
# Exact search reads every passage and sentence vector per question: past this many floats
# (≈ 15 ms on one core of the project's machines) sentences are read only for the best
# candidates, and past it for the passages alone an IVF index proposes them.
FLAT_LIMIT = 24_000_000
# How many passages by meaning and how many by keywords a large index proposes per question.
POOL = 200
# How many reports' texts an opened index keeps after reading them (rag.index.StoredDocuments).
RECENT_DOCUMENTS = 16

log = logging.getLogger(__name__)


RECENT_ROWS = 4096  # passage rows kept parsed per open index (a few MB)


class PassageRows(Sequence[Passage]):
    """Passage rows of an index folder, read from SQLite by id (never all at once to answer)."""

    def __init__(self, path: Path, count: int):
        # immutable=1: the folder is never written after its swap, so no locks or journal;
        # a reader keeps its open file after a rebuild swaps the folder away.
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._count = count
        self._path = Path(path)
        # The rows a question reads are mostly the same few (the top of every ranking, the
        # passages the answer step reads): recently read ones are kept, so a warm question
        # does not parse the same rows again (the file never changes, so they never go stale).
        self._recent: OrderedDict[int, Passage] = OrderedDict()

    def __len__(self) -> int:
        return self._count

    @property
    def path(self) -> Path:
        return self._path

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Hold the connection; a damaged page met mid-question (a large file is not hashed
        on open) is one line saying to rebuild, not a traceback."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as err:
                raise _corrupt(self._path.parent, f"{self._path.name}: {err}") from None

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.many(range(*i.indices(self._count)))
        if not -self._count <= i < self._count:
            raise IndexError(i)
        return self.many([i % self._count])[0]

    def __iter__(self) -> Iterator[Passage]:
        with self._reading():
            rows = self._db.execute("SELECT text, source, start, end, heading_path, context, pages FROM passages "
                                    "ORDER BY id").fetchall()
        return (_row_passage(r) for r in rows)

    def many(self, ids) -> list[Passage]:
        ids = [int(i) for i in ids]
        with self._reading():
            found = {i: self._recent[i] for i in ids if i in self._recent}
            missing = list(dict.fromkeys(i for i in ids if i not in found))
            for lo in range(0, len(missing), 500):
                part = missing[lo: lo + 500]
                cursor = self._db.execute(
                    "SELECT id, text, source, start, end, heading_path, context, pages FROM passages WHERE id IN "
                    f"({','.join('?' * len(part))})", part)
                found.update((r[0], _row_passage(r[1:])) for r in cursor)
            for i in ids:
                self._recent[i] = found[i]
                self._recent.move_to_end(i)
            while len(self._recent) > RECENT_ROWS:
                self._recent.popitem(last=False)
        return [found[i] for i in ids]

    def any_holds(self, ids, term: str) -> bool:
        """Tell whether one of the rows `ids` holds `term` in its folded text (what keywords
        see, full-width folded, lower case), searched by SQLite; all rows when `ids` is None."""
        if ids is None:
            with self._reading():
                return self._db.execute("SELECT 1 FROM passages WHERE instr(folded, ?) > 0 LIMIT 1",
                                        (term,)).fetchone() is not None
        ids = np.asarray(ids, dtype=np.int64)
        with self._reading():
            for lo in range(0, len(ids), 500):
                part = ids[lo: lo + 500].tolist()
                if self._db.execute(f"SELECT 1 FROM passages WHERE id IN ({','.join('?' * len(part))}) "
                                    "AND instr(folded, ?) > 0 LIMIT 1", [*part, term]).fetchone():
                    return True
        return False

    def last_id(self) -> int:
        """Return the highest row id (-1 when empty): a cheap check that no row is missing."""
        with self._reading():
            found = self._db.execute("SELECT max(id) FROM passages").fetchone()[0]
        return -1 if found is None else int(found)

    def tags(self, words) -> dict[str, str]:
        words, found = list(words), {}
        with self._reading():
            for lo in range(0, len(words), 500):
                part = words[lo: lo + 500]
                found.update(self._db.execute(f"SELECT word, tag FROM tags WHERE word IN ({','.join('?' * len(part))})",
                                              part))
        return found

    def tag(self, word: str) -> str:
        with self._reading():
            row = self._db.execute("SELECT tag FROM tags WHERE word = ?", (word,)).fetchone()
        return row[0] if row else ""

    def document(self, source: str) -> Document | None:
        """Return one report's text as read, None when the index holds no such report."""
        with self._reading():
            row = self._db.execute("SELECT kind, text, pieces FROM documents WHERE source = ?", (source,)).fetchone()
        if row is None:
            return None
        return Document.from_dict({"kind": row[0], "text": row[1], "pieces": json.loads(row[2])})

    def has_document(self, source: str) -> bool:
        with self._reading():
            return self._db.execute("SELECT 1 FROM documents WHERE source = ?", (source,)).fetchone() is not None

    def document_sources(self) -> list[str]:
        with self._reading():
            return [r[0] for r in self._db.execute("SELECT source FROM documents ORDER BY source")]


class StoredDocuments(Mapping[str, Document]):
    """The reports' texts as read (rag.document), by report name, read from SQLite when
    asked for: opening a thousand reports' index reads none of them."""

    def __init__(self, rows: PassageRows):
        # Anything with document(source), has_document(source) and document_sources():
        # an index folder's rows, or a Qdrant store's NAME-documents (rag.store_qdrant).
        self.rows = rows
        # The reports cited last: the answer, its page view and the next question read them again.
        self._recent: dict[str, Document] = {}
        self._lock = threading.Lock()

    def __getitem__(self, source: str) -> Document:
        if isinstance(source, str) and source in self._recent:
            return self._recent[source]
        found = self.rows.document(source) if isinstance(source, str) else None
        if found is None:
            raise KeyError(source)
        with self._lock:  # answering threads share it
            if len(self._recent) >= RECENT_DOCUMENTS:
                self._recent.pop(next(iter(self._recent)))
            self._recent[source] = found
        return found

    def __contains__(self, source: object) -> bool:
        return isinstance(source, str) and (source in self._recent or self.rows.has_document(source))

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.document_sources())

    def __len__(self) -> int:
        return len(self.rows.document_sources())


class CarriedRows(Sequence[Passage]):
    """The rows of an incremental build: runs of the replaced index's rows, kept in order,
    then the new reports' passages. Written file to file by SQLite (`_write_rows`), never
    parsed into Python: adding one report to a thousand copies 55,000 rows in a second,
    where reading and writing them back took minutes."""

    def __init__(self, old: PassageRows, runs: Sequence[tuple[int, int]], added: Sequence[Passage]):
        self.old, self.runs, self.added = old, [(int(lo), int(hi)) for lo, hi in runs], list(added)
        self._starts = np.cumsum([0] + [hi - lo for lo, hi in self.runs])

    def __len__(self) -> int:
        return int(self._starts[-1]) + len(self.added)

    def _old_id(self, i: int) -> int:
        run = int(np.searchsorted(self._starts, i, side="right")) - 1
        return self.runs[run][0] + i - int(self._starts[run])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        carried = int(self._starts[-1])
        return self.added[i - carried] if i >= carried else self.old[self._old_id(i)]

    def __iter__(self) -> Iterator[Passage]:
        for lo, hi in self.runs:
            yield from self.old.many(range(lo, hi))
        yield from self.added


class CarriedDocuments(Mapping[str, Document]):
    """The reports' texts of an incremental build: the kept reports' from the replaced index
    (copied by SQLite when written), then the new reports'."""

    def __init__(self, old: StoredDocuments, kept: Sequence[str], added: Mapping[str, Document]):
        self.old, self.kept, self.added = old, list(kept), dict(added)

    def __getitem__(self, source: str) -> Document:
        if source in self.added:
            return self.added[source]
        if source in self.kept:
            return self.old[source]
        raise KeyError(source)

    def __iter__(self) -> Iterator[str]:
        return iter([*self.kept, *self.added])

    def __len__(self) -> int:
        return len(self.kept) + len(self.added)


@dataclass(frozen=True)
class IndexData:
    """Everything an index folder holds. Read from disk, the arrays are memory-mapped and the
    rows a `PassageRows`; built, they are in memory."""

    manifest: dict
    passages: Sequence[Passage]
    vectors: np.ndarray  # (n, d) float32, L2-normalised, row i = passage i
    sentence_vectors: np.ndarray  # (m, d) every passage's sentences, in passage order
    sentence_owner: np.ndarray  # (m,) int, ascending: the passage row of each sentence vector
    keywords: BM25
    tags: Mapping[str, str] = field(default_factory=dict)  # word of the vocabulary → jieba's tag
    ivf: object | None = None  # faiss IVF index over `vectors`, past FLAT_LIMIT
    folder: Path | None = None  # where it was read from
    # source → its text as read (rag.document); read from disk, a `StoredDocuments`
    documents: Mapping[str, Document] = field(default_factory=dict)

    @classmethod
    def of(cls, manifest: dict, passages: Sequence[Passage], tokens: Sequence[list[str]], vectors: np.ndarray,
           sentence_vectors: np.ndarray, sentence_owner: np.ndarray, tags: Mapping[str, str] | None = None,
           documents: Mapping[str, Document] | None = None) -> IndexData:
        """Return an index's contents from passages, their tokens and vectors (built in memory)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        sentence_vectors = np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(-1, vectors.shape[1])
        return cls(manifest, list(passages), vectors, sentence_vectors, np.asarray(sentence_owner, dtype=np.int64),
                   BM25.of(list(tokens)), dict(tags or {}), documents=dict(documents or {}))

    def tag(self, word: str) -> str:
        if isinstance(self.passages, PassageRows):
            return self.passages.tag(word)
        return self.tags.get(word, "")


def index_settings(max_chunk_chars: int) -> dict:
    """Return the settings an index depends on besides model and corpus."""
    from .chunk import CHUNKER_VERSION

    return {"chunker_version": CHUNKER_VERSION, "max_chunk_chars": max_chunk_chars,
            "keywords_version": KEYWORDS_VERSION, "sentences_version": SENTENCES_VERSION,
            "identity_version": IDENTITY_VERSION, "tags_version": TAGS_VERSION,
            "documents_version": DOCUMENTS_VERSION}


def search_method(n_passages: int, n_sentences: int, dim: int) -> dict:
    """Return how questions search an index of this size (recorded in its manifest):
    "exact" reads every vector; "pool" reads every passage vector and the sentences of the
    best POOL passages; "ivf" asks an IVF index for the passages (nprobe set at build)."""
    if (n_passages + n_sentences) * dim <= FLAT_LIMIT:
        return {"method": "exact"}
    if n_passages * dim <= FLAT_LIMIT:
        return {"method": "pool", "pool": POOL}
    return {"method": "ivf", "pool": POOL}


def save(folder: Path, data: IndexData) -> None:
    """Write `data` as an index folder at `folder`, atomically replacing any old one."""
    folder = Path(folder)
    check_replaceable(folder)
    # A fresh name per save (.NAME.tmp-PID-XXXX): two saves never share a folder, and the
    # next save can tell whether the process that wrote one is gone.
    tmp = atomic.make_hidden(folder)
    try:
        write_folder(tmp, data, previous=folder)
        with atomic.locked(folder):
            atomic.remove_leftovers(folder, INDEX_FILE_NAMES, MANIFEST)
            check_replaceable(folder)  # again: the folder may have changed during a long build
            atomic.swap_in(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tidy(folder: Path) -> None:
    """Remove what builds killed earlier left beside `folder` (rag.atomic), under the lock."""
    folder = Path(folder)
    if folder.parent.is_dir():
        with atomic.locked(folder):
            atomic.remove_leftovers(folder, INDEX_FILE_NAMES, MANIFEST)


def write_folder(tmp: Path, data: IndexData, previous: Path | None = None) -> None:
    """Write every file of an index folder into the empty folder `tmp`, the manifest last."""
    from .segment import write_word_table

    for name, array in ((VECTORS, data.vectors), (SENTENCES, data.sentence_vectors),
                        (OWNER, np.asarray(data.sentence_owner, dtype=np.int64))):
        np.save(tmp / name, np.ascontiguousarray(array))
    for key, name in POSTINGS.items():
        np.save(tmp / name, np.ascontiguousarray(data.keywords.arrays()[key]))
    _write_rows(tmp / ROWS, data.passages, data.tags, data.documents)
    old_words = Path(previous) / WORDS if previous else None
    write_word_table(tmp / WORDS, old_words if old_words and old_words.is_file() else None)
    method = search_method(len(data.passages), len(data.sentence_vectors), int(data.vectors.shape[1]))
    if method["method"] == "ivf":
        import faiss

        from .ann import build_ivf

        ivf, method["nprobe"], method["recall_at_10"] = build_ivf(data.vectors)
        faiss.write_index(ivf, str(tmp / IVF))
    files = {p.name: _file_record(p) for p in sorted(tmp.iterdir())}
    manifest = dict(data.manifest, search=method, n_passages=len(data.passages),
                    n_sentences=len(data.sentence_vectors), files=files)
    manifest[CHECKSUM] = _manifest_checksum(manifest)
    # The manifest goes last: a folder without one is never loaded.
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def load(folder: Path, verify: bool = False) -> IndexData:
    """Open an index folder (arrays memory-mapped, rows by id); raise IndexMissingError or
    IndexCorruptError with the fix. `verify` hashes every file, not only the small ones."""
    folder = Path(folder)
    atomic.recover(folder, MANIFEST)
    with atomic.locked(folder, shared=True):  # no save swaps it while it is read
        return _load(folder, verify)


def verify(folder: Path) -> IndexData:
    """Open an index folder checking every file against its SHA-256 (a flipped byte in the
    middle of a large array is seen only here)."""
    return load(folder, verify=True)


def _load(folder: Path, verify: bool) -> IndexData:
    manifest = _read_manifest(folder)  # not read_manifest: recovering takes the lock exclusive
    for name, record in manifest["files"].items():
        _check_file(folder, name, record, verify)
    unchecked = sorted(p.name for p in folder.iterdir() if p.name in INDEX_FILE_NAMES - {MANIFEST}
                       and p.name not in manifest["files"])
    if unchecked:
        raise _corrupt(folder, f"{MANIFEST} has no checksum for {', '.join(unchecked)}")
    try:
        arrays = {key: _mapped(folder / name) for key, name in ARRAYS.items()}
        postings = {key: _mapped(folder / name) for key, name in POSTINGS.items()}
        rows = PassageRows(folder / ROWS, int(manifest["n_passages"]))
        rows.last_id()  # a file that is not a database of ours fails here, not mid-question
        ivf = None
        if manifest.get("search", {}).get("method") == "ivf":
            import faiss

            ivf = faiss.read_index(str(folder / IVF))
            ivf.nprobe = int(manifest["search"]["nprobe"])
        keywords = BM25.from_arrays(*(postings[key] for key in POSTINGS))
    except Exception as err:  # numpy raises ValueError, sqlite3 DatabaseError, faiss RuntimeError
        raise _corrupt(folder, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    for key, name in (*ARRAYS.items(), *POSTINGS.items()):
        array, record = {**arrays, **postings}[key], manifest["files"][name]
        if array.dtype.str != record.get("dtype") or list(array.shape) != record.get("shape"):
            raise _corrupt(folder, f"{name} holds {array.dtype.str} {list(array.shape)}, "
                                   f"not the {record.get('dtype')} {record.get('shape')} it was written as")
    n, dim = arrays["vectors"].shape if arrays["vectors"].ndim == 2 else (-1, -1)
    if rows.last_id() != n - 1 or n != manifest.get("n_passages") or dim != manifest.get("dim") or keywords.n_docs != n \
            or len(arrays["sentence_owner"]) != len(arrays["sentence_vectors"]) \
            or len(arrays["sentence_vectors"]) != manifest.get("n_sentences"):
        raise _corrupt(folder, f"{manifest.get('n_passages')} passages but {n} vectors")
    return IndexData(manifest, rows, arrays["vectors"], arrays["sentence_vectors"], arrays["sentence_owner"],
                     keywords, {}, ivf, folder, StoredDocuments(rows))


def _file_record(path: Path) -> dict:
    """Return what the manifest records of a file: size, SHA-256, and an array's dtype and shape."""
    record = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    if path.suffix == ".npy":
        array = _mapped(path)
        record.update(dtype=array.dtype.str, shape=list(array.shape))
    return record


def _check_file(folder: Path, name: str, record: dict, verify: bool) -> None:
    """Raise IndexCorruptError unless the file is the one the manifest describes: hashed when
    small or when `verify`; else its size and the start of its header."""
    path = folder / name
    if not path.is_file():
        raise _corrupt(folder, f"{name} is missing")
    size = path.stat().st_size
    if size != record["size"]:
        raise _corrupt(folder, f"{name} is {size} bytes, not the {record['size']} it was written")
    if verify or size <= HASHED_ON_OPEN or name == WORDS:  # WORDS: ≈ 9 MB whatever the archive's size
        if sha256_of(path) != record["sha256"]:
            raise _corrupt(folder, f"{name} does not match its checksum")
        return
    with path.open("rb") as f:
        head = f.read(16)
    if name.endswith(".sqlite") and head != _SQLITE_MAGIC:
        raise _corrupt(folder, f"{name} is not an SQLite database")
    if name.endswith(".npy") and not head.startswith(np.lib.format.MAGIC_PREFIX):
        raise _corrupt(folder, f"{name} is not a NumPy array file")


def _mapped(path: Path) -> np.ndarray:
    """Return the array of a .npy file memory-mapped, as a plain ndarray (slicing a np.memmap
    makes a memmap object each time: 30 µs, thousands of times a question)."""
    with _HEADER_PARSING:
        try:
            return np.asarray(np.load(path, mmap_mode="r"))
        except ValueError:  # an empty array cannot be mapped
            return np.load(path)


def _write_rows(path: Path, passages: Sequence[Passage], tags: Mapping[str, str],
                documents: Mapping[str, Document]) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE passages (id INTEGER PRIMARY KEY, text TEXT, source TEXT, start INTEGER, "
                   "end INTEGER, heading_path TEXT, context TEXT, pages TEXT, folded TEXT)")
        db.execute("CREATE TABLE tags (word TEXT PRIMARY KEY, tag TEXT) WITHOUT ROWID")
        db.execute("CREATE TABLE documents (source TEXT PRIMARY KEY, kind TEXT, text TEXT, pieces TEXT) WITHOUT ROWID")
        added, first_id, added_documents = passages, 0, documents
        if isinstance(passages, CarriedRows):
            db.execute("ATTACH DATABASE ? AS old", (str(passages.old.path),))
            for lo, hi in passages.runs:
                db.execute("INSERT INTO passages SELECT id - ? + ?, text, source, start, end, heading_path, context, "
                           "pages, folded FROM old.passages WHERE id >= ? AND id < ?", (lo, first_id, lo, hi))
                first_id += hi - lo
            added = passages.added
        if isinstance(documents, CarriedDocuments):
            if not isinstance(passages, CarriedRows):
                db.execute("ATTACH DATABASE ? AS old", (str(documents.old.rows.path),))
            for lo in range(0, len(documents.kept), 500):
                part = documents.kept[lo: lo + 500]
                db.execute(f"INSERT INTO documents SELECT * FROM old.documents WHERE source IN "
                           f"({','.join('?' * len(part))})", part)
            added_documents = documents.added
        # `folded` is the text word presence is judged on (rag.store): what keywords see,
        # full-width forms folded, lower case.
        db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((first_id + i, p.text, p.source, p.start, p.end,
                         json.dumps(list(p.heading_path), ensure_ascii=False),
                         p.context, json.dumps(list(p.pages)) if p.pages else "",
                         unicodedata.normalize("NFKC", p.match_text()).lower())
                        for i, p in enumerate(added)))
        db.executemany("INSERT INTO tags VALUES (?, ?)", sorted(tags.items()))
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)",
                       ((source, d.kind, d.text, json.dumps([p.to_row() for p in d.pieces], ensure_ascii=False))
                        for source, d in ((s, added_documents[s]) for s in sorted(added_documents))))
        db.commit()
    finally:
        db.close()


def flat_ip_index(vectors: np.ndarray):
    """Return an exact FAISS inner-product index over `vectors` (cosine for unit vectors)."""
    import faiss

    index = faiss.IndexFlatIP(int(vectors.shape[1]))
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def read_manifest(folder: Path) -> dict:
    """Return the folder's manifest (cheap: used to decide whether to rebuild)."""
    atomic.recover(Path(folder), MANIFEST)
    return _read_manifest(Path(folder))


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"No index at {folder}. Build it with: python -m rag.build --index {folder}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise _corrupt(folder, f"{MANIFEST} is not valid JSON ({err})") from None
    if isinstance(manifest, dict) and isinstance(manifest.get("format_version"), int) \
            and manifest["format_version"] < FORMAT_VERSION:
        raise IndexFormatError(f"The index at {folder} is in an older layout (format {manifest['format_version']}, "
                               f"now {FORMAT_VERSION}). Rebuild it with: python -m rag.build --index {folder}")
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise _corrupt(folder, f"unknown index format (expected version {FORMAT_VERSION})")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(r, dict) and isinstance(r.get("size"), int) and isinstance(r.get("sha256"), str)
            for r in files.values()):
        raise _corrupt(folder, f'{MANIFEST} has no checksums: its "files" is not a mapping of file name '
                               "to size and SHA-256")
    missing = [name for name in REQUIRED_FILES if name not in files]
    strange = sorted(set(files) - INDEX_FILE_NAMES)
    if missing or strange or MANIFEST in files:
        listed = ", ".join(missing) or ", ".join(repr(n) for n in strange[:3]) or MANIFEST
        raise _corrupt(folder, f"{MANIFEST} lists the wrong files ({'no checksum for ' if missing else ''}{listed})")
    if CHECKSUM not in manifest:  # written before manifests had one: rebuilt like any old index
        raise IndexStaleError(f"The index at {folder} was built by an older version.")
    if manifest[CHECKSUM] != _manifest_checksum(manifest):
        raise _corrupt(folder, f"{MANIFEST} does not match its own checksum")
    for key in ("n_passages", "n_sentences", "dim"):
        if not isinstance(manifest.get(key), int):
            raise _corrupt(folder, f"{MANIFEST} has no {key}")
    return manifest


def check_replaceable(folder: Path) -> None:
    """Raise IndexLocationError unless `folder` is absent, an empty folder, or an index
    folder this project wrote: one that holds only index files, with a manifest of ours
    or, when that manifest is damaged, at least one of the index's data files."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    fix = f"Give --index a new or empty folder, for example --index {folder / 'index'}"
    if folder.is_symlink() or not folder.is_dir():
        raise IndexLocationError(f"Refusing to write the index to {folder}: it is a file, not a folder. {fix}.")
    names = {p.name for p in folder.iterdir()}
    foreign = sorted(names - INDEX_FILE_NAMES)
    if foreign:
        raise IndexLocationError(
            f"Refusing to replace {folder}: it holds files that are not part of an index "
            f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}), and rebuilding would "
            f"delete them. {fix}."
        )
    if names and not (_manifest_is_ours(folder / MANIFEST) or names & DATA_FILE_NAMES):
        raise IndexLocationError(f"Refusing to replace {folder}: its {MANIFEST} was not written by "
                                 f"this project. {fix}.")


def _manifest_is_ours(path: Path) -> bool:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(manifest, dict) and {"format_version", "model", "corpus_hash"} <= manifest.keys()


def _corrupt(folder: Path, why: str) -> IndexCorruptError:
    return IndexCorruptError(
        f"Index at {folder} is damaged ({why}). Rebuild it with: python -m rag.build --index {folder}"
    )


def _manifest_checksum(manifest: dict) -> str:
    """Return the SHA-256 of the manifest's other fields: an edit to it (a title, a report's
    rows) is caught like an edit to the files it lists."""
    rest = {key: value for key, value in manifest.items() if key != CHECKSUM}
    return hashlib.sha256(json.dumps(rest, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _row_passage(r) -> Passage:
    text, source, start, end, heading_path, context, pages = r
    return Passage(text, source, int(start), int(end), tuple(json.loads(heading_path)), context or "",
                   tuple(json.loads(pages)) if pages else ())
