"""The two values the pipeline hands around: a cited passage and a search hit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """Body text of one chunk and where it sits in its source file.

    `source_text[start:end] == text` holds exactly, so a citation can be checked.
    `heading_path` lists the headings above the text, outermost first.
    `context` is extra text that is matched but not cited: the lead sentence of an
    inline item (一是……) when this chunk is a later piece of that item.
    """

    text: str
    source: str
    start: int
    end: int
    heading_path: tuple[str, ...]
    context: str = ""
    pages: tuple[int, ...] = ()  # the pages of a PDF the text was printed on; () for other formats

    def match_text(self) -> str:
        """Return the text that keywords and embeddings see: headings, context, body."""
        parts = [*self.heading_path, self.context, self.text]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Hit:
    """One ranked result.

    `score` is in [0, 1]: a weighted mean of the passage's meaning similarity to the
    question (`dense`, calibrated cosine) and the share of the question's keyword
    weight found in the passage (`keyword`). See rag/retrieve.py for the weights.
    """

    rank: int
    score: float
    passage: Passage
    dense: float = 0.0
    keyword: float = 0.0

    @property
    def text(self) -> str:
        return self.passage.text

    @property
    def source(self) -> str:
        return self.passage.source

    @property
    def start(self) -> int:
        return self.passage.start

    @property
    def end(self) -> int:
        return self.passage.end

    @property
    def heading_path(self) -> tuple[str, ...]:
        return self.passage.heading_path

    @property
    def pages(self) -> tuple[int, ...]:
        return self.passage.pages

    def to_dict(self) -> dict:
        """Return the JSON shape used by `rag.ask --json` and the page's API."""
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "text": self.text,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "heading_path": list(self.heading_path),
            # A PDF's page (1-based), or its pages when the passage runs onto the next one.
            **({"page": self.pages[0]} if len(self.pages) == 1 else {"pages": list(self.pages)} if self.pages else {}),
        }
