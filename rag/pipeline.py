"""Build step: corpus folder → chunks → keyword tokens + vectors → index folder, incrementally.

Only new or changed reports are read, chunked and embedded (a change is told from each
file's size and modification time, then its SHA-256: rag.load.corpus_states); unchanged
reports keep their rows, vectors and postings from the index being replaced, and removed
ones are dropped. Each report embedded is first kept as a shard in a staging folder beside
the index (`.NAME.staging/`): a build that is interrupted resumes from the reports it had
finished. The index itself is only ever swapped in whole (rag.index.save).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import index as index_io
from .chunk import chunk_report
from .config import Config
from .document import Document
from .embed import Embedder
from .errors import CorpusError, RagError
from .identity import ReportIdentity, identify
from .keyword import BM25, merge_postings
from .load import (
    SourceFile,
    changed_reports,
    check_source,
    content_hash,
    corpus_states,
    read_corpus,
    read_source,
    states_hash,
)
from .passage import Passage
from .segment import dictionary_tags, keyword_tokens
from .split import sentences

log = logging.getLogger(__name__)


def chunk_corpus(config: Config) -> tuple[list[Passage], dict[str, ReportIdentity], dict[str, Document]]:
    """Read and chunk every report of the corpus folder; return its passages, each
    report's identity and its text as read."""
    passages: list[Passage] = []
    reports, documents = {}, {}
    for source in read_corpus(config.corpus_dir):
        found, reports[source.name], documents[source.name] = chunk_source(source, config.max_chunk_chars)
        passages.extend(found)
    if not passages:
        raise CorpusError(f"The reports in {config.corpus_dir} hold no text: add a report with content.")
    return passages, reports, documents


def chunk_source(source: SourceFile, max_chunk_chars: int) -> tuple[list[Passage], ReportIdentity, Document]:
    """Chunk one report as read; each passage of a PDF carries the pages it was printed on."""
    document = source.as_document()
    passages = chunk_report(document.text, source.name, max_chunk_chars)
    if any(piece.page for piece in document.pieces):
        passages = [replace(p, pages=document.pages(p.start, p.end)) for p in passages]
    return passages, identify(source.name, document.text, source.meta), document


@dataclass
class Shard:
    """One report, chunked, tokenised and embedded: what a build adds for it."""

    passages: list[Passage]
    tokens: list[list[str]]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_owner: np.ndarray  # counts from 0 within the report
    identity: dict
    document: Document  # the report's text as read, with its pages or elements


def build_index(config: Config, embedder: Embedder, progress: bool = False) -> index_io.IndexData:
    """Bring the index folder up to date with the corpus, embedding only new or changed
    reports; save it and return it. `progress`: a line per report with the ETA on stderr."""
    started = time.perf_counter()
    # Before minutes of embedding, not after: a path holding a user's files is refused.
    index_io.check_replaceable(config.index_dir)
    settings = index_io.index_settings(config.max_chunk_chars)
    old = _reusable(config.index_dir, embedder.name)
    same_settings = old is not None and old.manifest.get("settings") == settings
    known = old.manifest.get("corpus", {}) if same_settings else {}
    states = corpus_states(config.corpus_dir, known)
    todo, removed = changed_reports(states, known)
    if old is not None and same_settings and not todo and not removed:
        log.info("index at %s is up to date", config.index_dir)
        index_io.tidy(config.index_dir)  # what builds killed earlier left beside it
        return old
    for name in todo:  # a report that cannot be read stops the build before minutes of embedding
        check_source(Path(config.corpus_dir) / name)
    staging = Staging(config.index_dir, embedder.name, settings)
    older = older_format_vectors(config.index_dir, embedder.name) if old is None else {}
    shards = embed_reports(config, embedder, todo, states, old, staging, progress, older)
    kept = [s for s in (old.manifest.get("rows", {}) if same_settings else {}) if s in states and s not in todo]
    data = assemble(config, embedder, old, kept, shards, states, settings)
    if not len(data.passages):
        raise CorpusError(f"The reports in {config.corpus_dir} hold no text: add a report with content.")
    index_io.save(config.index_dir, data)
    staging.clear()
    log.info("built index of %d passages (%d report(s) embedded, %d kept, %d removed) in %.1f s at %s",
             len(data.passages), len(shards), len(kept), len(removed), time.perf_counter() - started,
             config.index_dir)
    # Kept rows were copied from the folder just swapped away: return the index as written.
    return index_io.load(config.index_dir) if kept else data


