"""Split a long span of body text into pieces of at most `max_chars` characters.

Cuts prefer sentence ends (。！？；), then clause marks (，、：), then jieba word
boundaries, and never fall inside a protected span: a number with its unit
(7968家, 1.07万家次, 96.1％, 2023年1月—11月), a 《title》, a “quote” or (brackets).
"""

from __future__ import annotations

import math

from .segment import word_spans
from .spans import BRACKETED, protected_spans

_SENTENCE_END = "。！？；!?;"
_CLAUSE_END = "，、：,:"
_CLOSERS = "”’」》）)"


def _forbidden(text: str) -> set[int]:
    """Return the cut positions that would split a protected span or a jieba word."""
    banned: set[int] = set()
    for start, end in protected_spans(text) + word_spans(text):
        banned.update(range(start + 1, end))
    return banned


def _cuts_after(text: str, marks: str, banned: set[int]) -> list[int]:
    """Return the positions right after each mark (and any closing quote or bracket
    that follows it, which stays with its sentence), leaving out banned ones."""
    cuts = []
    for i, ch in enumerate(text):
        if ch in marks:
            cut = i + 1
            while cut < len(text) and text[cut] in _CLOSERS:
                cut += 1
            if cut not in banned:
                cuts.append(cut)
    return cuts


def _cut_tiers(text: str) -> tuple[list[int], list[int], list[int]]:
    """Return allowed cut positions as (after sentence ends, after clause marks, word)."""
    banned = _forbidden(text)
    words = [end for _, end in word_spans(text) if end not in banned]
    return _cuts_after(text, _SENTENCE_END, banned), _cuts_after(text, _CLAUSE_END, banned), words


def split_points(text: str, max_chars: int) -> list[int]:
    """Return cut offsets (ascending, exclusive of 0 and len) so no piece exceeds max_chars."""
    if len(text) <= max_chars:
        return []
    tiers = _cut_tiers(text)
    cuts, pos = [], 0
    while len(text) - pos > max_chars:
        pieces_left = math.ceil((len(text) - pos) / max_chars)
        target = pos + (len(text) - pos) / pieces_left  # even pieces, not 300 + a crumb
        cut = _best_cut(tiers, pos, pos + max_chars, target)
        cuts.append(cut)
        pos = cut
    return cuts


def _best_cut(tiers, lo: int, hi: int, target: float) -> int:
    for tier in tiers:
        window = [c for c in tier if lo < c <= hi]
        if window:
            return min(window, key=lambda c: (abs(c - target), -c))
    return hi  # a protected span longer than max_chars: nothing else fits


def sentences(text: str, min_chars: int = 4) -> list[str]:
    """Return the sentences of `text` (cut after 。！？； outside quotes), dropping crumbs."""
    banned = set()
    for m in BRACKETED.finditer(text):  # a 。 inside “…” or 《…》 ends no sentence
        banned.update(range(m.start() + 1, m.end()))
    inner = sorted({c for c in _cuts_after(text, _SENTENCE_END + "\n", banned) if c < len(text)})
    cuts = [0, *inner, len(text)]
    parts = [text[a:b].strip() for a, b in zip(cuts, cuts[1:])]
    return [p for p in parts if len(p) >= min_chars]
