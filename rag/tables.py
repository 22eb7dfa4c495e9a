"""Tables written as text: one row per line, cells split by spaces, under a line of titles.

A statistical communiqué's tables reach the reports as text (a PDF's text layer, a web
page's table flattened):

    表3：2022年规模以上工业企业主要工业产品产量及其增长速度
    产品名称 单位 产量 比上年增长（%）
    汽车 万辆 62.1 7.1

`cells` reads each figure of such a table with what names it: its row (汽车), its column
(产量) and its unit (万辆: the row's 单位 or 计量单位 cell, else the unit the column's title names in
brackets, 2022年（亿元） → 亿元). A line whose cells do not line up with the titles above
it is no row, and ends the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .patterns import lazy_pattern

FIGURE = r"[-+−]?\d+(?:\.\d+)?[%％]?"  # a table's figure: 62.1, -40.3, 2.8%
_FIGURE = lazy_pattern(FIGURE)
# A line that is a name and its figures (其他用品和服务 102.0, # 日本 146.1 -19.1): a row.
_BRACKETED_UNIT = lazy_pattern(r"[（(]([^（）()]{1,6})[）)]\s*$")
_ROW_LEAD = lazy_pattern(r"^(?:(?:其中|内|包括)[:：]?|[一二三四五六七八九十]+、)")  # 其中:食品烟酒, 一、食品烟酒: the row 食品烟酒
_SENTENCE_MARKS = lazy_pattern(r"[。；;，,]")
_PART_MARKS = ("#", "＃")  # written before a row that is part of the one above it
_MISSING = frozenset(("-", "—", "－", "…", "/"))  # a cell without a figure
UNIT_TITLE = "单位"


@dataclass(frozen=True)
class Cell:
    """A figure of a table, and what names it."""

    row: str  # 汽车
    column: str  # 产量
    unit: str  # 万辆; "" when the table does not say
    start: int  # where the figure stands in the text
    end: int
    # Where its table starts: the line before the titles (表3：…产品产量及其增长速度) when the
    # text has one, else the titles. What lies between there and `start` names what the
    # table counts: its caption, its columns, the rows above (货运量 above #铁路).
    table_start: int = 0


def cells(text: str) -> list[Cell]:
    """Return the figures of every table written as text in `text`, in reading order."""
    found: list[Cell] = []
    titles: list[str] | None = None
    offset = table_start = 0
    caption = None  # where the line before this one starts, when it is no sentence
    for line in text.splitlines(keepends=True):
        tokens = _tokens(line, offset)
        here, offset = offset, offset + len(line)
        kind = _line_kind(line, tokens)
        if kind == _TITLES:
            if titles is None:
                table_start = here if caption is None else caption
            titles = [t for t, _ in tokens]  # a line of titles: the rows below it follow them
        elif kind == _ROW and not any(_FIGURE.fullmatch(t) for t, _ in tokens):
            pass  # a row whose figures are missing (铁路 万吨公里 - -): the table goes on
        elif kind == _ROW and titles is not None and len(tokens) == len(titles):
            found += _row(tokens, titles, table_start)
        else:
            titles = None
        if line.strip():
            caption = None if _SENTENCE_MARKS.search(line) else here
    return found


def _row(tokens: list[tuple[str, int]], titles: list[str], table_start: int) -> list[Cell]:
    name = _ROW_LEAD.sub("", tokens[0][0])
    figures = [_FIGURE.fullmatch(t) is not None for t, _ in tokens]
    unit_at = next((i for i, t in enumerate(titles) if t.endswith(UNIT_TITLE)), None)  # 单位, 计量单位
    row_unit = tokens[unit_at][0] if unit_at is not None and not figures[unit_at] else ""
    out = []
    for (token, at), title, figure in zip(tokens[1:], titles[1:], figures[1:]):
        if not figure:
            continue
        bracketed = _BRACKETED_UNIT.search(title)
        unit = row_unit or (bracketed.group(1) if bracketed else "")
        column = _BRACKETED_UNIT.sub("", title)
        out.append(Cell(name, column, unit, at, at + len(token), table_start))
    return out


def table_head(text: str, start: int) -> str:
    """Return the caption and titles of the table whose rows go on at the line of `text` that
    starts at `start`, "" when that line is no row: what a passage of rows cut from them is
    read by."""
    if not is_row(text[start : _line_end(text, start)]):
        return ""
    at = start
    while at > 0:
        line_start = text.rfind("\n", 0, at - 1) + 1
        line = text[line_start : at].strip()
        at = line_start
        if not line or is_row(line):
            continue
        if _line_kind(line, _tokens(line, 0)) != _TITLES:
            return ""  # no titles above the rows: no table to read them by
        caption_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1
        caption = text[caption_start : line_start].strip()
        if caption and not _SENTENCE_MARKS.search(caption) and not is_row(caption):
            return f"{caption}\n{line}"
        return line
    return ""


def _tokens(line: str, offset: int) -> list[tuple[str, int]]:
    """Return a line's cells with where they start; a part row's mark written apart ("# 日本")
    goes with its name."""
    tokens = [(m.group(), offset + m.start()) for m in re.finditer(r"\S+", line)]
    if len(tokens) > 2 and tokens[0][0] in _PART_MARKS:
        tokens[:2] = [(tokens[0][0] + tokens[1][0], tokens[0][1])]
    return tokens


def is_row(line: str) -> bool:
    """Tell whether a line, read without the titles above it, is a table's row: a name, then
    figures, missing ones or words without digits, a unit (汽车 万辆 62.1 7.1). rag.headings
    asks it too: a numbered row is no section heading. Under titles whose cells it lines up
    with, a row may hold other cells too (a range, 8.5-9.0; 与2015年基本持平: rag.tables.cells)."""
    tokens = _tokens(line, 0)
    return _line_kind(line, tokens) == _ROW and all(
        _FIGURE.fullmatch(t) or t in _MISSING or not re.search(r"\d", t) for t, _ in tokens[1:])


_TITLES, _ROW, _OTHER = "titles", "row", "other"


def _line_kind(line: str, tokens: list[tuple[str, int]]) -> str:
    """Tell what a line is to a table: its titles (cells, none a figure or a missing one), a
    row (a name, then cells of which a figure or a missing one), or other (a sentence, one
    cell, a line starting with a figure), which no table goes on past."""
    names = [t for t, _ in tokens]
    if len(names) < 2 or _SENTENCE_MARKS.search(line) or _FIGURE.fullmatch(names[0]):
        return _OTHER
    return _ROW if any(_FIGURE.fullmatch(t) or t in _MISSING for t in names[1:]) else _TITLES


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end
