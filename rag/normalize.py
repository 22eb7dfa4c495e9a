"""Text normalisation for matching: one place for width, case and script.

Cited text is never normalised (offsets must stay exact); only what keywords and
queries are compared on is.

Script is converted as zhconv converts to mainland forms (`zhconv.convert(text, "zh-cn")`),
step for step, from zhconv's own table; a question reads only the entries it needs from
that table as kept in the per-user cache (rag.lookup), instead of loading zhconv's whole
dictionary (25-45 ms of every cold question).
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from .lookup import ABSENT, stored_table
from .patterns import lazy_pattern

_SPACES = lazy_pattern(r"\s+")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified (mainland forms)."""
    return convert(text, _conversions())


def convert(text: str, table: Mapping[str, object]) -> str:
    """Return `text` converted as zhconv.convert converts it: from each place, the longest
    key of the table that starts there is replaced by its conversion (a character no key
    starts with stays). `table` holds each prefix of a key, with the key's conversion or
    None for a prefix that is no key itself, so the search for a longer key stops where
    zhconv's does."""
    look_up = table.get
    out, pos, n = [], 0, len(text)
    while pos < n:
        end, piece, converted, converted_end = pos, text[pos], None, 0
        while end < n:
            entry = look_up(piece, ABSENT)
            if entry is ABSENT:
                break
            if entry is not None:
                converted, converted_end = entry, end
            end += 1
            piece = text[pos : end + 1]
        if converted is None:
            out.append(text[pos])
            pos += 1
        else:
            out.append(converted)
            pos = converted_end + 1
    return "".join(out)


@lru_cache(maxsize=1)
def _conversions():
    """zhconv's mainland table (rag.lookup: kept in the per-user cache, read as needed)."""
    return stored_table("zhconv-zh-cn", _zhconv_files(), _conversion_rows)


def _zhconv_files() -> list[Path]:
    """What the table is derived from: zhconv's dictionary and code, and this file."""
    spec = importlib.util.find_spec("zhconv")
    if spec is None:
        raise ModuleNotFoundError("No module named 'zhconv': reinstall baogao, or pip install zhconv")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return [folder / "zhcdict.json", folder / "zhconv.py", Path(__file__)]


def _conversion_rows():
    """Yield (prefix of a key, its conversion or None) for zhconv's mainland table: the
    conversions zhconv.getdict("zh-cn") holds and the prefixes zhconv stops its search by."""
    from zhconv import zhconv

    conversions = zhconv.getdict("zh-cn")
    prefixes = {key[:end] for key in conversions for end in range(1, len(key) + 1)}
    return ((prefix, conversions.get(prefix)) for prefix in prefixes)


def fold(text: str) -> str:
    """Return `text` with full-width forms folded (NFKC) and simplified script."""
    return to_simplified(unicodedata.normalize("NFKC", text))


def normalize_for_matching(text: str) -> str:
    """Return `text` folded (see `fold`), in lower case, with runs of whitespace
    collapsed to one space."""
    return _SPACES.sub(" ", fold(text)).strip().lower()
