"""Adding and removing one report of an open index, without a full rebuild.

Adding reads, chunks and embeds only the new (or changed) file; removing drops its rows.
Either way the index folder is brought up to date by rag.pipeline's incremental build,
which keeps every other report's rows, vectors and postings, and swaps the updated folder
in whole: searches running meanwhile read the old one, and the manifest's corpus record
matches the folder, so the next start does not rebuild. Imported only when a report is
added or removed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import index as index_io
from .config import Config
from .embed import Embedder
from .errors import CorpusError
from .identity import ReportIdentity
from .load import CORPUS_SUFFIXES, META_SUFFIX, SUFFIX_LIST
from .pipeline import build_index, stage_report
from .store import Store

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


def add_report(config: Config, embedder: Embedder, path: Path) -> ReportIdentity:
    """Chunk, embed and index one report file of the corpus folder; update the index folder."""
    name = corpus_name(config, path)
    # Read and embedded first, with a progress bar on stderr (which the page's upload control
    # follows), and staged: a file without text is refused before the index changes, and the
    # build below takes the staged report instead of reading it again.
    shard = stage_report(config, embedder, name, bars=True)
    if not shard.passages:
        raise CorpusError(f"{path} holds no text to index: is it empty, or a scan without the [ocr] extra?")
    _save(config, embedder)
    log.info("added %s: %d passages", name, len(shard.passages))
    return ReportIdentity.from_dict(name, shard.identity)


# Removed reports are moved here, inside the corpus folder but out of the corpus (hidden
# folders are not read): a remove button must not be the only copy's end.
REMOVED_FOLDER = ".removed"


def remove_report(config: Config, embedder: Embedder, store: Store, source: str) -> int:
    """Drop a report from the index, move its file (and sidecar) out of the corpus into the
    corpus folder's `.removed/`, update the index folder; return how many passages it had."""
    if source not in store.reports:
        raise CorpusError(f"No report named {source!r} is indexed: use one of {', '.join(sorted(store.reports))}.")
    if len(store.reports) == 1:
        raise CorpusError(f"{source} is the only report indexed: add another before removing it.")
    path = Path(config.corpus_dir) / source
    inside_corpus(config, path)  # never moves anything from outside the corpus folder
    moved = [_set_aside(Path(config.corpus_dir), file) for file in (path, path.with_name(path.name + META_SUFFIX))]
    rows = store.manifest.get("rows", {})
    removed = rows[source][1] - rows[source][0] if source in rows \
        else sum(1 for p in store.passages if p.source == source)
    try:
        _save(config, embedder)
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


def _save(config: Config, embedder: Embedder) -> index_io.IndexData:
    """Bring the index folder up to date with the corpus folder as it is now (only new or
    changed reports embedded, removed ones dropped) and return it."""
    return build_index(config, embedder)
