"""Query step: a question's text → everything later steps read, made once.

`Query.of` folds the question (full-width forms, traditional script), cuts it with
jieba once, and derives from those words the keyword tokens (rag.segment), the English
words' translations into the reports' words (rag.crosslingual, through a `Lexicon`),
what is asked (rag.question: kind, unit, years, the words an answer must hold), whether
a missing span would be evidence of "not in the report", and the words to highlight.
Scoring, answering, refusing, highlighting and JSON read these fields; none of them
segments the question again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol

from .normalize import fold
from .patterns import lazy_pattern
from .places import Place, find_national, find_places, find_places_in_english
from .question import FIGURE_KINDS, Asked, asked_kind, asked_years, asking_span, document_years, is_refusable, question_terms
from .sections import asked_section, asking_clauses, topic_words
from .segment import DEMONSTRATIVES, STOPWORDS, cut, dictionary_tag, has_word_character, search_words, tokens_of


class Lexicon(Protocol):
    """What the indexed reports say about words: the vocabulary that a query is read against."""

    def contains(self, term: str) -> bool:
        """Tell whether a (folded) word occurs anywhere in the indexed reports."""

    def translations(self, word: str) -> frozenset[str]:
        """Return the reports' words that translate an English word (lower case)."""

    def expansions(self, tokens: Collection[str]) -> dict[str, frozenset[str]]:
        """Return {English token the reports lack: its translations found in them}."""

    def regions(self) -> Collection[Place]:
        """Return the regions the indexed reports are about (their bare names count)."""

    def tag(self, word: str) -> str:
        """Return a word's part of speech (jieba's dictionary tag), "" when unknown."""


class AnyWords:
    """A lexicon that knows nothing: every word counts as present, nothing translates."""

    def contains(self, term: str) -> bool:
        return True

    def translations(self, word: str) -> frozenset[str]:
        return frozenset()

    def expansions(self, tokens: Collection[str]) -> dict[str, frozenset[str]]:
        return {}

    def regions(self) -> Collection[Place]:
        return ()

    def tag(self, word: str) -> str:
        return ""


def _tag(lexicon: Lexicon, word: str) -> str:
    """Return a question word's part of speech: the reports' tag, or for a word they do not
    use, jieba's dictionary's (a stop word, one character or a figure needs none)."""
    found = lexicon.tag(word)
    if found or len(word) < 2 or word in STOPWORDS or not any("\u3400" <= c <= "\u9fff" for c in word):
        return found
    return dictionary_tag(word)


# What a question about a plan says (目标, 今年要, 将, 预计); 主要, 重要, 需要 are no 要.
_ASKS_PLAN = lazy_pattern(r"目标|预期|预计|计划|打算|力争|争取|规划|准备|下一步|今年|明年|未来|(?<![主重需只])要(?!求|素|点)|将|拟|"
                          r"\b(?:target|plan|planned|plans|aim|goal|will|expected)\b", re.I)


