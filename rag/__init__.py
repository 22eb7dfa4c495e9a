"""Cited-passage retrieval over Chinese government reports.

    from rag import Retriever
    hits = Retriever.load().search("不予行政处罚多少家", k=5)
    reply = Retriever.load().ask("不予行政处罚多少家")   # Reply: answer, answerable, hits
"""

from .answer import Answer, Reply
from .config import DEFAULT_MODEL, Config, Tuning
from .errors import (CorpusError, IndexCorruptError, IndexFormatError, IndexLocationError, IndexMissingError,
                     IndexStaleError,
                     ModelLoadError, ModelMismatchError, QuestionError, RagError)
from .passage import Hit, Passage
from .query import Query
from .identity import ReportIdentity
from .retriever import Retriever
from .scope import Filters
from .scorers import Fusion

__all__ = [
    "DEFAULT_MODEL", "Config", "Tuning", "Retriever", "Query", "Fusion", "Filters", "Hit", "Passage", "Answer",
    "Reply", "ReportIdentity",
    "RagError", "CorpusError", "QuestionError", "IndexMissingError", "IndexCorruptError", "IndexLocationError",
    "IndexStaleError", "IndexFormatError", "ModelMismatchError", "ModelLoadError",
]
