"""Cited-passage retrieval over Chinese government reports.

    from rag import Retriever
    hits = Retriever.load().search("不予行政处罚多少家", k=5)
"""

from .config import DEFAULT_MODEL, Config
from .errors import (CorpusError, IndexCorruptError, IndexLocationError, IndexMissingError, IndexStaleError,
                     ModelLoadError, ModelMismatchError, QuestionError, RagError)
from .passage import Hit, Passage
from .retrieve import Retriever

__all__ = [
    "DEFAULT_MODEL", "Config", "Retriever", "Hit", "Passage", "RagError", "CorpusError",
    "QuestionError", "IndexMissingError", "IndexCorruptError", "IndexLocationError", "IndexStaleError",
    "ModelMismatchError", "ModelLoadError",
]