@dataclass(frozen=True)
class Query:
    """One question, analysed once."""

    text: str  # as asked, stripped
    folded: str  # full-width forms and traditional script folded (rag.normalize.fold)
    words: tuple[str, ...]  # jieba's words of the folded text in lower case, covering it
    tokens: tuple[str, ...]  # BM25 tokens (rag.segment.keyword_tokens of the question)
    expansions: Mapping[str, frozenset[str]]  # English token → the reports' words for it
    asked: Asked | None  # what a factual question asks for; None for other questions
    refusable: bool  # it asks for a kind of span we would find if the reports held it
    words_present: tuple[tuple[str, float, bool], ...]  # (content word, weight, whether the reports use it)
    highlight: tuple[str, ...] = field(default=())  # words to mark in passages, longest first
    places: tuple[Place, ...] = ()  # administrative divisions the question names (rag.places)
    years: tuple[str, ...] = ()  # years the question names (2024年, in 2024)
    # …of which those that name a report by its year (2025 of 深圳市2025年政府工作报告): they
    # say which report is meant, not which year the answer is of.
    report_years: tuple[str, ...] = ()
    content_years: tuple[str, ...] = ()  # the years the answer is about: named apart from a report's name
    year: str = ""  # the one year the whole question is about, "" when none or several
    # The part of a report a question that is not factual asks for (rag.sections: "plan",
    # "review", "problems"; "" for others), and its words that name a topic within that part
    # (() when it asks for the whole part: 四川2025年有什么打算).
    section: str = ""
    section_topic: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, lexicon: Lexicon | None = None) -> Query:
        """Analyse `text` (a checked, non-empty question) against the reports' `lexicon`."""
        lexicon = lexicon or AnyWords()
        text = text.strip()
        folded = fold(text)
        lowered = folded.lower()
        if len(lowered) != len(folded):  # lower() may lengthen a rare letter: keep offsets
            lowered = folded
        words = cut(lowered)
        tokens = [t for t in tokens_of(re.sub(r"\s+", " ", lowered).strip(), words)
                  if t.lstrip("#") not in DEMONSTRATIVES]
        expansions = lexicon.expansions(tokens)
        kind = asked_kind(folded)
        asked = refusable = None
        places = find_places(folded, lexicon.regions())
        # Pinyin place names (Sichuan, Luohu District) in questions written in English; a
        # Chinese question's Latin word is an acronym (ODR, GDP), and looking for pinyin in
        # it would load pypinyin's phrase table (≈ 40 MB) for nothing.
        if re.search(r"[A-Za-z]{3}", folded) and not re.search(r"[\u3400-\u9fff]", folded):
            places += find_places_in_english(folded, lexicon.regions())
        places = tuple(places) or tuple(find_national(folded))  # 2023年全国城镇新增就业多少人
        expansions = _without_place_words(expansions, places)
        if kind is not None:
            start, end = asking_span(lowered, kind[0])
            asking_words = _words_within(_place_words(words, places), start, end)
            asked = Asked.of(folded, lowered[start:end], asking_words, lexicon.contains, lexicon.translations,
                             {p.written for p in places}, lambda w: _tag(lexicon, w))
            refusable = is_refusable(folded, folded[start:end])
        named = asked_years(folded)
        years = tuple(sorted(set(named)))
        present = tuple(sorted((t, w, lexicon.contains(t)) for t, w in question_terms(words).items()))
        section = asked_section(folded) if asked is None else ""
        naming = document_years(folded)
        report_years = tuple(y for y in years if y in naming)
        # A report's year is the year of its plan (2021年政府工作报告提出的增长目标: 2021's), and
        # a year also named apart from the report's name is asked (2025年报告说2025年…).
        plans = section == "plan" or bool(_ASKS_PLAN.search(folded))
        content_years = tuple(y for y in years if named.count(y) > naming.count(y) or plans)
        # The one year the whole question is about. A year carries on from a first ask to the
        # next (2022年末有多少家？比上年末增长多少？), but one that only a later ask names is that
        # ask's alone (目前惠及多少家？2024年打算怎么做？).
        asking = asking_clauses(folded)
        whole = len(content_years) == 1 and (len(asking) < 2 or bool(asked_years(asking[0])))
        year = content_years[0] if whole else ""
        topic = topic_words(words, {p.written for p in places}) if section else ()
        return cls(text, folded, tuple(words), tuple(tokens), expansions, asked, bool(refusable), present,
                   _highlight_terms(words), places, years, report_years, content_years, year, section, topic)

    def asks_what_was_done(self) -> bool:
        """Tell whether the question asks for a figure of results: a count, amount, percentage
        or date, with no word of a plan in it (2024年机场旅客吞吐量是多少, not 2024年目标是多少):
        a year's results are in the next report's review, its plan states targets."""
        asked = self.asked
        return (asked is not None and asked.kind in FIGURE_KINDS and not asked.wants_target
                and not _ASKS_PLAN.search(self.folded))

    def literal_share(self, leaving_out: Collection[str] = ()) -> float:
        """Return the share of the question's word weight that the reports use, the words in
        `leaving_out` aside: how far the question is put in the reports' own words."""
        kept = [(w, here) for t, w, here in self.words_present if t not in leaving_out]
        total = sum(w for w, _ in kept)
        return sum(w for w, here in kept if here) / total if total else 0.0

    @property
    def translations(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(English word of the question, the reports' words that stood in for it), sorted."""
        return tuple(sorted((word, tuple(sorted(found))) for word, found in self.expansions.items()))


# Words that follow a place's name in English (Luohu District): the place is read as a
# place (rag.places); translated as words, "district" would look for 地区 in every report.
_ADMINISTRATIVE_WORDS = frozenset("district city province county prefecture municipality region autonomous".split())


def _without_place_words(expansions: dict[str, frozenset[str]], places: tuple[Place, ...]) -> dict[str, frozenset[str]]:
    """Drop the translations of a question's English place names and the words around them."""
    english_names = {w for p in places if p.written.isascii() for w in re.findall(r"[a-z]+", p.written.lower())}
    if not english_names:
        return expansions
    drop = english_names | _ADMINISTRATIVE_WORDS
    return {t: words for t, words in expansions.items() if t not in drop}


def _place_words(words: list[str], places: Sequence[Place]) -> list[str]:
    """Return the words with each place name written as one (坪山区, which jieba's dictionary
    lacks, cut 坪 / 山区: the mountain areas of a report are no word of the question): the
    words' boundaries, less those inside a place name, plus its two ends."""
    spans = [(p.start, p.end) for p in places if p.end > p.start]
    if not spans:
        return words
    text = "".join(words)
    cuts = set(accumulate(map(len, words), initial=0))
    cuts = {c for c in cuts if not any(a < c < b for a, b in spans)} | {c for span in spans for c in span}
    cuts = sorted(c for c in cuts if c <= len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


def _words_within(words: list[str], start: int, end: int) -> list[str]:
    """Return the words lying inside [start, end) of the text they cover."""
    out, pos = [], 0
    for w in words:
        if pos >= start and pos + len(w) <= end:
            out.append(w)
        pos += len(w)
    return out


def _highlight_terms(words: list[str]) -> tuple[str, ...]:
    """Return the question's search-mode content words, longest first."""
    found = {w.strip() for w in search_words(words)}
    terms = [w for w in found if w and w not in STOPWORDS and (len(w) >= 2 or w.isdigit())
             and has_word_character(w)]
    return tuple(sorted(terms, key=lambda w: (-len(w), w)))
