"""Replacing a folder with a freshly written one so that the path always holds a whole one.

An index is written to a hidden sibling `.NAME.tmp-PID-XXXX` and swapped in here:

- under an exclusive lock (`flock` on the parent folder), so two saves at the same
  instant take turns instead of renaming each other's folders away; readers take the
  same lock shared, so a load never reads half of one index and half of another;
- with one `renameat2(RENAME_EXCHANGE)` where the kernel and file system offer it: the
  path goes from the old folder to the new one in one step. Elsewhere two renames
  (old → `.NAME.old-PID-XXXX`, new → NAME); a process killed between them leaves no folder
  at the path but the old one beside it, and `recover` (run by the next load or save)
  puts it back;
- `remove_leftovers` deletes the hidden folders of builds whose process is gone (killed
  with SIGKILL, the machine restarted), and only folders that hold nothing but the
  names an index uses.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import logging
import os
import re
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

TMP, OLD = "tmp", "old"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _find_renameat2():
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)  # glibc ≥ 2.28
    except OSError:
        return None


_renameat2 = _find_renameat2()


def hidden_name(folder: Path, kind: str) -> Path:
    """Return a fresh sibling path `.NAME.KIND-PID-XXXX` (not created)."""
    import secrets  # here, not at the top: only a save needs it, and its hmac and base64 cost every load 2.5 ms

    return folder.parent / f".{folder.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def make_hidden(folder: Path, kind: str = TMP) -> Path:
    """Create and return a fresh hidden sibling folder, for writing a new version into."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path = hidden_name(folder, kind)
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


@contextmanager
def locked(folder: Path, shared: bool = False) -> Iterator[None]:
    """Hold the lock of `folder` (on its parent folder): exclusive to swap, shared to read."""
    parent = Path(folder).parent
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:  # no parent: nothing to read, nothing to swap with
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def swap_in(new: Path, folder: Path) -> None:
    """Put the folder `new` at `folder` and delete the one it replaces. Call under `locked`."""
    if not folder.exists():
        os.rename(new, folder)
        return
    if _exchange(new, folder):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old folder
        return
    old = hidden_name(folder, OLD)
    os.rename(folder, old)
    try:
        os.rename(new, folder)
    except BaseException:
        os.rename(old, folder)  # never leave the path empty while this process lives
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False when the kernel or file system can't."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def leftovers(folder: Path, kind: str) -> list[tuple[Path, int]]:
    """Return the hidden `.NAME.KIND-PID-XXXX` siblings of `folder` with their PIDs."""
    pattern = re.compile(rf"\.{re.escape(folder.name)}\.{kind}-(\d+)-[0-9a-f]+")
    try:
        siblings = list(folder.parent.iterdir())
    except FileNotFoundError:
        return []
    return [(p, int(m.group(1))) for p in siblings if (m := pattern.fullmatch(p.name)) and p.is_dir()]


def recover(folder: Path, required: str) -> bool:
    """When `folder` is missing but a swap left the old one beside it (a process killed
    between the two renames), put the newest such folder holding `required` back.
    Return whether one was put back."""
    folder = Path(folder)
    if folder.exists() or not leftovers(folder, OLD):
        return False
    with locked(folder):
        return _recover(folder, required)


def _recover(folder: Path, required: str) -> bool:
    if folder.exists():
        return False
    # Under the lock no swap is under way, so any `.old-` folder is an orphan.
    candidates = [p for p, _ in leftovers(folder, OLD) if (p / required).is_file()]
    if not candidates:
        return False
    newest = max(candidates, key=lambda p: (p / required).stat().st_mtime_ns)
    os.rename(newest, folder)
    log.warning("put back %s, left beside it by a save that was stopped halfway", folder)
    return True


def remove_leftovers(folder: Path, allowed_names: Collection[str], required: str) -> list[Path]:
    """Recover a lost folder, then delete the hidden folders of saves whose process is gone
    and that hold only `allowed_names`. Call under `locked`. Return what was removed."""
    folder = Path(folder)
    _recover(folder, required)
    removed = []
    for kind in (TMP, OLD):
        for path, pid in leftovers(folder, kind):
            if _alive(pid) or not {p.name for p in path.iterdir()} <= set(allowed_names):
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        log.info("removed %d folder(s) left by stopped builds beside %s", len(removed), folder)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
