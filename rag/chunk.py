"""Chunk step: a report's text → passages of body text, each under one heading.

A section's body is cut at paragraph breaks and at inline items (一是…二是…);
a piece longer than `max_chars` is split by rag.split. Short paragraphs that sit
together (the title lines, the closing lines) are kept as one passage. Every
passage records its exact character span in the source and its heading path.

Which paragraphs are headings is decided with the next paragraph in view
(`_roles`): back matter (附件N, 名词解释, 注释) is a section of its own at the top level,
and inside a glossary a numbered definition (`1.“两重”：……`) is body text; a numbered
line with nothing under it (the next paragraph is a heading of its rank or an outer
one) is a list item, so its text is cited, not hidden in a heading path; a short line
without end punctuation that introduces body text (`2024年工作回顾`) is a heading. A
short lead line that introduces the paragraph after it (`这是……的五年。`) is cited
with that paragraph rather than alone. Every character of body text is in exactly one
passage; the rest is heading text, shown in the passages' heading paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .headings import Heading, parse_heading
from .passage import Passage
from .patterns import lazy_pattern
from .split import split_points
from .tables import table_head

CHUNKER_VERSION = 7  # 7: a table's numbered rows are no headings; cut-off rows carry their titles
# Paragraphs at most this long at the end of a report are its closing block
# (特此报告 / issuing body / date / 抄送), and at most this long anywhere are
# packed together with their short neighbours.
SHORT_PARAGRAPH_CHARS = 40
CLOSING_LABEL = "落款"

# Back matter: appendices, glossaries and notes, each a section at the top level.
_BACK_MATTER = lazy_pattern(r"^(?:附件\s*[0-9０-９一二三四五六七八九十]*|附表\s*[0-9０-９]*|附[:：]|(?:有关)?名词(?:解释|注释)|"
                          r"注释|注|说明)\s*[:：]?$")
_GLOSSARY = lazy_pattern(r"名词|注释|^注|说明")
_BACK_MATTER_RANK = -20  # outer to every heading of the body, Markdown's included
_UNMARKED_RANK = 2  # an unnumbered section title: outer to 一、 and （一）
# A numbered definition or note in a glossary: 1. / 1． / 1、 / ① / [1] / 〔1〕
_NOTE_MARK = lazy_pattern(r"^(?:[0-9０-９]{1,3}\s*[.．、]|[①-⑳]|[\[〔［【][0-9０-９]{1,3}[\]〕］】])")
_END_PUNCTUATION = "。！？；：!?;:，,、"
UNMARKED_HEADING_CHARS = 16
_ENDS_IN_A_FIGURE = lazy_pattern(r"\s[-+−]?[\d.,%％]*\d[%％]?$")

_ITEM_START = lazy_pattern(r"(?:^|(?<=[。；：;:]))\s*([一二三四五六七八九十]{1,2}是)")
_ITEM_LEAD = lazy_pattern(r"[一二三四五六七八九十]{1,2}是")
_FIRST_SENTENCE = lazy_pattern(r"[^。！？；]*")
_LAST_SENTENCE = lazy_pattern(r"[^。！？；]*[。！？；：:]?$")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def chunk_report(text: str, source: str, max_chars: int = 300) -> list[Passage]:
    """Return the passages of one report, in reading order."""
    paragraphs = _paragraphs(text)
    closing_from = _closing_start(text, paragraphs)
    roles = _roles(text, paragraphs, closing_from)
    passages: list[Passage] = []
    stack: list[tuple[int, str]] = []  # (rank, heading text), outermost first
    pending: list[_Span] = []  # short body paragraphs waiting to be packed

    def flush(path: tuple[str, ...]) -> None:
        if pending:
            pieces = _pieces(text, source, _Span(pending[0].start, pending[-1].end), path, max_chars)
            # A table's rows cut from its titles carry them, to be read by them (rag.tables)
            passages.extend(_with_context(p, table_head(text, p.start)) for p in pieces)
            pending.clear()

    for i, (para, heading) in enumerate(zip(paragraphs, roles)):
        body = para
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
        if pending and stack and heading is None and _leads_into(text, pending, body):
            body = _Span(pending[0].start, body.end)  # the lead line goes with what it introduces
            pending.clear()
        flush(path)
        items, opening = _items(text, body)
        for i, item in enumerate(items):
            # The first item's title follows the opening: 一是… is where it starts.
            lead = _lead(text, _Span(text.index("一是", item.start, item.end), item.end) if i == 0 and opening else item)
            for k, piece in enumerate(_pieces(text, source, item, path, max_chars)):
                # Every item after the first carries the sentence that opened the list
                # (我们也清醒看到…差距和挑战。), which the first item's passage holds.
                context = " ".join(c for c in (opening if i else "", lead if k else "") if c)
                passages.append(_with_context(piece, context))
    flush((CLOSING_LABEL,) if closing_from < len(paragraphs) else tuple(h for _, h in stack))
    return passages


def _roles(text: str, paragraphs: list[_Span], closing_from: int) -> list[Heading | None]:
    """Return, for each paragraph, the heading it starts with, or None for body text."""
    raw = [parse_heading(text[p.start : p.end]) if i < closing_from else None for i, p in enumerate(paragraphs)]
    roles: list[Heading | None] = []
    in_glossary = False
    opening = True  # the title block and salutation, up to the first heading or long paragraph
    for i, para in enumerate(paragraphs):
        line = text[para.start : para.end]
        if i >= closing_from:
            roles.append(None)
            continue
        previous = roles[-1] if roles else None
        after_back_matter = previous is not None and previous.rank == _BACK_MATTER_RANK
        if _BACK_MATTER.match(line):
            in_glossary = bool(_GLOSSARY.search(line))
            # 附件2 / 名词解释: the second names the first, it does not replace it
            roles.append(Heading(_BACK_MATTER_RANK + after_back_matter, line.strip(), len(line)))
            opening = False
            continue
        if after_back_matter and _is_unmarked_title(line) and raw[i] is None:
            in_glossary = in_glossary or bool(_GLOSSARY.search(line))
            roles.append(Heading(_BACK_MATTER_RANK + 1, line.strip(), len(line)))  # 附件1 / 2023年省十件民生实事
            continue
        if in_glossary and _NOTE_MARK.match(line):
            roles.append(None)  # a numbered definition is what a glossary says, not a heading
            continue
        heading = raw[i]
        title_only = previous is not None and previous.body_offset >= len(text[paragraphs[i - 1].start:
                                                                             paragraphs[i - 1].end])
        if heading is None and title_only and previous.rank >= 0 and _is_unmarked_title(line) \
                and _introduces_body(raw, paragraphs, i, closing_from):
            # 三、持续提升政府 / 治理效能和服务水平: a title broken across two lines
            roles.append(Heading(previous.rank + 0.5, line.strip(), len(line)))
            continue
        if heading is not None and heading.body_offset >= len(line) and heading.rank >= 0 \
                and _nothing_under(raw, paragraphs, text, i, heading.rank, closing_from):
            heading = None  # a numbered line with nothing under it: a list item, cited as text
        elif heading is None and not opening and _is_unmarked_title(line) \
                and _introduces_body(raw, paragraphs, i, closing_from):
            heading = Heading(_UNMARKED_RANK, line.strip(), len(line))
        if heading is not None or para.end - para.start > SHORT_PARAGRAPH_CHARS or line.rstrip().endswith(("：", ":")):
            opening = False  # the salutation (各位代表：) ends the title block too
        roles.append(heading)
    return roles


def _is_unmarked_title(line: str) -> bool:
    """Tell whether a line looks like a section title: short, no sentence punctuation."""
    line = line.strip()
    han = sum("\u3400" <= c <= "\u9fff" for c in line)
    # at least four characters of words: not a table's number or a one-word cell (农村); and
    # not a table row, as the Word and HTML readers write it (地区生产总值 | 1234亿元) or as a
    # text file does (其他用品和服务 102.0: a name and its figures)
    return han >= 4 and len(line) <= UNMARKED_HEADING_CHARS and not any(c in line for c in _END_PUNCTUATION) \
        and "|" not in line and not _ENDS_IN_A_FIGURE.search(line)


def _nothing_under(raw: list[Heading | None], paragraphs: list[_Span], text: str, i: int, rank: int,
                   closing_from: int) -> bool:
    """Tell whether the heading at paragraph i has no body and no sub-heading under it."""
    nxt = i + 1
    if nxt >= closing_from or nxt >= len(paragraphs):
        return True
    following = raw[nxt]
    if following is None:
        return bool(_BACK_MATTER.match(text[paragraphs[nxt].start : paragraphs[nxt].end]))
    return following.rank <= rank


def _introduces_body(raw: list[Heading | None], paragraphs: list[_Span], i: int, closing_from: int) -> bool:
    """Tell whether the paragraph after i is body text or a numbered heading (what a title
    line introduces), not another short line."""
    nxt = i + 1
    if nxt >= closing_from or nxt >= len(paragraphs):
        return False
    return raw[nxt] is not None or paragraphs[nxt].end - paragraphs[nxt].start > SHORT_PARAGRAPH_CHARS


def _leads_into(text: str, pending: list[_Span], body: _Span) -> bool:
    """Tell whether the short paragraphs waiting are one lead line that introduces `body`
    (这是……的五年。 / 一是……： on a line of its own) rather than a block of their own."""
    return len(pending) == 1 and pending[0].end - pending[0].start <= SHORT_PARAGRAPH_CHARS \
        and body.end - pending[0].start <= 2 * SHORT_PARAGRAPH_CHARS + (body.end - body.start)


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


def _items(text: str, body: _Span) -> tuple[list[_Span], str]:
    """Cut a body paragraph at inline items (一是…二是…) when it has them. What opens the
    list (我们也清醒看到深圳发展存在的差距和挑战。) goes with the first item, not alone: it is
    also returned, to be the context of the others."""
    segment = text[body.start : body.end]
    starts = [m.start(1) for m in _ITEM_START.finditer(segment)]
    if not starts or not segment[starts[0]:].startswith("一是"):
        return [body], ""
    # The sentence right before 一是 is the one that introduces the list.
    opening = _LAST_SENTENCE.search(segment[: starts[0]].strip()).group(0)
    bounds = [0] + starts[1:] + [len(segment)]
    spans = []
    for a, b in zip(bounds, bounds[1:]):
        while b > a and segment[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append(_Span(body.start + a, body.start + b))
    return spans, opening


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
