"""Read a Word (.docx) report with python-docx: paragraphs and tables in document order.

Word's automatic numbering is written out as Word shows it (a level formatted
chineseCounting with the text `%1、` gives 一、, 二、…), so numbered headings read as
typed ones. A paragraph in a heading style (Heading N / 标题 N) whose text does not then
start with an official-document marker (一、, （一）, 第X章) is written with a Markdown
marker of its level (`## 工作回顾`), so rag/chunk.py takes it as a heading of that rank. A table is read row by row, the cells of
a row joined by " | ", one paragraph per row, so a row's figures stay together.
Each paragraph's piece names its element: `段落12` or `表格2 第3行`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .document import Document
from .errors import CorpusError
from .headings import parse_heading
from .layout import paragraphs_document
from .patterns import lazy_pattern

_LEVEL = lazy_pattern(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)
CELL_SEPARATOR = " | "


def read_docx(path: Path) -> Document:
    """Return the text of a .docx report and, for each paragraph, the element it came from."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise CorpusError(f"{path} is not a readable Word .docx file ({err}): open it in Word or "
                          "LibreOffice and save it again as .docx.") from None
    # Style names by id, read once: python-docx looks a paragraph's style up by a search.
    style_names = {style.style_id: style.name for style in document.styles}
    style_numbers = {style.style_id: _num_pr(style.element) for style in document.styles}
    numbering = _Numbering(document)
    paragraphs: list[tuple[str, str]] = []
    n_paragraph = n_table = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            n_paragraph += 1
            style = block._p.style
            label = numbering.label(_num_pr(block._p) or style_numbers.get(style))
            paragraphs.append((_paragraph_text(block, style_names.get(style, ""), label), f"段落{n_paragraph}"))
        elif isinstance(block, Table):
            n_table += 1
            for r, row in enumerate(block.rows, 1):
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                paragraphs.append((CELL_SEPARATOR.join(c for c in cells if c), f"表格{n_table} 第{r}行"))
    return paragraphs_document(paragraphs, "docx")


def _paragraph_text(paragraph, style: str, label: str = "") -> str:
    text = paragraph.text.strip()
    if label and text:
        text = label + ("" if label[-1] in "、.．:：)）" else " ") + text
    level = _LEVEL.search(style)
    if not text or not level or parse_heading(text) is not None:
        return text
    return "#" * min(int(level.group(1)) + 1, 6) + " " + text


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"


def _num_pr(element) -> tuple[str, int] | None:
    """Return (numId, level) of a paragraph's or a style's numbering, None without one."""
    num_pr = element.find(f"{W}pPr/{W}numPr")
    if num_pr is None:
        return None
    num_id, level = num_pr.find(f"{W}numId"), num_pr.find(f"{W}ilvl")
    if num_id is None or num_id.get(f"{W}val") in (None, "0"):
        return None
    return num_id.get(f"{W}val"), int(level.get(f"{W}val")) if level is not None else 0


class _Numbering:
    """Word's numbering definitions and the counters of each list, in document order."""

    def __init__(self, document):
        self.lists: dict[str, tuple[str, dict]] = {}  # numId → (abstract id, {level: (format, text, start)})
        self.counts: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for definition in root.iter(f"{W}abstractNum"):
            levels = {}
            for lvl in definition.iter(f"{W}lvl"):
                values = {name: lvl.find(f"{W}{name}") for name in ("numFmt", "lvlText", "start")}
                value = {k: (v.get(f"{W}val") if v is not None else None) for k, v in values.items()}
                levels[int(lvl.get(f"{W}ilvl"))] = (value["numFmt"] or "decimal", value["lvlText"] or "",
                                                    int(value["start"] or 1))
            abstract[definition.get(f"{W}abstractNumId")] = levels
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            aid = ref.get(f"{W}val") if ref is not None else None
            self.lists[num.get(f"{W}numId")] = (aid, abstract.get(aid, {}))

    def label(self, number: tuple[str, int] | None) -> str:
        """Return the number Word shows for the next paragraph of a list ("" for none or a bullet)."""
        if number is None or number[0] not in self.lists:
            return ""
        aid, levels = self.lists[number[0]]
        level = number[1]
        if level not in levels or levels[level][0] in ("bullet", "none"):
            return ""
        counts = self.counts.setdefault(aid, {})
        counts[level] = counts.get(level, levels[level][2] - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]  # a new item restarts the levels under it

        def shown(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            fmt, _, start = levels.get(k, ("decimal", "", 1))
            return _format(counts.get(k, start), fmt)

        return re.sub(r"%(\d)", shown, levels[level][1]).strip()


def _format(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)