def embed_reports(config: Config, embedder: Embedder, names: list[str], states: dict[str, dict],
                  old: index_io.IndexData | None, staging: Staging, progress: bool,
                  older: dict[str, np.ndarray] | None = None) -> dict[str, Shard]:
    """Return a shard per report named, from the staging folder when an interrupted build
    left one, else chunked and embedded now (and staged), with progress and ETA on stderr."""
    shards: dict[str, Shard] = {}
    started, done_texts = time.perf_counter(), 0
    for i, name in enumerate(names):
        shard = staging.get(name, states[name]["sha256"])
        if shard is None:
            shard = make_shard(config, embedder, name, _old_vectors(old, name) or older or {})
            staging.put(name, states[name]["sha256"], shard)
            done_texts += 1
        shards[name] = shard
        if progress:
            elapsed = time.perf_counter() - started
            eta = elapsed / max(done_texts, 1) * (len(names) - i - 1) if done_texts else 0.0
            print(f"\rembedded {i + 1}/{len(names)} report(s), {elapsed:.0f} s, ETA {_duration(eta)}   ",
                  end="" if i + 1 < len(names) else "\n", file=sys.stderr, flush=True)
    return shards


def make_shard(config: Config, embedder: Embedder, name: str, known: dict[str, np.ndarray],
               source: SourceFile | None = None, bars: bool = False) -> Shard:
    """Read (unless `source` is given), chunk, tokenise and embed one report, reusing the
    vectors of texts in `known`; `bars`: the embedding's progress bar on stderr (which the
    page's upload control follows)."""
    source = source or read_source(Path(config.corpus_dir) / name, name)
    passages, identity, document = chunk_source(source, config.max_chunk_chars)
    tokens = [keyword_tokens(p.match_text()) for p in passages]
    sentence_texts, owner = passage_sentences(passages)
    vectors = embed_reusing(embedder, [p.match_text() for p in passages] + sentence_texts, known, progress=bars)
    return Shard(passages, tokens, vectors[: len(passages)], vectors[len(passages):], owner, identity.to_dict(),
                 document)


def stage_report(config: Config, embedder: Embedder, name: str, bars: bool = False) -> Shard:
    """Read, chunk and embed one report of the corpus folder and stage it, so that the next
    build takes it from the staging folder instead of reading it again (rag.reports: adding
    a report checks it holds text before the index changes)."""
    settings = index_io.index_settings(config.max_chunk_chars)
    sha256 = content_hash(config.corpus_dir, name)
    staging = Staging(config.index_dir, embedder.name, settings)
    shard = staging.get(name, sha256)
    if shard is None:
        try:
            rows = index_io.read_manifest(config.index_dir).get("rows", {})
        except RagError:
            rows = {}
        # A changed report: its unchanged passages keep their vectors (from a verified index).
        old = _reusable(config.index_dir, embedder.name) if name in rows else None
        shard = make_shard(config, embedder, name, _old_vectors(old, name), bars=bars)
        if shard.passages:
            staging.put(name, sha256, shard)
    return shard


