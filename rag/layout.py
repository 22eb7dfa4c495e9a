"""Printed lines → the report's text: what every reader of a laid-out format shares.

A PDF (or an OCR'd scan) gives lines with their place on the page. Running headers and
page numbers (`— 3 —`, `-3-`, `第3页`) are dropped; a line that runs to the right margin
continues on the next line, even across a page, so the lines of a paragraph are joined
(a word broken with a hyphen is mended); a short line, an indented line or a numbered
heading starts a new paragraph. Paragraphs are separated by a blank line, as in the
.txt reports, so the official-document heading rules of rag/chunk.py apply unchanged.
Every line becomes a Piece: its span of the text, its page and its box.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from .document import Box, Document, Piece
from .headings import parse_heading
from .patterns import lazy_pattern

PARAGRAPH_BREAK = "\n\n"
# Above and below these fractions of the page height a line is in the running header or
# footer zone, where page numbers and repeated titles are dropped.
HEADER_ZONE, FOOTER_ZONE = 0.10, 0.90
PAGE_NUMBER = lazy_pattern(r"^[\s\-—–－~～·•]*(?:第\s*)?[0-9０-９]{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?[0-9０-９]{1,4}\s*页?)?"
                         r"[\s\-—–－~～·•]*$|^(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?$", re.IGNORECASE)
_SENTENCE_END = tuple("。！？；：!?;:")
_LATIN = lazy_pattern(r"[A-Za-z0-9]")
_LETTER = lazy_pattern(r"[A-Za-z]")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d"
_CJK_GAP = lazy_pattern(rf"(?<=[{_CJK}])[ \u00a0]+|[ \u00a0]+(?=[{_CJK}])")


@dataclass(frozen=True)
class Line:
    """One printed line: its text, its page (1-based) and its box as page fractions."""

    text: str
    page: int
    box: Box


def assemble(lines: list[Line], kind: str = "pdf") -> Document:
    """Return the report's text and pieces from its printed lines, in reading order."""
    lines = [Line(_cjk_spacing(line.text), line.page, line.box) for line in _without_furniture(lines)]
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return Document("", kind, ())
    left, right, char_width = _margins(lines)
    text: list[str] = []
    pieces: list[Piece] = []
    length = 0
    previous: Line | None = None
    for line in lines:
        body = line.text.strip()
        if previous is not None:
            mended = False
            if _starts_paragraph(previous, line, left, right, char_width):
                joint = PARAGRAPH_BREAK
            elif text[-1].endswith("-") and _LETTER.match(text[-1][-2:-1]) and _LETTER.match(body[:1]):
                joint, mended = "", True  # a word hyphenated at the line's end
            elif _LATIN.match(body[:1]) and _LATIN.match(text[-1][-1:]):
                joint = " "  # two words of a Latin phrase broken at the line's end
            else:
                joint = ""
            if mended:  # the hyphen was the line's, not the word's
                text[-1] = text[-1][:-1]
                length -= 1
                last = pieces[-1]
                pieces[-1] = Piece(last.start, last.end - 1, last.page, last.box, last.element)
            text.append(joint)
            length += len(joint)
        text.append(body)
        pieces.append(Piece(length, length + len(body), line.page, line.box))
        length += len(body)
        previous = line
    return Document("".join(text), kind, tuple(pieces))


def paragraphs_document(paragraphs: list[tuple[str, str]], kind: str) -> Document:
    """Return the text of (paragraph, element name) pairs of a format without pages."""
    text: list[str] = []
    pieces: list[Piece] = []
    length = 0
    for body, element in paragraphs:
        body = body.strip()
        if not body:
            continue
        if text:
            text.append(PARAGRAPH_BREAK)
            length += len(PARAGRAPH_BREAK)
        text.append(body)
        pieces.append(Piece(length, length + len(body), element=element))
        length += len(body)
    return Document("".join(text), kind, tuple(pieces))


def _cjk_spacing(text: str) -> str:
    """Drop the spaces a layout put between Chinese and Latin text (2023 年 → 2023年): they
    are spacing, not text, and the .txt of the same report has none."""
    return _CJK_GAP.sub("", text)


def _without_furniture(lines: list[Line]) -> list[Line]:
    """Drop page numbers and running headers/footers: the first and last two lines of a
    page, in its top or bottom zone, that are a page number, or whose words (digits aside)
    recur there on at least two pages and on a third of them."""
    pages = {line.page for line in lines}
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        if line.text.strip():
            by_page.setdefault(line.page, []).append(line)
    edges = {id(line) for page in by_page.values() for line in page[:2] + page[-2:]}
    zone = [line for line in lines if id(line) in edges and (line.box[1] < HEADER_ZONE or line.box[3] > FOOTER_ZONE)]
    pages_of: dict[str, set[int]] = {}
    for line in zone:
        pages_of.setdefault(_shape(line.text), set()).add(line.page)
    repeated = {s for s, on in pages_of.items() if len(on) >= max(2, len(pages) / 3)}
    zone_ids = {id(line) for line in zone}
    dropped = set()
    for page in by_page.values():
        # From each end of the page inwards, while the lines are furniture: a page's
        # title under its running header is text, though it reads the same.
        for run in (page[:2], page[::-1][:2]):
            shapes = set()
            for line in run:
                shape = _shape(line.text)
                if id(line) not in zone_ids or shape in shapes or not (
                        PAGE_NUMBER.match(line.text.strip()) or shape in repeated):
                    break
                dropped.add(id(line))
                shapes.add(shape)
    return [line for line in lines if id(line) not in dropped]


def _shape(text: str) -> str:
    return re.sub(r"[0-9０-９]+", "#", re.sub(r"\s+", "", text))


def _margins(lines: list[Line]) -> tuple[float, float, float]:
    """Return the body's left edge, right edge and a character's width (page fractions):
    the commonest left edge, the right edge that full lines reach, the median width per
    character of longer lines."""
    lefts = Counter(round(line.box[0], 3) for line in lines)
    left = lefts.most_common(1)[0][0]
    rights = sorted(line.box[2] for line in lines)
    right = rights[int(0.9 * (len(rights) - 1))]
    widths = [(line.box[2] - line.box[0]) / len(line.text.strip()) for line in lines if len(line.text.strip()) >= 8]
    char_width = statistics.median(widths) if widths else 0.02
    return left, right, char_width


def _starts_paragraph(previous: Line, line: Line, left: float, right: float, char_width: float) -> bool:
    """Tell whether `line` starts a new paragraph rather than continuing `previous`."""
    if previous.box[2] < right - 1.5 * char_width:
        return True  # the line before stopped short of the margin: its paragraph ended
    if line.box[0] > left + 0.8 * char_width:
        return True  # an indented first line
    return parse_heading(line.text.strip()) is not None and previous.text.rstrip().endswith(_SENTENCE_END)
