"""Cited-passage retrieval over Chinese government reports.

    from rag import Retriever
    hits = Retriever.load().search("不予行政处罚多少家", k=5)
    reply = Retriever.load().ask("不予行政处罚多少家")   # Reply: answer, answerable, hits

The names below are imported from their modules when first used, so that `import rag`
alone (which `python -m rag.ask` does before its own code runs) loads neither numpy nor
the rest: the command decides how numpy is loaded (rag.ask).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for readers and type checkers: what `from rag import …` gives
    from .answer import Answer, Reply
    from .config import DEFAULT_MODEL, Config, Tuning
    from .errors import (CorpusError, IndexCorruptError, IndexFormatError, IndexLocationError, IndexMissingError,
                         IndexStaleError, ModelLoadError, ModelMismatchError, QuestionError, RagError)
    from .identity import ReportIdentity
    from .passage import Hit, Passage
    from .query import Query
    from .retriever import Retriever
    from .scope import Filters
    from .scorers import Fusion

# Each exported name and the module that defines it.
_MODULE_OF = {
    "Answer": "answer", "Reply": "answer",
    "DEFAULT_MODEL": "config", "Config": "config", "Tuning": "config",
    "CorpusError": "errors", "IndexCorruptError": "errors", "IndexFormatError": "errors",
    "IndexLocationError": "errors", "IndexMissingError": "errors", "IndexStaleError": "errors",
    "ModelLoadError": "errors", "ModelMismatchError": "errors", "QuestionError": "errors", "RagError": "errors",
    "Hit": "passage", "Passage": "passage",
    "Query": "query",
    "ReportIdentity": "identity",
    "Retriever": "retriever",
    "Filters": "scope",
    "Fusion": "scorers",
}

__all__ = [
    "DEFAULT_MODEL", "Config", "Tuning", "Retriever", "Query", "Fusion", "Filters", "Hit", "Passage", "Answer",
    "Reply", "ReportIdentity",
    "RagError", "CorpusError", "QuestionError", "IndexMissingError", "IndexCorruptError", "IndexLocationError",
    "IndexStaleError", "IndexFormatError", "ModelMismatchError", "ModelLoadError",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
