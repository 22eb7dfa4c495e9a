"""Load step: read every report in a corpus folder — .txt / .md strictly as UTF-8, .pdf,
.docx and .html / .htm by their readers (rag/read_pdf.py, read_docx.py, read_html.py).

What a file holds is checked by its content (its first bytes), not only its name: a file
named .pdf that is a Word document is refused with the name it should have.

A report may have a sidecar `NAME.meta.json` beside it (report.txt → report.txt.meta.json)
giving what its text lacks of its identity (rag.identity): title, body, region, years, date.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .document import Document
from .errors import CorpusError
from .patterns import lazy_pattern

TEXT_SUFFIXES = (".txt", ".md")
KIND_OF_SUFFIX = {".txt": "txt", ".md": "md", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
CORPUS_SUFFIXES = tuple(KIND_OF_SUFFIX)
SUFFIX_OF_KIND = {"txt": ".txt", "md": ".md", "pdf": ".pdf", "docx": ".docx", "html": ".html"}
KIND_NAMES = {"txt": "a text file", "md": "a text file", "pdf": "a PDF", "docx": "a Word .docx document",
              "html": "an HTML page", "zip": "a zip archive", "binary": "binary data"}
SUFFIX_LIST = ", ".join(CORPUS_SUFFIXES)
META_SUFFIX = ".meta.json"
META_KEYS = ("title", "body", "region", "years", "date")
# Control characters that no report's text holds (tabs, line and page breaks are text).
_CONTROL = lazy_pattern("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SourceFile:
    """One report: `name` is its path relative to the corpus folder (POSIX style); its
    `document` is the text as read with its pages or elements (rag.document)."""

    name: str
    text: str
    meta: dict = field(default_factory=dict)
    document: Document | None = None

    def as_document(self) -> Document:
        return self.document or Document(self.text, KIND_OF_SUFFIX.get(Path(self.name).suffix.lower(), "txt"))


def sniff(data: bytes) -> str:
    """Return what bytes hold, by their content: pdf, docx, html, txt (UTF-8 text without
    NUL bytes), zip (another archive) or binary."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "binary"
        return "docx" if "word/document.xml" in names else "zip"
    head = data[:4096]
    if b"\0" in head:
        return "binary"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<") and b"<html" in start[:1024]):
        return "html"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "binary"
    return "txt"


def corpus_names(corpus_dir: Path) -> list[str]:
    """Return the names of the corpus's report files (their paths below the folder, with
    /), in path order; raise CorpusError if there are none. Names, not Path objects: the
    staleness checks list a thousand reports' folder in milliseconds this way."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Corpus folder {corpus_dir} does not exist: create it and put reports ({SUFFIX_LIST}) "
            "in it, or point --corpus at one."
        )
    names = ["/".join(parts) for parts in sorted(_report_parts(corpus_dir))]
    if not names:
        raise CorpusError(
            f"Corpus folder {corpus_dir} has no reports ({SUFFIX_LIST}): add one there."
        )
    for name in names:
        check_file_name(name)
    return names


def _report_parts(corpus_dir: Path | str, inside: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Yield the path parts, below `corpus_dir`, of each report file: nothing hidden (not
    .x.txt, nor what is in .removed/ or .git/), no linked folder followed (as rglob). By
    os.scandir, whose entries know a regular file from a folder without a stat call."""
    with os.scandir(corpus_dir) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _report_parts(entry.path, (*inside, entry.name))
            elif os.path.splitext(entry.name)[1].lower() in CORPUS_SUFFIXES and entry.is_file():
                yield (*inside, entry.name)


def check_file_name(path: Path | str) -> None:
    """Raise CorpusError for a file whose name is not UTF-8: its name is what a citation
    shows and what the manifest records, and neither can hold it."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        # The file system gave bytes that are not UTF-8; show them escaped (\xff).
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise CorpusError(
            f"The file name {shown} is not UTF-8: rename it, e.g. convmv -f GBK -t UTF-8 --notest "
            "on that file, or move it out of the corpus folder."
        ) from None


def read_source(path: Path, name: str | None = None) -> SourceFile:
    """Read one report by its format; a file that is not UTF-8 text, or whose content is
    not what its name says, raises CorpusError naming it."""
    path = Path(path)
    kind = KIND_OF_SUFFIX.get(path.suffix.lower(), "txt")
    if kind in ("txt", "md"):
        return _read_text(path, name)
    _check_kind(path, kind)
    if kind == "pdf":
        from .read_pdf import read_pdf as reader
    elif kind == "docx":
        from .read_docx import read_docx as reader
    else:
        from .read_html import read_html as reader
    document = reader(path)
    return SourceFile(name=name or path.name, text=document.text, meta=read_meta(path), document=document)


def check_source(path: Path) -> None:
    """Raise CorpusError for a report that `read_source` would refuse by its bytes alone: a
    text file is read whole (cheap), a PDF, Word or HTML file only sniffed (reading it is
    the slow part, done once when it is chunked)."""
    path = Path(path)
    kind = KIND_OF_SUFFIX.get(path.suffix.lower(), "txt")
    if kind in ("txt", "md"):
        _read_text(path, None)
        return
    _check_kind(path, kind)
    read_meta(path)


def _check_kind(path: Path, kind: str) -> None:
    """Raise CorpusError when the file's content is not what its name says."""
    found = sniff(path.read_bytes())
    if found != kind:
        fix = (f"rename it to {path.stem}{SUFFIX_OF_KIND[found]}" if found in SUFFIX_OF_KIND
               else f"replace it with the report itself ({SUFFIX_LIST})")
        raise CorpusError(f"{path} is named {path.suffix} but holds {KIND_NAMES[found]}: {fix}.")


