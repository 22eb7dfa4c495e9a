"""Text normalisation for matching: one place for width, case and script.

Cited text is never normalised (offsets must stay exact); only what keywords and
queries are compared on is.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified (mainland forms)."""
    import zhconv  # small, pure Python; imported late so importing rag stays cheap

    return zhconv.convert(text, "zh-cn")


def normalize_for_matching(text: str) -> str:
    """Return `text` with full-width forms folded (NFKC), simplified script, lower case
    and runs of whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _SPACES.sub(" ", text).strip().lower()
