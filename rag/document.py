"""What a reader gives: a report's text and where each piece of it came from.

A report read from a PDF, a Word file or a web page is text plus `pieces`: spans of that
text with the page they were printed on (PDF, 1-based) and the box they occupy there, or
the element they came from (a Word paragraph or table, an HTML paragraph). Citations are
spans of the text; the pieces turn a span into 第3页 and into the boxes to highlight.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

# A box on its page as fractions of the page's width and height, from the top-left corner:
# (left, top, right, bottom). Independent of the scale the page is rendered at.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Piece:
    """`text[start:end]` came from page `page` (0: a format without pages), drawn in `box`
    (None when unknown), from the element named `element` ("" when there is none)."""

    start: int
    end: int
    page: int = 0
    box: Box | None = None
    element: str = ""

    def to_row(self) -> list:
        return [self.start, self.end, self.page, self.element, list(self.box) if self.box else None]

    @classmethod
    def from_row(cls, row: list) -> Piece:
        start, end, page, element, box = row
        return cls(int(start), int(end), int(page), tuple(box) if box else None, element)


@dataclass(frozen=True)
class Document:
    """One report as read: `kind` is its format (txt, md, pdf, docx, html)."""

    text: str
    kind: str = "txt"
    pieces: tuple[Piece, ...] = ()

    def pieces_in(self, start: int, end: int) -> list[Piece]:
        """Return the pieces that overlap text[start:end], in reading order."""
        starts = [p.start for p in self.pieces]
        first = max(bisect_right(starts, start) - 1, 0)
        out = []
        for piece in self.pieces[first:]:
            if piece.start >= end:
                break
            if piece.end > start:
                out.append(piece)
        return out

    def pages(self, start: int, end: int) -> tuple[int, ...]:
        """Return the pages text[start:end] was printed on, in order (() without pages)."""
        return tuple(sorted({p.page for p in self.pieces_in(start, end) if p.page}))

    def boxes(self, start: int, end: int) -> list[tuple[int, Box]]:
        """Return (page, box) of each printed line that text[start:end] covers, the box cut
        to the covered characters by their share of the line's width (a Chinese character
        counts one em, a Latin letter or digit about half of one)."""
        out = []
        for piece in self.pieces_in(start, end):
            if not piece.box or not piece.page:
                continue
            left, top, right, bottom = piece.box
            widths = [_em(c) for c in self.text[piece.start:piece.end]]
            total = sum(widths) or 1.0
            a = sum(widths[: max(start, piece.start) - piece.start]) / total
            b = sum(widths[: min(end, piece.end) - piece.start]) / total
            out.append((piece.page, (left + (right - left) * a, top, left + (right - left) * b, bottom)))
        return out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "pieces": [p.to_row() for p in self.pieces]}

    @classmethod
    def from_dict(cls, d: dict) -> Document:
        return cls(d["text"], d.get("kind", "txt"), tuple(Piece.from_row(r) for r in d.get("pieces", ())))


def _em(char: str) -> float:
    """The width of a character in ems, roughly: what a line's box is shared out by."""
    return 0.55 if ord(char) < 0x2E80 and char not in "—“”‘’…" else 1.0
