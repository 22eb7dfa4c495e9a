"""Read a Word (.docx) report with python-docx: paragraphs and tables in document order.

A paragraph in a heading style (Heading N / 标题 N / Title) whose text does not already
start with an official-document marker (一、, （一）, 第X章) is written with a Markdown
marker of its level (`## 工作回顾`), so rag/chunk.py takes it as a heading of that
rank; numbered headings keep their own numbers. A table is read row by row, the cells of
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

_LEVEL = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)
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
    paragraphs: list[tuple[str, str]] = []
    n_paragraph = n_table = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            n_paragraph += 1
            paragraphs.append((_paragraph_text(block), f"段落{n_paragraph}"))
        elif isinstance(block, Table):
            n_table += 1
            for r, row in enumerate(block.rows, 1):
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                paragraphs.append((CELL_SEPARATOR.join(c for c in cells if c), f"表格{n_table} 第{r}行"))
    return paragraphs_document(paragraphs, "docx")


def _paragraph_text(paragraph) -> str:
    text = paragraph.text.strip()
    style = paragraph.style.name if paragraph.style is not None else ""
    level = _LEVEL.search(style)
    if not text or not level or parse_heading(text) is not None:
        return text
    return "#" * min(int(level.group(1)) + 1, 6) + " " + text