def _read_text(path: Path, name: str | None) -> SourceFile:
    data = Path(path).read_bytes()
    try:
        # utf-8-sig drops a leading byte-order mark, which is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path} is not valid UTF-8 (bad byte at offset {err.start}): convert it, "
            f"for example: iconv -f GB18030 -t UTF-8 '{path}' > fixed.txt"
        ) from None
    if _looks_binary(text):
        raise CorpusError(
            f"{path} is not a text report (it holds NUL bytes or control characters, as binary "
            "files do): remove it from the corpus folder, or save the report as UTF-8 text."
        )
    return SourceFile(name=name or Path(path).name, text=text, meta=read_meta(Path(path)))


def _looks_binary(text: str) -> bool:
    """Tell whether decoded text is binary data: a NUL anywhere (no text holds one), or
    more than 1% control characters other than tabs, line and page breaks."""
    return "\0" in text or len(_CONTROL.findall(text)) > len(text) / 100


def read_meta(path: Path) -> dict:
    """Return the report's sidecar (NAME.meta.json), {} when there is none; a sidecar that is
    not a JSON object of the known keys raises CorpusError naming it."""
    sidecar = path.with_name(path.name + META_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise CorpusError(f"{sidecar} is not valid UTF-8 JSON ({err}): fix it or delete it.") from None
    if not isinstance(meta, dict) or set(meta) - set(META_KEYS) \
            or not all(isinstance(v, str) for k, v in meta.items() if k != "years"):
        raise CorpusError(f"{sidecar} must be a JSON object with some of the keys {', '.join(META_KEYS)} "
                          '(strings; years a list of years), e.g. {"title": "2024年深圳市政府工作报告"}.')
    return meta


def read_corpus(corpus_dir: Path) -> list[SourceFile]:
    """Read every report of the corpus folder, in name order."""
    return [read_source(Path(corpus_dir) / name, name) for name in corpus_names(corpus_dir)]


def corpus_hash(corpus_dir: Path) -> str:
    """Return a SHA-256 over the names and bytes of the corpus files (detects any edit)."""
    corpus_dir = Path(corpus_dir)
    digest = hashlib.sha256()
    for name in corpus_names(corpus_dir):
        path = corpus_dir / name
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        sidecar = path.with_name(path.name + META_SUFFIX)
        if sidecar.is_file():
            digest.update(b"meta\0" + hashlib.sha256(sidecar.read_bytes()).digest())
    return digest.hexdigest()


def file_state(corpus_dir: Path, name: str) -> dict:
    """Return what a report's staleness is judged on without reading it: the size and
    modification time of its file and of its sidecar (zeros when it has none)."""
    path = os.path.join(corpus_dir, name)
    stat = os.stat(path)
    try:
        meta = os.stat(path + META_SUFFIX)
    except OSError:  # no sidecar
        meta = None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "meta_size": meta.st_size if meta else 0, "meta_mtime_ns": meta.st_mtime_ns if meta else 0}


def content_hash(corpus_dir: Path, name: str) -> str:
    """Return a SHA-256 over a report's bytes and its sidecar's."""
    path = Path(corpus_dir) / name
    digest = hashlib.sha256(hashlib.sha256(path.read_bytes()).digest())
    sidecar = path.with_name(path.name + META_SUFFIX)
    if sidecar.is_file():
        digest.update(b"meta\0" + hashlib.sha256(sidecar.read_bytes()).digest())
    return digest.hexdigest()


def corpus_states(corpus_dir: Path, known: dict[str, dict]) -> dict[str, dict]:
    """Return {report name: state with its SHA-256} for the corpus folder now. A file whose
    size and times match `known` (an index's record) keeps its recorded hash; only the
    others are read and hashed."""
    corpus_dir = Path(corpus_dir)
    states = {}
    for name in corpus_names(corpus_dir):
        state = file_state(corpus_dir, name)
        old = known.get(name, {})
        same = old and all(old.get(k) == v for k, v in state.items())
        states[name] = dict(state, sha256=old["sha256"] if same else content_hash(corpus_dir, name))
    return states


def changed_reports(states: dict[str, dict], known: dict[str, dict]) -> tuple[list[str], list[str]]:
    """Return (new or changed report names, removed names), each sorted."""
    changed = sorted(n for n, s in states.items() if known.get(n, {}).get("sha256") != s["sha256"])
    return changed, sorted(set(known) - set(states))


def states_hash(states: dict[str, dict]) -> str:
    """Return one SHA-256 over the reports' names and hashes (the corpus as indexed)."""
    digest = hashlib.sha256()
    for name in sorted(states):
        digest.update(name.encode("utf-8") + b"\0" + states[name]["sha256"].encode("ascii"))
    return digest.hexdigest()
