"""Typed errors. Every message says what went wrong, where, and how to fix it."""


class RagError(Exception):
    """Base class: the CLI prints the message on one line and exits 1."""


class CorpusError(RagError):
    """The corpus folder is missing, empty, or holds a file that is not UTF-8."""


class QuestionError(RagError):
    """The question is empty or too long."""


class IndexMissingError(RagError):
    """No index where one was expected."""


class IndexCorruptError(RagError):
    """Index files exist but cannot be read or disagree with each other."""


class IndexLocationError(RagError):
    """The index path holds something that is not an index this project wrote."""


class IndexStaleError(RagError):
    """The index was built from another corpus or other settings."""


class ModelMismatchError(RagError):
    """The query model differs from the model the index was built with."""


class ModelLoadError(RagError):
    """The embedding model cannot be loaded."""


class IndexFormatError(IndexCorruptError):
    """The index was written by an older version of this project, in another layout."""


class StoreError(RagError):
    """A store other than the index folder (Qdrant) is missing, unreachable or not ours."""
