"""Index step: passages + vectors + keyword tokens ↔ a self-describing folder.

Folder layout (`index/` by default):
- `vectors.faiss`    FAISS inner-product index over L2-normalised vectors (row i = passage i)
- `sentences.faiss`  the same for each sentence of each passage, in passage order
- `chunks.jsonl`     one passage per line, with its keyword tokens and its number of
                     sentence vectors (row i = vector i)
- `documents.jsonl`  each report's text as read (what `start`/`end` index into) with its
                     pages and boxes (PDF) or elements (Word, HTML): rag.document
- `manifest.json`    format version, model, dimension, corpus hash, chunker settings,
                     the SHA-256 of the files above, and its own over the rest (`checksum`)

A build writes a fresh hidden sibling folder and swaps it in (rag.atomic: one exchange
under a lock), so a build killed at any point leaves the old index or the new one at the
path, never a half one or none. It only ever replaces a folder that is empty or is an
index this project wrote (`check_replaceable`): `--index data` or `--index .` must never
delete a user's files. Every file is checked against the manifest's SHA-256 on load: a
manifest without them is refused, not trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import atomic
from .document import Document
from .errors import (
    IndexCorruptError,
    IndexLocationError,
    IndexMissingError,
    IndexStaleError,
)
from .passage import Passage

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
CHECKSUM = "checksum"  # the manifest's own SHA-256, over its other fields
VECTORS = "vectors.faiss"
SENTENCES = "sentences.faiss"
CHUNKS = "chunks.jsonl"
TAGS = "tags.json"
DOCUMENTS = "documents.jsonl"
KEYWORDS_VERSION = 1
SENTENCES_VERSION = 1
IDENTITY_VERSION = 2  # 2: the years a report's 去年 / 过去五年 look back on
TAGS_VERSION = 1
DOCUMENTS_VERSION = 1
# Every file name an index folder of any format version holds: a folder holding anything
# else holds a user's files too, and is never replaced.
INDEX_FILE_NAMES = frozenset({MANIFEST, VECTORS, SENTENCES, CHUNKS, TAGS, DOCUMENTS})
# The files every index has, each with its checksum in the manifest.
REQUIRED_FILES = (VECTORS, SENTENCES, CHUNKS)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexData:
    """Everything an index folder holds, in memory. The FAISS indexes are the ones read
    from disk (or built to be written), searched as they are."""

    manifest: dict
    passages: list[Passage]
    tokens: list[list[str]]
    passage_index: object  # faiss.IndexFlatIP over L2-normalised passage vectors, row i = passage i
    sentence_index: object  # the same over every passage's sentences, in passage order
    sentence_owner: np.ndarray  # (m,) int: the passage row of each sentence vector
    tags: dict = field(default_factory=dict)  # word of the vocabulary → jieba's dictionary tag
    documents: dict[str, Document] = field(default_factory=dict)  # source → its text as read


def index_settings(max_chunk_chars: int) -> dict:
    """Return the settings an index depends on besides model and corpus."""
    from .chunk import CHUNKER_VERSION

    return {"chunker_version": CHUNKER_VERSION, "max_chunk_chars": max_chunk_chars,
            "keywords_version": KEYWORDS_VERSION, "sentences_version": SENTENCES_VERSION,
            "identity_version": IDENTITY_VERSION, "tags_version": TAGS_VERSION,
            "documents_version": DOCUMENTS_VERSION}


def save(folder: Path, data: IndexData) -> None:
    """Write `data` as an index folder at `folder`, atomically replacing any old one."""
    import faiss

    folder = Path(folder)
    check_replaceable(folder)
    # A fresh name per save (.NAME.tmp-PID-XXXX): two saves never share a folder, and the
    # next save can tell whether the process that wrote one is gone.
    tmp = atomic.make_hidden(folder)
    try:
        for name, index in ((VECTORS, data.passage_index), (SENTENCES, data.sentence_index)):
            faiss.write_index(index, str(tmp / name))
        counts = np.bincount(data.sentence_owner, minlength=len(data.passages)) if len(data.passages) else []
        with open(tmp / CHUNKS, "w", encoding="utf-8") as out:
            for passage, tokens, count in zip(data.passages, data.tokens, counts):
                row = _passage_row(passage, tokens, int(count))
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        (tmp / TAGS).write_text(json.dumps(data.tags, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        with open(tmp / DOCUMENTS, "w", encoding="utf-8") as out:
            out.writelines(json.dumps({"source": source, **document.to_dict()}, ensure_ascii=False) + "\n"
                           for source, document in sorted(data.documents.items()))
        files = (VECTORS, SENTENCES, CHUNKS, TAGS, DOCUMENTS)
        manifest = dict(data.manifest, files={name: _sha256(tmp / name) for name in files})
        manifest[CHECKSUM] = _manifest_checksum(manifest)
        # The manifest goes last: a folder without one is never loaded.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        with atomic.locked(folder):
            atomic.remove_leftovers(folder, INDEX_FILE_NAMES, MANIFEST)
            check_replaceable(folder)  # again: the folder may have changed during a long build
            atomic.swap_in(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load(folder: Path) -> IndexData:
    """Read an index folder; raise IndexMissingError or IndexCorruptError with the fix."""
    folder = Path(folder)
    atomic.recover(folder, MANIFEST)
    with atomic.locked(folder, shared=True):  # no save swaps it while it is read
        return _load(folder)


def _load(folder: Path) -> IndexData:
    manifest = _read_manifest(folder)  # not read_manifest: recovering takes the lock exclusive
    for name, digest in manifest["files"].items():
        if not (folder / name).is_file() or _sha256(folder / name) != digest:
            raise _corrupt(folder, f"{name} is missing or does not match its checksum")
    unchecked = sorted(p.name for p in folder.iterdir() if p.name in INDEX_FILE_NAMES - {MANIFEST}
                       and p.name not in manifest["files"])
    if unchecked:
        raise _corrupt(folder, f"{MANIFEST} has no checksum for {', '.join(unchecked)}")
    try:
        import faiss

        passage_index = faiss.read_index(str(folder / VECTORS))
        sentence_index = faiss.read_index(str(folder / SENTENCES))
        rows = [json.loads(line) for line in (folder / CHUNKS).read_text(encoding="utf-8").splitlines()]
        passages = [_row_passage(r) for r in rows]
        tokens = [r["tokens"] for r in rows]
        owner = np.repeat(np.arange(len(rows)), [int(r["n_sentences"]) for r in rows])
        # An index of an older version has none: it still lends its vectors to a rebuild.
        tags = json.loads((folder / TAGS).read_text(encoding="utf-8")) if (folder / TAGS).exists() else {}
        if not isinstance(tags, dict):
            raise ValueError(f"{TAGS} is not a JSON object")
        documents = {}
        if (folder / DOCUMENTS).exists():  # an index of an older version has none
            for line in (folder / DOCUMENTS).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                documents[row["source"]] = Document.from_dict(row)
    except Exception as err:  # faiss raises RuntimeError, json ValueError, rows KeyError
        raise _corrupt(folder, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    if len(passages) != passage_index.ntotal or passage_index.d != manifest.get("dim") \
            or len(owner) != sentence_index.ntotal or sentence_index.d != passage_index.d:
        raise _corrupt(folder, f"{len(passages)} passages but {passage_index.ntotal} vectors")
    return IndexData(manifest, passages, tokens, passage_index, sentence_index, owner, tags, documents)


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
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise _corrupt(folder, f"unknown index format (expected version {FORMAT_VERSION})")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise _corrupt(folder, f'{MANIFEST} has no checksums: its "files" is not a mapping of file name to SHA-256')
    missing = [name for name in REQUIRED_FILES if name not in files]
    strange = sorted(set(files) - INDEX_FILE_NAMES)
    if missing or strange or MANIFEST in files:
        listed = ", ".join(missing) or ", ".join(repr(n) for n in strange[:3]) or MANIFEST
        raise _corrupt(folder, f"{MANIFEST} lists the wrong files ({'no checksum for ' if missing else ''}{listed})")
    if CHECKSUM not in manifest:  # written before manifests had one: rebuilt like any old index
        raise IndexStaleError(f"The index at {folder} was built by an older version.")
    if manifest[CHECKSUM] != _manifest_checksum(manifest):
        raise _corrupt(folder, f"{MANIFEST} does not match its own checksum")
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
    if names and not (_manifest_is_ours(folder / MANIFEST) or names & {VECTORS, SENTENCES, CHUNKS}):
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
    """Return the SHA-256 of the manifest's other fields: an edit to it (a title, the
    corpus hash) is caught like an edit to the files it lists."""
    rest = {key: value for key, value in manifest.items() if key != CHECKSUM}
    return hashlib.sha256(json.dumps(rest, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _passage_row(p: Passage, tokens: list[str], n_sentences: int) -> dict:
    return {"text": p.text, "source": p.source, "start": p.start, "end": p.end,
            "heading_path": list(p.heading_path), "context": p.context, "tokens": tokens,
            "n_sentences": n_sentences, **({"pages": list(p.pages)} if p.pages else {})}


def _row_passage(r: dict) -> Passage:
    return Passage(r["text"], r["source"], int(r["start"]), int(r["end"]),
                   tuple(r["heading_path"]), r.get("context", ""), tuple(r.get("pages", ())))
