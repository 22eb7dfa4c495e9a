"""OCR of a scanned PDF page with RapidOCR (Apache-2.0), the optional `[ocr]` extra.

RapidOCR's wheel carries its Chinese detection and recognition models, so this works
offline. The engine is made once per process (loading the models takes about a second).
"""

from __future__ import annotations

from functools import lru_cache

from .errors import CorpusError
from .layout import Line

# Rendered at this scale (1 = 72 dpi) the characters of a body text are ~30 px high.
OCR_SCALE = 2.5
INSTALL = 'pip install -e ".[ocr]"'


@lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr import RapidOCR
    except ImportError:
        return None
    return RapidOCR(params={"Global.log_level": "error"})


def ocr_lines(page, number: int, what: str) -> list[Line]:
    """Return the lines of a pypdfium2 page read by OCR; without the extra, raise
    CorpusError naming it."""
    engine = _engine()
    if engine is None:
        raise CorpusError(f"{what} is a scan with no text layer: install OCR with {INSTALL} "
                          "(RapidOCR, offline) and run again.")
    import numpy as np

    image = page.render(scale=OCR_SCALE).to_pil().convert("RGB")
    width, height = image.size
    result = engine(np.asarray(image))
    lines = []
    for box, text in zip(result.boxes if result.boxes is not None else (), result.txts or ()):
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append(Line(text, number, (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)))
    # Reading order: by line (top, with a tolerance of half a line), then left to right.
    tolerance = min((ln.box[3] - ln.box[1] for ln in lines), default=0.0) / 2 or 0.01
    return sorted(lines, key=lambda ln: (round(ln.box[1] / tolerance), ln.box[0]))
