"""Answer step: hits → the exact span that answers a factual question, or none.

Nothing is generated: an answer is a span of a cited passage (a count with its unit,
an amount, a percentage, a date, a 《title》, a “named” campaign, a case or a person),
chosen when the question asks for that kind of thing and the sentence around the span
holds enough of the question's words. When no span fits with confidence there is no
answer, and the passages speak for themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .normalize import fold
from .passage import Hit
from .question import (
    ASKS_DAY,
    DIGITS,
    NAMED,
    TYPED_KINDS,
    UNIT_ASKED,
    UNITS,
    Asked,
    asked_kind,
    asking_part,
    literal_share,
    question_terms,
    refusable,
    same_units,
)
from .segment import _jieba

__all__ = ["Answer", "Reply", "asked_kind", "extract_answer", "holds_asked_kind", "judge_answerable",
           "question_terms", "refusable"]

_NUM = rf"[{DIGITS}]+(?:[.．][{DIGITS}]+)?"
PATTERNS = {
    "percent": re.compile(rf"{_NUM}\s*[％%]|{_NUM}个百分点"),
    # 90余件, 1.07万家次, and the report's own 154余万件.
    "count": re.compile(rf"(?:约|近)?(?:{_NUM}(?:余|多)?[万亿]?|[一二两三四五六七八九十百千]+)(?:余|多)?(?:{UNITS})"),
    "date": re.compile(rf"[{DIGITS}]{{4}}年(?:度|[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
                       rf"(?:\s*[—\-－至到]\s*(?:[{DIGITS}]{{4}}年)?[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"),
    "title": re.compile(r"《[^《》]{2,60}》"),
    "quoted": re.compile(r"“[^“”]{2,40}”|‘[^‘’]{2,40}’"),
    "case": re.compile(r"某[^，。；、“”《》\s]{2,40}?案(?![件例])"),
    "award": re.compile(r"[一二三特]等奖|优秀奖|金奖|银奖|铜奖|优胜奖"),
    # An issuing or receiving body: 上海市市场监督管理局, 市委依法治市办, 市场监管总局.
}
# A body's name ends in one of these; the name runs back to a non-Chinese character or
# to a character that joins or introduces bodies (与 和 同 及 向 由 经 对 在 据 照 合 选 会 的).
_ORG_SUFFIX = re.compile(r"(?:管理局|总局|局|委员会|委|政府|办公厅|办公室|办|检察院|法院|研究院|院|厅|公司|大学|学院|中心|协会|"
                         r"联合会|工商联)(?:(?![\u3400-\u9fff])|(?=[共等牵联会签的和与及]))")
_ORG_STARTS_AFTER = frozenset("与和同及向由经对在据照合选会的")
# …办 that is a way of handling things, not an office: 一网通办, 帮办, 督办.
_NOT_AN_OFFICE = re.compile(r"(?:通|好|帮|网|交|督|承|协|代|查|快|合)办$")
_ORG_MAX = 20
# How far after a name its head noun may stand (“安全守护开学季”2个集中整治周行动).
_HEAD_WINDOW = 20


def _names_title_word(term: str, titles: str) -> bool:
    """Tell whether `term` is a word of a title or its abbreviation: its characters in
    order within a short stretch of one line (市场监管局 for 市场监督管理局)."""
    if term in titles:
        return True
    if len(term) < 3:
        return False
    pattern = re.compile(".{0,2}".join(map(re.escape, term)))
    return any(pattern.search(line) for line in titles.splitlines())


@dataclass(frozen=True)
class Answer:
    """A span of the report that answers the question directly."""

    text: str
    source: str
    start: int
    end: int
    hit_rank: int

    def to_dict(self) -> dict:
        return {"text": self.text, "source": self.source, "start": self.start, "end": self.end,
                "hit_rank": self.hit_rank}


@dataclass(frozen=True)
class Reply:
    """What `Retriever.ask` gives: the hits, a direct answer if one fits, and whether
    the report answers the question at all (when not, `answer` is None and the hits
    are only the nearest passages)."""

    question: str
    hits: tuple[Hit, ...]
    answer: Answer | None
    answerable: bool
    # (English word of the question, the report's words that stood in for it), if any.
    translations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def translated_words(self) -> tuple[str, ...]:
        """Return the report's words that stood in for the question's English words."""
        return tuple(sorted({w for _, words in self.translations for w in words}))

    def to_dict(self) -> dict:
        """Return the JSON shape of `rag.ask --json`."""
        return {"question": self.question, "answerable": self.answerable,
                "answer": self.answer.to_dict() if self.answer else None,
                "hits": [h.to_dict() for h in self.hits],
                "translations": {word: list(words) for word, words in self.translations}}


def extract_answer(question: str, hits: list[Hit], *, report_years: frozenset[str] = frozenset(),
                   report_titles: str = "", in_corpus: Callable[[str], bool] = lambda t: True,
                   translate: Callable[[str], Collection[str]] = lambda w: (),
                   max_hits: int = 3) -> Answer | None:
    """Return the best-supported answer span among the top hits, or None.

    `report_years` are years a report speaks of throughout (its title's), so a question
    naming one needn't find it in the passage. Words of `report_titles` (上海市, 2023) say
    what the whole report is about, not which sentence answers, so outside the title
    itself they don't count as support (上海市2023年的常住人口是多少 is not answered by a
    sentence on 上海市 in 2023 that never mentions 常住人口). `in_corpus` tells whether a
    word occurs in the indexed reports; `translate` gives an English word's Chinese
    translations found there (rag.crosslingual), which then hold that word's place.
    """
    asked = Asked.of(fold(question), in_corpus, translate)
    if asked is None:
        return None
    topical = {t: w for t, w in asked.terms.items() if not _names_title_word(t, report_titles)}
    years = asked.years - set(report_years)
    best: tuple[float, Answer] | None = None
    for hit in hits[:max_hits]:
        scope = "".join(hit.heading_path) + hit.passage.context + hit.text
        if any(y + "年" not in scope for y in years):
            continue  # the question is about a year this passage does not speak of
        if any(q not in scope for q in asked.quoted):
            continue  # a name the question quotes must be there
        terms = asked.terms if not hit.heading_path else topical  # the title passage has none
        for candidate in _candidates(asked, hit, terms):
            if best is None or candidate[0] > best[0]:
                best = candidate
    return best[1] if best else None


def _candidates(asked: Asked, hit: Hit, terms: dict[str, float]) -> Iterator[tuple[float, Answer]]:
    """Yield (score, answer) for each span of the asked kind in the hit that its sentence
    supports."""
    total = sum(terms.values())
    if not total:
        return
    heads = list(asked.heads)
    for start, end in _spans(hit.text, asked.patterns, heads):
        span = hit.text[start:end]
        if not _fits(asked.kind, span, asked.unit, heads, _bare_after(hit.text, end), asked.question):
            continue
        # The sentence must hold the question; the span's own clause says which span it
        # means (检查企业3355家，约谈企业216家: 约谈 → 216家).
        sentence = _around(hit.text, start, end, "。！？；")
        support = _support(terms, asked.forms, sentence + "".join(hit.heading_path)) / total
        if support < asked.min_support:
            continue
        clause = _around(hit.text, start, end, "。！？；，、：\n")
        local = _support(terms, asked.forms, clause) / total
        if asked.kind in ("count", "amount", "percent") and not local:
            continue  # a number whose own clause shares no word is about something else
        score = (support + 2 * local + 0.5 * _bigram_overlap(asked.question, clause)
                 + 0.1 * _nearness(terms, asked.forms, hit.text, start, end) - 0.1 * (hit.rank - 1))
        yield score, Answer(span, hit.source, hit.start + start, hit.start + end, hit.rank)


def holds_asked_kind(question: str, texts: Sequence[str]) -> list[bool]:
    """Tell, for each text, whether it holds a span of the kind the question asks for
    when that kind is a count (with the asked unit), amount, percentage or date (a day
    for 哪天); all False for other questions. Retrieval favours such passages a little:
    a question asking 哪天 is answered by a passage with a date in it."""
    question = fold(question)
    asked = asked_kind(question)
    if asked is None or asked[0] not in TYPED_KINDS:
        return [False] * len(texts)
    kind, patterns = asked
    asking = asking_part(question, kind)
    unit = UNIT_ASKED.search(asking)
    return [any(_fits(kind, text[start:end], unit, [], "", question) for start, end in _spans(text, patterns, []))
            for text in texts]


def _spans(text: str, patterns: tuple[str, ...], heads: list[str]) -> list[tuple[int, int]]:
    """Return the spans of `text` that match the patterns; a number or date inside a
    《title》 belongs to the title (《…纲要（2021—2025年）》 says nothing about when)."""
    titles = [m.span() for m in PATTERNS["title"].finditer(text)]
    spans = []
    for name in patterns:
        if name == "person":
            found = _person_spans(text)
        elif name == "org":
            found = _org_spans(text)
        elif (name != "case" or "案" in heads) and (name != "award" or "奖" in heads):
            found = [m.span() for m in PATTERNS[name].finditer(text)]
        else:
            continue
        if name in ("count", "percent", "date"):
            found = [(a, b) for a, b in found if not any(ta < a and b < tb for ta, tb in titles)]
        spans += found
    return spans


def _fits(kind: str, span: str, unit, heads: list[str], after: str, question: str) -> bool:
    """Tell whether a span is the kind of thing the question asks for."""
    if kind == "date" and span.endswith("年度") and not re.search(r"年度|哪年|哪一年", question):
        return False  # 2022年度 names a period, not when something happened
    if kind == "date" and ASKS_DAY.search(question) and not span.endswith("日"):
        return False  # 哪天 wants a day, not a month
    if kind == "amount":
        return span.endswith("元")
    if unit and kind in ("count", "percent"):
        wanted = unit.group(1)
        return (any(span.endswith(u) for u in same_units(wanted))
                or (wanted in "个项" and span.endswith("个百分点")))
    if kind == "name":
        if span.strip("“”‘’《》") in question:
            return False  # the question already names it: it can't be the answer
        return not heads or any(h in span or h in after for h in heads)
    return True


def _bare_after(text: str, end: int) -> str:
    """Return the text right after a span without the titles and quotes in it, whose
    own head nouns belong to them, not to the span (《A规定》《B条例》: A is no 条例)."""
    after = NAMED.sub("", text[end : end + 3 * _HEAD_WINDOW])
    return after[:_HEAD_WINDOW]


def _bigram_overlap(question: str, clause: str) -> float:
    """Share of the question's character bigrams in the clause (survives a typo)."""
    grams = {question[i : i + 2] for i in range(len(question) - 1)
             if all("\u3400" <= c <= "\u9fff" for c in question[i : i + 2])}
    return sum(g in clause for g in grams) / len(grams) if grams else 0.0


