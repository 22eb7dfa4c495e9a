"""A report uploaded from the page, checked and stored in the corpus folder.

Nothing the browser says is trusted: the type is read from the file's content (its first
bytes: %PDF-, a zip holding word/document.xml, an HTML document, UTF-8 text), the name is
reduced to a safe file name of the corpus folder itself (no folders, no leading dot, the
suffix its content calls for), the size is capped, and an existing report is never
overwritten. The file is written under a hidden temporary name and renamed into place,
so the corpus never holds half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .errors import CorpusError
from .load import KIND_NAMES, SUFFIX_OF_KIND, sniff
from .patterns import lazy_pattern

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
_UNSAFE = lazy_pattern(r"[^\w\u3400-\u9fff（）()《》【】\-]+")
MAX_STEM_CHARS = 80


def safe_name(client_name: str, kind: str) -> str:
    """Return a file name for the corpus folder: the last part of the client's name, only
    letters, digits, CJK and - _ （）《》 kept, with the suffix of what the file holds."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    stem, suffix = os.path.splitext(base)
    stem = _UNSAFE.sub("-", stem).strip("-_.")[:MAX_STEM_CHARS] or "report"
    if kind == "txt" and suffix.lower() == ".md":
        return f"{stem}.md"
    return stem + SUFFIX_OF_KIND[kind]


def check_upload(data: bytes, client_name: str, limit: int = MAX_UPLOAD_BYTES) -> str:
    """Return the kind of report the bytes hold (pdf, docx, html, txt), or raise
    CorpusError saying what is wrong with the file."""
    shown = re.split(r"[\\/]", client_name or "")[-1] or "the file"
    if len(data) > limit:
        raise CorpusError(f"{shown} is {len(data) / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB.")
    if not data.strip():
        raise CorpusError(f"{shown} is empty.")
    kind = sniff(data)
    suffix = os.path.splitext(shown)[1].lower()
    if kind == "binary" and suffix in (".txt", ".md") and b"\0" not in data[:4096]:
        raise CorpusError(f"{shown} is not UTF-8 text: convert it, for example: "
                          f"iconv -f GB18030 -t UTF-8 {shown} > fixed{suffix}, and upload that.")
    if kind not in SUFFIX_OF_KIND:
        raise CorpusError(f"{shown} holds {KIND_NAMES[kind]}, not a report: upload a PDF, Word .docx, "
                          "HTML page or UTF-8 .txt/.md file.")
    expected = {".htm": "html", ".md": "txt"}.get(suffix, suffix.lstrip("."))
    if suffix in ACCEPTED and expected != kind:
        raise CorpusError(f"{shown} is named {suffix} but holds {KIND_NAMES[kind]}: rename it to "
                          f"{os.path.splitext(shown)[0]}{SUFFIX_OF_KIND[kind]} and upload it again.")
    return kind


def store_upload(corpus_dir: Path, data: bytes, client_name: str, limit: int = MAX_UPLOAD_BYTES) -> Path:
    """Check an uploaded file and write it into the corpus folder under a safe new name;
    return its path."""
    kind = check_upload(data, client_name, limit)
    corpus = Path(corpus_dir).resolve()
    name = safe_name(client_name, kind)
    stem, suffix = os.path.splitext(name)
    target, n = corpus / name, 1
    while target.exists():
        n += 1
        target = corpus / f"{stem}-{n}{suffix}"
    if target.parent != corpus:  # cannot happen with a safe name; checked all the same
        raise CorpusError(f"Refusing to store {client_name!r} outside the corpus folder.")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=corpus)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
