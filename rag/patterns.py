"""Regular expressions compiled on first use, not when their module is imported.

The grammars of questions, spans, sections and answers are some 110 patterns, and
compiling them all took about 60 ms of every cold `python -m rag.ask` (a character class
over the CJK range is a 27,000-step loop in `re`'s compiler), while one question uses
about a third of them. A module-level pattern is therefore written
`lazy_pattern(r"...")`: the same pattern, compiled when it is first used.
"""

from __future__ import annotations

import re

# What a compiled pattern offers: copied onto the stand-in once compiled, so that later
# uses are plain attribute reads, as fast as on the compiled pattern itself.
_PATTERN_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
                       "scanner", "flags", "groups", "groupindex", "pattern")


class LazyPattern:
    """Stands in for `re.compile(source, flags)` and compiles it on the first use of any of
    a compiled pattern's attributes (search, finditer, sub…)."""

    def __init__(self, source: str, flags: int = 0):
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str):
        # Called only for attributes not set yet, so once per pattern for its first use.
        # Private and special names are not a pattern's: copy and pickle probe for them.
        if name.startswith("_"):
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attribute in _PATTERN_ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_pattern({self._source!r}, {self._flags!r})"


def lazy_pattern(source: str, flags: int = 0) -> LazyPattern:
    """Return `source` as a pattern that compiles when first used (with `flags`, as `re.compile`)."""
    return LazyPattern(source, flags)
