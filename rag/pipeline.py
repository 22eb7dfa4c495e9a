"""Build step: corpus folder → chunks → keyword tokens + vectors → index folder."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import numpy as np

from . import index as index_io
from .chunk import chunk_report
from .config import Config
from .embed import Embedder
from .errors import CorpusError
from .load import corpus_hash, read_corpus
from .passage import Passage
from .segment import keyword_tokens
from .split import sentences

log = logging.getLogger(__name__)


def chunk_corpus(config: Config) -> list[Passage]:
    """Read and chunk every report of the corpus folder."""
    passages: list[Passage] = []
    for source in read_corpus(config.corpus_dir):
        passages.extend(chunk_report(source.text, source.name, config.max_chunk_chars))
    if not passages:
        raise CorpusError(f"The reports in {config.corpus_dir} hold no text: add a report with content.")
    return passages


def build_index(config: Config, embedder: Embedder, progress: bool = False) -> index_io.IndexData:
    """Chunk, tokenise and embed the corpus, save the index folder and return it."""
    started = time.perf_counter()
    # Before minutes of embedding, not after: a path holding a user's files is refused.
    index_io.check_replaceable(config.index_dir)
    digest = corpus_hash(config.corpus_dir)
    passages = chunk_corpus(config)
    tokens = [keyword_tokens(p.match_text()) for p in passages]
    sentence_texts, owner = passage_sentences(passages)
    log.info("embedding %d passages and %d sentences with %s", len(passages), len(sentence_texts), embedder.name)
    vectors = embedder.embed_passages([p.match_text() for p in passages] + sentence_texts, progress=progress)
    vectors, sentence_vectors = vectors[: len(passages)], vectors[len(passages):]
    manifest = {
        "format_version": index_io.FORMAT_VERSION,
        "model": embedder.name,
        "dim": int(vectors.shape[1]),
        "corpus_hash": digest,
        "sources": sorted({p.source for p in passages}),
        "settings": index_io.index_settings(config.max_chunk_chars),
        "n_passages": len(passages),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    data = index_io.IndexData(manifest, passages, tokens, index_io.flat_ip_index(vectors),
                              index_io.flat_ip_index(sentence_vectors), owner)
    index_io.save(config.index_dir, data)
    log.info("built index of %d passages in %.1f s at %s", len(passages),
             time.perf_counter() - started, config.index_dir)
    return data


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
