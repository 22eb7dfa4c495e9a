"""Whether the reports or the index on disk changed since a Retriever loaded them.

A long-running process (the page, an API) holds one index in memory for hours; a report
edited, added or deleted meanwhile, or the index rebuilt by another process, must not
leave it citing offsets that no longer match the file. The check reads no text: it
compares what `stat` says of each corpus file (size, modification and change times,
inode: an editor that saves by renaming makes a new one) and of the index's manifest
with what it said just before the index was opened. A few dozen `stat`s take well under
a millisecond; the Retriever runs the whole check at most once a second and, on every
answer, the check of the files it cites.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .index import MANIFEST
from .load import META_SUFFIX, corpus_names

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def _stamp(path: Path | str) -> Stamp | None:
    try:
        s = os.stat(path)
    except OSError:
        return None
    return (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)


@dataclass(frozen=True)
class Snapshot:
    """What the corpus folder and the index folder looked like at one moment."""

    corpus_dir: Path
    index_dir: Path
    files: dict[str, Stamp | None]  # report name (and NAME.meta.json) → its stamp
    manifest: Stamp | None

    @classmethod
    def take(cls, corpus_dir: Path, index_dir: Path) -> Snapshot:
        return cls(Path(corpus_dir), Path(index_dir), _corpus_stamps(Path(corpus_dir)),
                   _stamp(Path(index_dir) / MANIFEST))

    def with_index(self) -> Snapshot:
        """Return this snapshot with the manifest as it is now (after opening the index:
        an index built while opening is the one loaded, not a change to reload)."""
        return Snapshot(self.corpus_dir, self.index_dir, self.files, _stamp(self.index_dir / MANIFEST))

    def changed(self) -> str:
        """Return what changed since the snapshot ("" when nothing did), e.g.
        "report.txt changed"."""
        now = _corpus_stamps(self.corpus_dir)
        for name in sorted(now.keys() | self.files.keys()):
            if now.get(name) != self.files.get(name):
                return _what(name, self.files.get(name), now.get(name))
        if _stamp(self.index_dir / MANIFEST) != self.manifest:
            return f"the index at {self.index_dir} was rebuilt"
        return ""

    def changed_among(self, sources: Iterable[str]) -> str:
        """Return which of these reports changed since the snapshot ("" when none did)."""
        for name in sources:
            now = _stamp(self.corpus_dir / name)
            if now != self.files.get(name):
                return _what(name, self.files.get(name), now)
        return ""


def _what(name: str, before: Stamp | None, now: Stamp | None) -> str:
    if before is None:
        return f"{name} was added"
    return f"{name} was {'deleted' if now is None else 'changed'}"


def _corpus_stamps(corpus_dir: Path) -> dict[str, Stamp | None]:
    try:
        names = corpus_names(corpus_dir)
    except CorpusError:
        return {}  # no folder or no reports: opening the index says which
    stamps = {}
    for name in names:
        path = os.path.join(corpus_dir, name)
        stamps[name] = _stamp(path)
        if (meta := _stamp(path + META_SUFFIX)) is not None:
            stamps[name + META_SUFFIX] = meta
    return stamps
