"""Open step: a Config → the store of its index, checked against the corpus and the model.

An index that is missing or out of date is built when allowed (rag.pipeline, imported
only then: answering a question never loads the build step); a build embeds only the
reports that are new or changed. Whether the corpus changed is told from each file's size
and modification time (a file whose times moved is hashed to be sure), not by reading it.
A damaged index, one in an older layout, or one built with another model raises with the
command that fixes it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import index as index_io
from .config import Config
from .embed import Embedder
from .errors import IndexMissingError, IndexStaleError, ModelMismatchError, StoreError
from .load import changed_reports, corpus_states
from .segment import use_word_table
from .store import LocalStore, Store

log = logging.getLogger(__name__)


def open_store(config: Config, embedder: Embedder, build_if_missing: bool = True,
               progress: bool = False) -> Store:
    """Return the store `config` names: the index folder (`config.index_dir`), or a Qdrant
    collection; the index is built when missing or stale."""
    if config.store == "qdrant":
        return _open_qdrant(config, embedder, build_if_missing, progress)
    if config.store != "local":
        raise StoreError(f"Unknown store '{config.store}': use local or qdrant.")
    return LocalStore(_index_data(config, embedder, build_if_missing, progress))


def _index_data(config: Config, embedder: Embedder, build_if_missing: bool, progress: bool) -> index_io.IndexData:
    try:
        data = index_io.load(config.index_dir)  # read once: a thousand reports' manifest is megabytes
        check_compatible(data.manifest, config, config.index_dir)
    except IndexMissingError:
        if not build_if_missing:
            raise
        log.info("no index at %s yet: building it", config.index_dir)
        data = build(config, embedder, progress)
    except IndexStaleError as why:
        log.info("%s Updating it.", why)
        data = build(config, embedder, progress)
    use_word_table(Path(config.index_dir) / index_io.WORDS)
    return data


def _open_qdrant(config: Config, embedder: Embedder, build_if_missing: bool, progress: bool):
    """Return the Qdrant collection's store; write it from the index folder (built if need
    be) when it is missing or out of date and building is allowed."""
    from .store_qdrant import QdrantStore, connect

    client = connect(config.qdrant_url)
    where = f"the Qdrant collection '{config.qdrant_collection}'"
    try:
        store = QdrantStore(client, config.qdrant_collection)
        check_compatible(store.manifest, config, where, corpus=config.corpus_dir.is_dir())
        return store
    except StoreError:
        if not build_if_missing:
            raise
        log.info("no usable %s yet: writing it from the index", where)
    except IndexStaleError as why:
        log.info("%s Updating it.", why)  # only the reports added, changed or removed are written
    return QdrantStore.write(client, config.qdrant_collection, _index_data(config, embedder, True, progress))


def build(config: Config, embedder: Embedder, progress: bool = False) -> index_io.IndexData:
    """Bring the index up to date (rag.pipeline) and return it as read from disk."""
    from .pipeline import build_index

    build_index(config, embedder, progress)
    return index_io.load(config.index_dir)


def check_compatible(manifest: dict, config: Config, index_dir: Path | str, corpus: bool = True) -> None:
    """Raise when the index can't serve this config: another model, corpus or settings
    (the corpus is not compared when `corpus` is False: a machine asking a cluster)."""
    if manifest.get("model") != config.model:
        raise ModelMismatchError(
            f"The index at {index_dir} was built with model '{manifest.get('model')}', not "
            f"'{config.model}'. Rebuild it with: python -m rag.build --model {config.model} "
            f"--index {index_dir}, or ask without --model."
        )
    if manifest.get("settings") != index_io.index_settings(config.max_chunk_chars):
        raise IndexStaleError(f"The index at {index_dir} was built with other chunker settings.")
    if not corpus:
        return
    known = manifest.get("corpus", {})
    changed, removed = changed_reports(corpus_states(config.corpus_dir, known), known)
    if changed or removed:
        raise IndexStaleError(f"The corpus in {config.corpus_dir} changed since the index at {index_dir} was "
                              f"built ({len(changed)} new or changed, {len(removed)} removed).")
