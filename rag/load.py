"""Load step: read every .txt / .md report in a corpus folder, strictly as UTF-8."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

CORPUS_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class SourceFile:
    """One report: `name` is its path relative to the corpus folder (POSIX style)."""

    name: str
    text: str


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Return the corpus's report files, sorted; raise CorpusError if there are none."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Corpus folder {corpus_dir} does not exist: create it and put .txt or .md "
            "reports in it, or point --corpus at one."
        )
    files = sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES and not p.name.startswith(".")
    )
    if not files:
        raise CorpusError(
            f"Corpus folder {corpus_dir} has no .txt or .md files: add a UTF-8 report there."
        )
    return files


def read_source(path: Path, name: str | None = None) -> SourceFile:
    """Read one report; a file that is not UTF-8 raises CorpusError naming it."""
    data = Path(path).read_bytes()
    try:
        # utf-8-sig drops a leading byte-order mark, which is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path} is not valid UTF-8 (bad byte at offset {err.start}): convert it, "
            f"for example: iconv -f GB18030 -t UTF-8 '{path}' > fixed.txt"
        ) from None
    return SourceFile(name=name or Path(path).name, text=text)


def read_corpus(corpus_dir: Path) -> list[SourceFile]:
    """Read every report of the corpus folder, in name order."""
    corpus_dir = Path(corpus_dir)
    return [read_source(p, p.relative_to(corpus_dir).as_posix()) for p in corpus_files(corpus_dir)]


def corpus_hash(corpus_dir: Path) -> str:
    """Return a SHA-256 over the names and bytes of the corpus files (detects any edit)."""
    corpus_dir = Path(corpus_dir)
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        digest.update(path.relative_to(corpus_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
