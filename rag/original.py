"""The 原文 view of a hit: where its text stands in the report.

For a report read from a PDF, the page it was printed on, rendered as an image
(pypdfium2) with the cited span's lines highlighted; for every other format — and for a
PDF whose file is no longer in the corpus folder — the hit's whole section of the text
as read, the cited span marked.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cite import mark
from .passage import Hit

log = logging.getLogger(__name__)

PAGE_SCALE = 1.25  # 90 dpi: an A4 page 744 px wide, sharp enough to read, ~100 KB as JPEG
HIGHLIGHT_FILL = (250, 204, 21, 90)
HIGHLIGHT_EDGE = (217, 119, 6, 255)


@dataclass(frozen=True)
class Sections:
    """Each section of the indexed reports: the text from the start of the first passage
    with a given heading path to the end of the last one."""

    texts: dict[str, str]  # source → its text as read (what start/end index into)
    spans: dict[tuple[str, tuple[str, ...]], tuple[int, int]]  # (source, heading path) → span

    @classmethod
    def read(cls, retriever) -> Sections:
        spans: dict[tuple[str, tuple[str, ...]], tuple[int, int]] = {}
        for p in retriever.passages:
            key = (p.source, p.heading_path)
            start, end = spans.get(key, (p.start, p.end))
            spans[key] = (min(start, p.start), max(end, p.end))
        texts = {name: retriever.document_text(name) for name in sorted({source for source, _ in spans})}
        return cls(texts, spans)

    def html(self, hit: Hit) -> str:
        """Return the hit's whole section as escaped HTML, the cited span in <mark>."""
        start, end = self.spans.get((hit.source, hit.heading_path), (hit.start, hit.end))
        text = self.texts[hit.source][start:end]
        cited = [(hit.start - start, hit.end - start)]
        return '<div class="rag-section">' + mark(text, cited, '<mark class="rag-cited">', "</mark>",
                                                  escape=html.escape) + "</div>"


class LiveSections:
    """The Sections of the index the retriever answers from now: read again when it has
    reopened the index (a report edited on disk), or when told a report was added or
    removed (`refresh`), so 原文 shows the text the offsets count in."""

    def __init__(self, retriever):
        self._retriever = retriever
        self._store = retriever.store
        self._sections = Sections.read(retriever)
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._sections, self._store = Sections.read(self._retriever), self._retriever.store

    @property
    def current(self) -> Sections:
        store = self._retriever.store
        if store is not self._store:
            with self._lock:
                if store is not self._store:
                    self._sections, self._store = Sections.read(self._retriever), store
        return self._sections

    def html(self, hit: Hit) -> str:
        return self.current.html(hit)


def original_html(retriever, sections: Sections | LiveSections, hit: Hit, place: str = "") -> str:
    """Return the 原文 view of a hit: its highlighted PDF page(s), else its section."""
    document = retriever.store.documents.get(hit.source)
    path = Path(retriever.config.corpus_dir) / hit.source
    if document is None or document.kind != "pdf" or not hit.pages or not path.is_file():
        return sections.html(hit)
    boxes = document.boxes(hit.start, hit.end)
    images = []
    for page in hit.pages:
        on_page = tuple(box for p, box in boxes if p == page)
        try:
            data = page_jpeg(str(path), path.stat().st_mtime_ns, page, on_page)
        except (OSError, RuntimeError, ValueError) as err:  # replaced by something unreadable: the text, then
            log.warning("cannot render %s page %d: %s", path, page, err)
            return sections.html(hit)
        # Alt and title say what is shown (the page's sanitiser keeps them; data-* it drops).
        alt = html.escape(f"{place or hit.source} 第{page}页")
        title = html.escape(f"{place or hit.source} 第{page}页，标出 {len(on_page)} 行")
        images.append(f'<img class="rag-page" alt="{alt}" title="{title}" src="data:image/jpeg;base64,{data}">')
    return '<div class="rag-pages">' + "".join(images) + "</div>"


@lru_cache(maxsize=64)
def page_jpeg(path: str, mtime_ns: int, page: int, boxes: tuple) -> str:
    """Return page `page` of a PDF, `boxes` (page fractions) highlighted, as base64 JPEG.
    Cached by file, modification time, page and boxes."""
    from PIL import Image, ImageDraw

    from .read_pdf import render_page

    image = render_page(Path(path), page, PAGE_SCALE).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width, height = image.size
    for left, top, right, bottom in boxes:
        draw.rectangle((left * width - 1, top * height - 1, right * width + 1, bottom * height + 1),
                       fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
    out = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(out, "JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode("ascii")
