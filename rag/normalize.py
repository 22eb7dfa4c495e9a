"""Text normalisation for matching: one place for width, case and script.

Cited text is never normalised (offsets must stay exact); only what keywords and
queries are compared on is.
"""

from __future__ import annotations

import unicodedata

from .patterns import lazy_pattern

_SPACES = lazy_pattern(r"\s+")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified (mainland forms)."""
    import zhconv  # small, pure Python; imported late so importing rag stays cheap

    return zhconv.convert(text, "zh-cn")


def fold(text: str) -> str:
    """Return `text` with full-width forms folded (NFKC) and simplified script."""
    return to_simplified(unicodedata.normalize("NFKC", text))


def normalize_for_matching(text: str) -> str:
    """Return `text` folded (see `fold`), in lower case, with runs of whitespace
    collapsed to one space."""
    return _SPACES.sub(" ", fold(text)).strip().lower()
