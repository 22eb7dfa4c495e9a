"""Rows of an array file read with `os.pread`, not mapped: a few scattered rows at a time.

Mapping a file's pages makes them part of the process's resident set, and on kernels that
cache files in large folios one read fault maps up to 2 MB around it: a question reading
the sentences of 400 scattered passages mapped most of a 315 MB file (1,000 reports), and
a warm process kept all of it; looking up a question's words in the model's 384 MB word
table mapped 42 MB over 118 questions; a question's keyword postings, over 80 questions, all
79 MB of them. Reading only the rows asked for costs about 1 µs a range more and maps nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class RowFile:
    """Rows of a memory-mapped 2-D array (a whole `np.memmap`, or an array viewing one
    whole) read into this process's own memory."""

    def __init__(self, path: Path, offset: int, dtype: np.dtype, width: int):
        self._file = open(path, "rb", buffering=0)  # opened now: a rebuild may swap the folder later
        self._offset = offset
        self._dtype = np.dtype(dtype)
        self._row_bytes = self._dtype.itemsize * width
        self._width = width

    @classmethod
    def of(cls, array: np.ndarray) -> RowFile | None:
        """Return a reader of `array`'s rows when it is a whole memory-mapped C-ordered file,
        else None. A 1-D array's rows are its items."""
        base = array if isinstance(array, np.memmap) else getattr(array, "base", None)
        if not isinstance(base, np.memmap) or not hasattr(os, "pread") or array.ndim not in (1, 2) \
                or not array.flags.c_contiguous or base.filename is None or array.shape != base.shape:
            return None
        return cls(Path(base.filename), int(base.offset), array.dtype, int(array.shape[1]) if array.ndim == 2 else 1)

    def span(self, start: int, end: int) -> np.ndarray:
        """Return items start:end of a 1-D file, as a new array."""
        return self.ranges(np.array([start]), np.array([end])).reshape(-1)

    def ranges(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Return rows starts[0]:ends[0], then starts[1]:ends[1], … stacked, as a new array."""
        fd, size, at = self._file.fileno(), self._row_bytes, self._offset
        raw = b"".join([os.pread(fd, (b - a) * size, at + a * size) for a, b in zip(starts.tolist(), ends.tolist())])
        if len(raw) != int((ends - starts).sum()) * size:
            raise OSError(f"{self._file.name} is shorter than its rows")
        return np.frombuffer(raw, dtype=self._dtype).reshape(-1, self._width)