def assemble(config: Config, embedder: Embedder, old: index_io.IndexData | None, kept: list[str],
             shards: dict[str, Shard], states: dict[str, dict], settings: dict) -> index_io.IndexData:
    """Return the new index: the kept reports' rows from `old`, in their order, then the shards'."""
    rows = old.manifest.get("rows", {}) if old is not None else {}
    keep = np.concatenate([np.arange(*rows[s]) for s in kept]).astype(np.int64) if kept else np.zeros(0, np.int64)
    added: list[Passage] = []
    parts_v = [np.asarray(old.vectors[keep])] if kept else []
    parts_s, parts_o = [], []
    if kept:
        offsets = np.searchsorted(np.asarray(old.sentence_owner), np.arange(len(old.passages) + 1))
        new_row = np.full(len(old.passages), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        sentence_rows = np.concatenate([np.arange(offsets[a], offsets[b]) for a, b in (rows[s] for s in kept)])
        parts_s.append(np.asarray(old.sentence_vectors[sentence_rows]))
        parts_o.append(new_row[np.asarray(old.sentence_owner[sentence_rows])])
    postings = [(old.keywords, keep)] if kept else []
    ranges, identities, documents, n = {}, {}, {}, 0
    for s in kept:
        ranges[s] = [n, n + rows[s][1] - rows[s][0]]
        identities[s] = old.manifest["reports"][s]
        n += rows[s][1] - rows[s][0]
    for name in sorted(shards):
        shard = shards[name]
        ranges[name] = [n, n + len(shard.passages)]
        identities[name] = shard.identity
        documents[name] = shard.document
        added += shard.passages
        parts_v.append(shard.vectors)
        parts_s.append(shard.sentence_vectors)
        parts_o.append(shard.sentence_owner + n)
        postings.append((BM25.of(shard.tokens), np.arange(len(shard.passages))))
        n += len(shard.passages)
    dim = int(next((v.shape[1] for v in parts_v if v.ndim == 2 and v.shape[1]), 0))
    keywords = merge_postings(postings)
    words = [w for w in keywords.vocabulary if not w.startswith("#")]
    if kept:  # the kept reports' rows, texts and words' tags are copied, not read and written again
        passages = index_io.CarriedRows(old.passages, [rows[s] for s in kept], added)
        documents = index_io.CarriedDocuments(old.documents, kept, documents)
        known = np.isin(np.array(words, dtype=str), old.keywords.vocabulary.terms)
        tags = {**old.passages.tags(w for w, k in zip(words, known) if k),
                **dictionary_tags(w for w, k in zip(words, known) if not k)}
    else:
        passages, tags = added, dictionary_tags(words)
    manifest = {
        "format_version": index_io.FORMAT_VERSION,
        "model": embedder.name,
        "dim": dim,
        "corpus_hash": states_hash(states),
        "sources": sorted(ranges),
        "reports": dict(sorted(identities.items())),
        "corpus": {name: states[name] for name in sorted(ranges)},
        "rows": ranges,
        "settings": settings,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return index_io.IndexData(manifest, passages, _stack(parts_v, dim), _stack(parts_s, dim),
                              np.concatenate(parts_o) if parts_o else np.zeros(0, np.int64), keywords,
                              tags, documents=documents)


def _stack(parts: list[np.ndarray], dim: int) -> np.ndarray:
    parts = [p.reshape(-1, dim) for p in parts if len(p)]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32) if parts \
        else np.zeros((0, dim), dtype=np.float32)


def _reusable(index_dir: Path, model: str) -> index_io.IndexData | None:
    """Return the index being replaced when it was built with the same model (its rows and
    vectors can be kept), else None. Every file of it is hashed first (`verify`): opening
    checks large arrays by size only, and a build must not carry a damaged vector over."""
    try:
        old = index_io.verify(index_dir)
    except RagError:
        return None
    return old if old.manifest.get("model") == model else None


def _old_vectors(old: index_io.IndexData | None, name: str) -> dict[str, np.ndarray]:
    """Return {text: vector} of the passages and sentences the old index held for this
    report: an edited report, or one rechunked, embeds only the texts it has not seen."""
    if old is None or name not in old.manifest.get("rows", {}):
        return {}
    lo, hi = old.manifest["rows"][name]
    passages = old.passages.many(range(lo, hi))
    owner = np.asarray(old.sentence_owner)
    first, last = np.searchsorted(owner, lo), np.searchsorted(owner, hi)
    sentence_texts, _ = passage_sentences(passages)
    found = dict(zip((p.match_text() for p in passages), np.asarray(old.vectors[lo:hi])))
    if len(sentence_texts) == last - first:  # else split another way: the rows would not line up
        found.update(zip(sentence_texts, np.asarray(old.sentence_vectors[first:last])))
    return found


def older_format_vectors(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    """Return {text: vector} of an index folder in the layout before format 3 (chunks.jsonl
    and FAISS files) built with the same model: rebuilding it then embeds nothing it held."""
    folder = Path(index_dir)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("model") != model or not (folder / "chunks.jsonl").is_file():
            return {}
        digests = manifest.get("files")
        if not isinstance(digests, dict) or any(
                not isinstance(d, str) or index_io.sha256_of(folder / name) != d for name, d in digests.items()):
            return {}  # a damaged or unchecked old index: nothing of it is reused
        import faiss

        rows = [json.loads(line) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        passages = [Passage(r["text"], r["source"], int(r["start"]), int(r["end"]), tuple(r["heading_path"]),
                            r.get("context", "")) for r in rows]
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
        sentence_index = faiss.read_index(str(folder / "sentences.faiss"))
        sentence_texts, _ = passage_sentences(passages)
        found = dict(zip((p.match_text() for p in passages), vectors.reconstruct_n(0, vectors.ntotal)))
        if len(sentence_texts) == sentence_index.ntotal and sentence_texts:
            found.update(zip(sentence_texts, sentence_index.reconstruct_n(0, sentence_index.ntotal)))
        log.info("reusing %d vectors of the index in the older layout at %s", len(found), folder)
        return found
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, RecursionError):
        return {}


def embed_reusing(embedder: Embedder, texts: list[str], known: dict[str, np.ndarray],
                  progress: bool = False) -> np.ndarray:
    """Return the vectors of `texts`, embedding only those not in `known`."""
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    log.debug("embedding %d of %d texts with %s (%d reused)", len(missing), len(texts), embedder.name,
              len(texts) - len(missing))
    fresh = embedder.embed_passages(missing, progress=progress) if missing else None
    table = dict(known)
    if fresh is not None:
        table.update(zip(missing, fresh))
    if not texts:
        return np.zeros((0, fresh.shape[1] if fresh is not None else 0), dtype=np.float32)
    return np.ascontiguousarray(np.stack([table[t] for t in texts]), dtype=np.float32)


def passage_sentences(passages: list[Passage]) -> tuple[list[str], np.ndarray]:
    """Return every passage's sentences and, for each, the row of its passage.

    A question about one fact matches the sentence that states it better than the
    whole passage, whose other sentences dilute its vector.
    """
    texts, owner = [], []
    for row, passage in enumerate(passages):
        for sentence in sentences(passage.text):
            texts.append(sentence)
            owner.append(row)
    return texts, np.array(owner, dtype=np.int64)


class Staging:
    """Reports embedded by a build not yet swapped in, one shard each, beside the index
    folder (`.NAME.staging/`): an interrupted build resumes from them. A shard is keyed by
    the report's name and hash, the model and the settings, and written whole or not at all."""

    def __init__(self, index_dir: Path, model: str, settings: dict):
        index_dir = Path(index_dir)
        self.folder = index_dir.parent / f".{index_dir.name}.staging"
        self._salt = json.dumps([model, settings], sort_keys=True)

    def _path(self, name: str, sha256: str) -> Path:
        key = hashlib.sha256(f"{self._salt}\0{name}\0{sha256}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.npz"

    def get(self, name: str, sha256: str) -> Shard | None:
        path = self._path(name, sha256)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                rows = json.loads(bytes(z["rows"]).decode("utf-8"))
                return Shard([Passage(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], tuple(r[6]))
                              for r in rows["passages"]],
                             rows["tokens"], z["vectors"], z["sentence_vectors"], z["sentence_owner"],
                             rows["identity"], Document.from_dict(rows["document"]))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None  # a damaged shard is embedded again

    def put(self, name: str, sha256: str, shard: Shard) -> None:
        """Keep the shard for a build that resumes. Best effort: a shard that cannot be kept
        (the disk is full, or a build running at the same time cleared the folder) is only
        embedded again by the next build, so the build goes on."""
        rows = {"passages": [[p.text, p.source, p.start, p.end, list(p.heading_path), p.context, list(p.pages)]
                             for p in shard.passages], "tokens": shard.tokens, "identity": shard.identity,
                "document": shard.document.to_dict()}
        path = self._path(name, sha256)
        # Each process writes its own temporary file: two builds staging the same report
        # must not rename each other's half-written shard.
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as out:
                np.savez(out, vectors=shard.vectors, sentence_vectors=shard.sentence_vectors,
                         sentence_owner=shard.sentence_owner,
                         rows=np.frombuffer(json.dumps(rows, ensure_ascii=False).encode("utf-8"), dtype=np.uint8))
            os.replace(tmp, path)
        except OSError as error:
            log.warning("could not stage %s for a resumed build (%s); the build goes on", name, error)
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