def _nearness(terms: dict[str, float], forms: Mapping[str, Iterable[str]], text: str, start: int,
              end: int) -> float:
    """Return the share of question words that stand right next to the span."""
    return _support(terms, forms, text[max(0, start - 6) : end + 6]) / sum(terms.values())


def _around(text: str, start: int, end: int, stops: str) -> str:
    left = max(text.rfind(ch, 0, start) for ch in stops) + 1
    rights = [i for i in (text.find(ch, end) for ch in stops) if i != -1]
    return text[left : min(rights) if rights else len(text)]


def _org_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of bodies (上海市市场监督管理局, 市委依法治市办, 市场监管总局): back from
    each body suffix to the start of the name, which follows a non-Chinese character or
    a word that joins or introduces bodies (与市网信办共同开展, 根据市委依法治市委员会的部署).
    An anonymised 某…公司 is no name."""
    spans = []
    for m in _ORG_SUFFIX.finditer(text):
        start = m.start()
        while start > 0 and m.end() - start < _ORG_MAX and _is_han(text[start - 1]) \
                and text[start - 1] not in _ORG_STARTS_AFTER:
            start -= 1
        starts_name = start == 0 or not _is_han(text[start - 1]) or text[start - 1] in _ORG_STARTS_AFTER
        if m.start() > start and starts_name and text[start] != "某" and not _NOT_AN_OFFICE.search(text[start:m.end()]):
            spans.append((start, m.end()))
    return spans


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _person_spans(text: str) -> list[tuple[int, int]]:
    import jieba.posseg as posseg

    _jieba()
    spans, pos = [], 0
    for pair in posseg.cut(text):
        if pair.flag == "nr" and len(pair.word) >= 2:
            spans.append((pos, pos + len(pair.word)))
        pos += len(pair.word)
    return spans


def _support(terms: dict[str, float], forms: Mapping[str, Iterable[str]], text: str) -> float:
    """Return the weight of the question words that `text` holds in any of their forms."""
    return sum(weight for term, weight in terms.items() if any(f in text for f in forms[term]))


# --------------------------------------------------------------- not in the report
# A factual question put in the report's own words (at least this share of its word
# weight occurs in the corpus) whose passages hold no span of the asked kind is one the
# report does not answer. Questions in other words (paraphrase, English) are never
# refused on that ground: their lack of a span says more about wording than content.
LITERAL_SHARE = 0.4
# Below this fused score the best passage shares neither words nor meaning.
NOTHING_SCORE = 0.05


def judge_answerable(question: str, hits: list[Hit], answer: Answer | None,
                     in_corpus: Callable[[str], bool]) -> bool:
    """Decide whether the hits answer the question (rule above, measured by eval.run)."""
    if answer is not None:
        return True
    if not hits or hits[0].score < NOTHING_SCORE:
        return False
    return not (refusable(question) and literal_share(question, in_corpus) >= LITERAL_SHARE)
