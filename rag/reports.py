"""Adding and removing one report of an open index, without a full rebuild.

Adding reads and chunks only the new file and embeds only its passages and sentences;
removing drops its rows. Either way the store changes in place (searches see it at once)
and the index folder is saved again, its manifest's corpus hash matching the folder, so
the next start does not rebuild. Imported only when a report is added or removed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from . import index as index_io
from .config import Config
from .embed import Embedder
from .errors import CorpusError
from .identity import ReportIdentity
from .load import CORPUS_SUFFIXES, META_SUFFIX, SUFFIX_LIST, corpus_hash, read_source
from .pipeline import chunk_source, embed_reusing, passage_sentences
from .segment import keyword_tokens
from .store import LocalStore

log = logging.getLogger(__name__)


def inside_corpus(config: Config, path: Path) -> Path:
    """Return `path` resolved, or raise CorpusError when it is not inside the corpus folder."""
    resolved = Path(path).resolve()
    if Path(config.corpus_dir).resolve() not in resolved.parents:
        raise CorpusError(f"{path} is not inside the corpus folder {config.corpus_dir}: copy it there first.")
    return resolved


def corpus_name(config: Config, path: Path) -> str:
    """Return the report's name in the corpus (its path relative to the folder), or raise
    CorpusError when it is not a report file inside the corpus folder."""
    resolved = inside_corpus(config, path)
    corpus = Path(config.corpus_dir).resolve()
    if resolved.suffix.lower() not in CORPUS_SUFFIXES or not resolved.is_file():
        raise CorpusError(f"{path} is not a report file ({SUFFIX_LIST}).")
    return resolved.relative_to(corpus).as_posix()


def add_report(store: LocalStore, embedder: Embedder, config: Config, path: Path) -> ReportIdentity:
    """Chunk, embed and index one report file of the corpus folder; save the index."""
    name = corpus_name(config, path)
    passages, identity, document = chunk_source(read_source(path, name), config.max_chunk_chars)
    if not passages:
        raise CorpusError(f"{path} holds no text to index: is it empty, or a scan without the [ocr] extra?")
    tokens = [keyword_tokens(p.match_text()) for p in passages]
    sentence_texts, owner = passage_sentences(passages)
    known = {}
    if name in store.documents:  # a changed report: its unchanged passages keep their vectors
        from .pipeline import previous_vectors

        known = previous_vectors(config.index_dir, embedder.name)
        store.delete(name)
    # With a progress bar on stderr, which the page's upload control follows (track_tqdm).
    vectors = embed_reusing(embedder, [p.match_text() for p in passages] + sentence_texts, known, progress=True)
    store.add(passages, tokens, vectors[: len(passages)], vectors[len(passages):], owner)
    store.reports[name] = identity
    store.documents[name] = document
    _save(store, config)
    log.info("added %s: %d passages", name, len(passages))
    return identity


# Removed reports are moved here, inside the corpus folder but out of the corpus (hidden
# folders are not read): a remove button must not be the only copy's end.
REMOVED_FOLDER = ".removed"


def remove_report(store: LocalStore, config: Config, source: str) -> int:
    """Drop a report from the index, move its file (and sidecar) out of the corpus into the
    corpus folder's `.removed/`, save the index; return how many passages it had."""
    if source not in store.reports:
        raise CorpusError(f"No report named {source!r} in the index: use one of {', '.join(sorted(store.reports))}.")
    if len(store.reports) == 1:
        raise CorpusError(f"{source} is the only report indexed: add another before removing it.")
    path = Path(config.corpus_dir) / source
    inside_corpus(config, path)  # never deletes outside the corpus folder
    removed = store.delete(source)
    store.reports.pop(source, None)
    moved = [_set_aside(Path(config.corpus_dir), file) for file in (path, path.with_name(path.name + META_SUFFIX))]
    try:
        _save(store, config)
    except BaseException:
        for original, aside in filter(None, moved):
            aside.rename(original)  # the index still holds it: so does the corpus
        raise
    log.info("removed %s: %d passages", source, removed)
    return removed


def _set_aside(corpus: Path, file: Path) -> tuple[Path, Path] | None:
    """Move `file` into the corpus folder's `.removed/`, never over an earlier one; return
    (where it was, where it is now), or None when there was no such file."""
    if not file.exists():
        return None
    aside = corpus / REMOVED_FOLDER
    aside.mkdir(exist_ok=True)
    target, n = aside / file.name, 1
    while target.exists():
        n += 1
        target = aside / f"{file.stem}-{n}{file.suffix}"
    file.rename(target)
    return file, target


def _save(store: LocalStore, config: Config) -> None:
    """Write the store as the index folder, its manifest describing the corpus as it is now."""
    passages = store.passages
    store.manifest = dict(
        store.manifest,
        corpus_hash=corpus_hash(config.corpus_dir),
        sources=sorted({p.source for p in passages}),
        reports={name: identity.to_dict() for name, identity in sorted(store.reports.items())},
        n_passages=len(passages),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    index_io.save(config.index_dir, store.index_data())
