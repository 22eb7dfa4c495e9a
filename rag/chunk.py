"""Chunk step: a report's text → passages of body text, each under one heading.

A section's body is cut at paragraph breaks and at inline items (一是…二是…);
a piece longer than `max_chars` is split by rag.split. Short paragraphs that sit
together (the title lines, the closing lines) are kept as one passage. Every
passage records its exact character span in the source and its heading path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .headings import parse_heading
from .passage import Passage
from .split import split_points

CHUNKER_VERSION = 1
# Paragraphs at most this long at the end of a report are its closing block
# (特此报告 / issuing body / date / 抄送), and at most this long anywhere are
# packed together with their short neighbours.
SHORT_PARAGRAPH_CHARS = 40
CLOSING_LABEL = "落款"

_ITEM_START = re.compile(r"(?:^|(?<=[。；：;:]))\s*([一二三四五六七八九十]{1,2}是)")
_ITEM_LEAD = re.compile(r"[一二三四五六七八九十]{1,2}是")
_FIRST_SENTENCE = re.compile(r"[^。！？；]*")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def chunk_report(text: str, source: str, max_chars: int = 300) -> list[Passage]:
    """Return the passages of one report, in reading order."""
    paragraphs = _paragraphs(text)
    closing_from = _closing_start(text, paragraphs)
    passages: list[Passage] = []
    stack: list[tuple[int, str]] = []  # (rank, heading text), outermost first
    pending: list[_Span] = []  # short body paragraphs waiting to be packed

    def flush(path: tuple[str, ...]) -> None:
        if pending:
            passages.extend(_pieces(text, source, _Span(pending[0].start, pending[-1].end), path, max_chars))
            pending.clear()

    for i, para in enumerate(paragraphs):
        body = para
        if i < closing_from:
            heading = parse_heading(text[para.start : para.end])
            if heading is not None:
                flush(tuple(h for _, h in stack))
                while stack and stack[-1][0] >= heading.rank:
                    stack.pop()
                stack.append((heading.rank, heading.text))
                body = _Span(_skip_space(text, para.start + heading.body_offset, para.end), para.end)
                if body.start >= body.end:
                    continue
        path = (CLOSING_LABEL,) if i >= closing_from else tuple(h for _, h in stack)
        if i == closing_from:
            flush(tuple(h for _, h in stack))
        if body.end - body.start <= SHORT_PARAGRAPH_CHARS:
            if pending and body.end - pending[0].start > max_chars:
                flush(path)
            pending.append(body)
            continue
        flush(path)
        for item in _items(text, body):
            lead = _lead(text, item)
            for k, piece in enumerate(_pieces(text, source, item, path, max_chars)):
                passages.append(piece if k == 0 else _with_context(piece, lead))
    flush((CLOSING_LABEL,) if closing_from < len(paragraphs) else tuple(h for _, h in stack))
    return passages


def _paragraphs(text: str) -> list[_Span]:
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append(_Span(start, end))
    return spans


def _closing_start(text: str, paragraphs: list[_Span]) -> int:
    """Return the index of the first paragraph of the closing block (len if none)."""
    i = len(paragraphs)
    while i > 0:
        para = paragraphs[i - 1]
        if para.end - para.start > SHORT_PARAGRAPH_CHARS or parse_heading(text[para.start : para.end]):
            break
        i -= 1
    # A report that is nothing but short lines has no closing block to set apart.
    return len(paragraphs) if i == 0 else i


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _items(text: str, body: _Span) -> list[_Span]:
    """Cut a body paragraph at inline items (一是…二是…) when it has them."""
    segment = text[body.start : body.end]
    starts = [m.start(1) for m in _ITEM_START.finditer(segment)]
    if not starts or not segment[starts[0]:].startswith("一是"):
        return [body]
    bounds = ([0] if starts[0] > 0 else []) + starts + [len(segment)]
    spans = []
    for a, b in zip(bounds, bounds[1:]):
        while b > a and segment[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append(_Span(body.start + a, body.start + b))
    return spans


def _lead(text: str, item: _Span) -> str:
    """Return an inline item's first sentence (its title), or "" for plain body text."""
    if not _ITEM_LEAD.match(text, item.start, item.end):
        return ""
    return _FIRST_SENTENCE.match(text, item.start, item.end).group(0)


def _pieces(text: str, source: str, span: _Span, path: tuple[str, ...], max_chars: int) -> list[Passage]:
    segment = text[span.start : span.end]
    bounds = [0, *split_points(segment, max_chars), len(segment)]
    pieces = []
    for a, b in zip(bounds, bounds[1:]):
        start, end = span.start + a, span.start + b
        start = _skip_space(text, start, end)
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            pieces.append(Passage(text[start:end], source, start, end, path))
    return pieces


def _with_context(passage: Passage, lead: str) -> Passage:
    if not lead or passage.text.startswith(lead):
        return passage
    return Passage(passage.text, passage.source, passage.start, passage.end,
                   passage.heading_path, lead)
