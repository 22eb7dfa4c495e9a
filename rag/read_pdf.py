"""Read a PDF report: its text layer with pypdfium2 (Apache-2.0/BSD), page by page.

Each page's characters are grouped into printed lines with their boxes; rag/layout.py
drops headers and page numbers and joins the lines into paragraphs. A page with too
little text (a scan) is read by OCR (rag/ocr.py, the optional `[ocr]` extra).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .document import Document
from .errors import CorpusError
from .layout import Line, assemble

log = logging.getLogger(__name__)

# A page with fewer characters of text than this is a scan (or a picture) to be OCR'd.
MIN_TEXT_CHARS = 20
_BREAKS = "\r\n"


def read_pdf(path: Path) -> Document:
    """Return the text of a PDF and, for every line, its page and box."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        raise CorpusError(f"{path} is not a readable PDF ({err}): re-save it or export it again as PDF.") from None
    try:
        lines: list[Line] = []
        for number in range(1, len(pdf) + 1):
            page_lines = text_lines(pdf, number)
            if sum(len(line.text.strip()) for line in page_lines) < MIN_TEXT_CHARS:
                from .ocr import ocr_lines

                log.info("%s page %d has no text layer: reading it by OCR", path, number)
                page_lines = ocr_lines(pdf[number - 1], number, f"{Path(path).name} page {number}")
            lines += page_lines
    finally:
        pdf.close()
    return assemble(lines, "pdf")


def text_lines(pdf, number: int) -> list[Line]:
    """Return the printed lines of page `number` (1-based) of an open PdfDocument."""
    import pypdfium2.raw as pdfium_c

    page = pdf[number - 1]
    width, height = page.get_size()
    textpage = page.get_textpage()
    lines: list[Line] = []
    chars: list[tuple[float, str]] = []  # (left edge, character) of the line so far
    boxes: list[tuple[float, float, float, float]] = []

    def end_line() -> None:
        if boxes and "".join(c for _, c in chars).strip():
            left = min(b[0] for b in boxes)
            right = max(b[2] for b in boxes)
            top = max(b[3] for b in boxes)
            bottom = min(b[1] for b in boxes)
            # In the order they are drawn, not stored: a layout may write a line's
            # punctuation after its other characters (LibreOffice does for “”).
            text = "".join(c for _, c in sorted(chars, key=lambda xc: xc[0]))
            lines.append(Line(text, number, (left / width, 1 - top / height, right / width, 1 - bottom / height)))
        chars.clear()
        boxes.clear()

    for i in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if char in _BREAKS:
            end_line()
            continue
        box = textpage.get_charbox(i)
        drawn = not char.isspace() and box[2] > box[0]
        if drawn and boxes and _new_line(boxes, box):
            end_line()  # no line break in the text layer, but the text moved down a line
        # A space has no box of its own: it sits just after the character before it.
        chars.append((box[0] if drawn else (chars[-1][0] + 1e-3 if chars else 0.0), char))
        if drawn:
            boxes.append(box)
    end_line()
    return lines


def _new_line(boxes: list, box: tuple) -> bool:
    """Tell whether `box` sits below the line so far and starts at its left (a wrap)."""
    last = boxes[-1]
    line_height = max(last[3] - last[1], 1.0)
    return box[3] < last[1] + 0.2 * line_height and box[0] < last[0]


def render_page(path: Path, number: int, scale: float = 1.5):
    """Return page `number` (1-based) of a PDF as a PIL image."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[number - 1].render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()
