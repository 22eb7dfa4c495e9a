"""Recognise the headings of Chinese official documents at the start of a paragraph.

Ranks order the hierarchy (smaller is outer): 第X编 / 第X章 / 第X节, then
一、 / （一） / 1． / （1）, then 第X条. Markdown `#` headings sit above all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .patterns import LazyPattern, lazy_pattern
from .tables import is_row

_CN_NUM = "一二三四五六七八九十百零〇两"
_DIGITS = "0-9０-９"

# (rank, pattern). Order matters only where patterns could overlap.
_MARKERS: list[tuple[int, LazyPattern]] = [
    (0, lazy_pattern(rf"第[{_CN_NUM}{_DIGITS}]+编")),
    (1, lazy_pattern(rf"第[{_CN_NUM}{_DIGITS}]+章")),
    (2, lazy_pattern(rf"第[{_CN_NUM}{_DIGITS}]+节")),
    (3, lazy_pattern(rf"[{_CN_NUM}]+、")),
    (4, lazy_pattern(rf"[（(][{_CN_NUM}]+[）)]")),
    # 1． / 1. / 1、 but not the start of a decimal like 1.07万.
    (5, lazy_pattern(rf"[{_DIGITS}]{{1,2}}[．.、](?![{_DIGITS}])")),
    (6, lazy_pattern(rf"[（(][{_DIGITS}]{{1,2}}[）)]")),
    (7, lazy_pattern(rf"第[{_CN_NUM}{_DIGITS}]+条")),
]
_MARKDOWN = lazy_pattern(r"(#{1,6})\s+")
_SENTENCE_END = lazy_pattern(r"[。！？!?]")
_OPENERS, _CLOSERS = "“《（(", "”》）)"

# A first sentence longer than this is body text, not a heading title.
MAX_TITLE_CHARS = 60


@dataclass(frozen=True)
class Heading:
    """A heading found at the start of a paragraph.

    `text` is the heading as shown in a heading path (marker and title, without the
    closing 。). `body_offset` is where the paragraph's body starts (relative to the
    paragraph), equal to its length when the paragraph is only a heading.
    """

    rank: int
    text: str
    body_offset: int


def parse_heading(paragraph: str) -> Heading | None:
    """Return the heading that `paragraph` starts with, or None for body text."""
    md = _MARKDOWN.match(paragraph)
    # …but not a table's part-row (# 日本 146.1 -19.1: a part of the row above)
    if md and not is_row(paragraph[md.end():]):
        return Heading(len(md.group(1)) - 10, paragraph[md.end():].strip(), len(paragraph))
    for rank, pattern in _MARKERS:
        marker = pattern.match(paragraph)
        if marker:
            if is_row(paragraph[marker.end():]):
                return None  # a table's numbered row (一、亚洲 1675.7 -0.7 1446.9 10.9), no heading
            return _split_title(rank, paragraph, marker.end())
    return None


def _split_title(rank: int, paragraph: str, marker_end: int) -> Heading:
    end = _sentence_end(paragraph, marker_end)
    if end is None:
        return Heading(rank, paragraph.strip(), len(paragraph))
    title = paragraph[: end].strip()
    body = end + 1
    if len(title) > MAX_TITLE_CHARS or rank == 7:
        # A numbered paragraph without a short title, or a law article: the marker
        # alone names it and everything after it is cited body text.
        title, body = paragraph[:marker_end].strip(), marker_end
    while body < len(paragraph) and paragraph[body].isspace():
        body += 1
    return Heading(rank, title, body)


def _sentence_end(paragraph: str, start: int) -> int | None:
    """Return where the first sentence from `start` ends: outside quotes and brackets when
    they close (“欢乐暑期?社工陪伴” is one name), else at the first mark."""
    depth = 0
    for i in range(start, len(paragraph)):
        ch = paragraph[i]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif depth == 0 and _SENTENCE_END.match(ch):
            return i
    first = _SENTENCE_END.search(paragraph, start)  # a quote left open: as before
    return first.start() if first else None
