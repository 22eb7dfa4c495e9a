"""Build step: corpus folder → chunks → keyword tokens + vectors → index folder."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime, timezone

import numpy as np

from . import index as index_io
from .chunk import chunk_report
from .config import Config
from .document import Document
from .embed import Embedder
from .errors import CorpusError, RagError
from .identity import ReportIdentity, identify
from .load import SourceFile, corpus_hash, read_corpus
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


def build_index(config: Config, embedder: Embedder, progress: bool = False) -> index_io.IndexData:
    """Chunk, tokenise and embed the corpus, save the index folder and return it."""
    started = time.perf_counter()
    # Before minutes of embedding, not after: a path holding a user's files is refused.
    index_io.check_replaceable(config.index_dir)
    digest = corpus_hash(config.corpus_dir)
    passages, reports, documents = chunk_corpus(config)
    tokens = [keyword_tokens(p.match_text()) for p in passages]
    sentence_texts, owner = passage_sentences(passages)
    texts = [p.match_text() for p in passages] + sentence_texts
    vectors = embed_reusing(embedder, texts, previous_vectors(config.index_dir, embedder.name), progress)
    vectors, sentence_vectors = vectors[: len(passages)], vectors[len(passages):]
    manifest = {
        "format_version": index_io.FORMAT_VERSION,
        "model": embedder.name,
        "dim": int(vectors.shape[1]),
        "corpus_hash": digest,
        "sources": sorted({p.source for p in passages}),
        "reports": {name: identity.to_dict() for name, identity in sorted(reports.items())},
        "settings": index_io.index_settings(config.max_chunk_chars),
        "n_passages": len(passages),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    words = {t for doc in tokens for t in doc if not t.startswith("#")}
    data = index_io.IndexData(manifest, passages, tokens, index_io.flat_ip_index(vectors),
                              index_io.flat_ip_index(sentence_vectors), owner, dictionary_tags(words), documents)
    index_io.save(config.index_dir, data)
    log.info("built index of %d passages in %.1f s at %s", len(passages),
             time.perf_counter() - started, config.index_dir)
    return data


def previous_vectors(index_dir, model: str) -> dict[str, np.ndarray]:
    """Return {text: vector} of the passages and sentences in the index being replaced, when
    it was built with the same model: a rebuild after an edit or a chunker change then
    embeds only the texts it has not seen. Nothing when there is no readable index."""
    try:
        old = index_io.load(index_dir)
    except RagError:
        return {}
    if old.manifest.get("model") != model:
        return {}
    sentence_texts, _ = passage_sentences(old.passages)
    texts = [p.match_text() for p in old.passages]
    if len(sentence_texts) != old.sentence_index.ntotal:
        return {}  # built with another sentence splitter: the rows would not line up
    found = dict(zip(texts, old.passage_index.reconstruct_n(0, old.passage_index.ntotal)))
    if sentence_texts:
        found.update(zip(sentence_texts, old.sentence_index.reconstruct_n(0, old.sentence_index.ntotal)))
    return found


def embed_reusing(embedder: Embedder, texts: list[str], known: dict[str, np.ndarray],
                  progress: bool = False) -> np.ndarray:
    """Return the vectors of `texts`, embedding only those not in `known`."""
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    log.info("embedding %d of %d texts with %s (%d reused)", len(missing), len(texts), embedder.name,
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
