"""Cite step: hits → what people read (CLI text, page HTML) and what machines read (JSON).

The CLI and the page share these functions, so a citation looks the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from .passage import Hit
from .spans import NUMBER

BREADCRUMB_SEP = " › "


def breadcrumb(hit: Hit) -> str:
    """Return the heading path as one line, or the place of front matter."""
    return BREADCRUMB_SEP.join(hit.heading_path) if hit.heading_path else "（标题与开头）"


def location(hit: Hit) -> str:
    """Return `source:start-end`, the character span to check in the source file."""
    return f"{hit.source}:{hit.start}-{hit.end}"


def page_label(hit: Hit) -> str:
    """Return 第3页 (第3–4页 when the passage runs onto the next page), "" without pages."""
    if not hit.pages:
        return ""
    first, last = hit.pages[0], hit.pages[-1]
    return f"第{first}页" if first == last else f"第{first}–{last}页"


def report_place(hit: Hit, reports: Mapping) -> str:
    """Return `《报告名》 第3页`: the report's title (when it has one besides its file name) and
    the page, as much of it as is known; "" when neither is."""
    title = report_title(hit, reports)
    parts = [f"《{title}》" if title and title != hit.source else "", page_label(hit)]
    return " ".join(p for p in parts if p)


def term_spans(terms: Iterable[str], text: str, numbers: bool = False,
               also: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Return merged spans of `text` that match the question's `terms` (Query.highlight),
    the words in `also` (an English question's translations; single characters are
    skipped as too common to mean anything) and, if asked, numbers."""
    folded = unicodedata.normalize("NFKC", text).lower()
    spans = []
    if len(folded) == len(text):  # NFKC kept offsets (it does for CJK text): match on it
        for term in [*terms, *(w for w in also if len(w) >= 2)]:
            spans += [m.span() for m in re.finditer(re.escape(term.lower()), folded)]
    if numbers:
        spans += [m.span() for m in NUMBER.finditer(text)]
    return _merge(spans)


def mark(text: str, spans: list[tuple[int, int]], before: str, after: str,
         escape=lambda s: s) -> str:
    """Return `text` with each span wrapped in before/after (other text escaped)."""
    out, pos = [], 0
    for start, end in spans:
        out += [escape(text[pos:start]), before, escape(text[start:end]), after]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def report_title(hit: Hit, reports: Mapping) -> str:
    """Return the title of the hit's report (its identity's label), "" when unknown."""
    report = reports.get(hit.source)
    return report.label() if report else ""


def format_hits_text(terms: Iterable[str], hits: list[Hit], color: bool = False, also: Iterable[str] = (),
                     reports: Mapping = {}) -> str:  # noqa: B006 (read only)
    """Return the numbered, cited passages as the CLI prints them, `terms` marked."""
    if not hits:
        return NOT_FOUND
    before, after = ("\033[1;33m", "\033[0m") if color else ("【", "】")
    blocks = []
    for hit in hits:
        body = mark(hit.text, term_spans(terms, hit.text, also=also), before, after)
        place = report_place(hit, reports)
        where = f"{location(hit)}  {place}" if place else location(hit)
        blocks.append(f"[{hit.rank}] {breadcrumb(hit)}\n    {where}  score {hit.score:.2f}\n    {body}")
    return "\n\n".join(blocks)


NOT_FOUND = "报告中没有找到相关内容。"
NEAREST = "最接近的段落（仅供参考）"
# Passages without a direct answer are offered as related, not as the answer: a question
# in other words than the report's may be one it does not answer at all.
RELATED = "未摘出直接答案，以下是报告中最相关的段落："


def refusal_line(reply) -> str:
    """Return the refusal, with its reason when it is a region or year no report covers."""
    return f"{NOT_FOUND[:-1]}：{reply.refusal}。" if reply.refusal else NOT_FOUND


def answer_line(reply) -> str:
    """Return `答：7968家 [1]（source:start-end）`, the plain refusal, or the related label."""
    if not reply.answerable:
        return refusal_line(reply)
    a = reply.answer
    return f"答：{a.text} [{a.hit_rank}]（{a.source}:{a.start}-{a.end}）" if a else RELATED


def format_reply_text(reply, color: bool = False) -> str:
    """Return what `rag.ask` prints: the direct answer or refusal, then the passages."""
    passages = format_hits_text(reply.highlight, list(reply.hits), color, reply.translated_words, reply.reports)
    head = answer_line(reply)
    if not reply.answerable:
        return f"{head}\n\n{NEAREST}：\n\n{passages}" if reply.hits else head
    return f"{head}\n\n{passages}" if head else passages


def hit_html(terms: Iterable[str], hit: Hit, also: Iterable[str] = ()) -> str:
    """Return one passage as escaped HTML with the question's terms and numbers in <mark>."""
    import html  # here, not at the top: only the page needs it, and html.entities costs every cold ask 3 ms

    spans = term_spans(terms, hit.text, numbers=True, also=also)
    return mark(hit.text, spans, "<mark>", "</mark>", escape=html.escape)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
