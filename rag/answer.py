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
from .segment import STOPWORDS, _jieba

_D = "0-9０-９"
_NUM = rf"[{_D}]+(?:[.．][{_D}]+)?"
_UNITS = "个百分点|家次|户次|人次|批次|台件|万元|亿元|个|家|件|条|项|部|批|次|期|名|位|人|台|户|元|份|起|宗|种|类|倍|只|所|场"
PATTERNS = {
    "percent": re.compile(rf"{_NUM}\s*[％%]|{_NUM}个百分点"),
    "count": re.compile(rf"(?:约|近)?(?:{_NUM}[万亿]?|[一二两三四五六七八九十百千]+)(?:余|多)?(?:{_UNITS})"),
    "date": re.compile(rf"[{_D}]{{4}}年(?:度|[{_D}]{{1,2}}月(?:[{_D}]{{1,2}}日)?)?"
                       rf"(?:\s*[—\-－至到]\s*(?:[{_D}]{{4}}年)?[{_D}]{{1,2}}月(?:[{_D}]{{1,2}}日)?)?"),
    "title": re.compile(r"《[^《》]{2,60}》"),
    "quoted": re.compile(r"“[^“”]{2,40}”|‘[^‘’]{2,40}’"),
    "case": re.compile(r"某[^，。；、“”《》\s]{2,40}?案(?![件例])"),
    # An issuing or receiving body: 上海市市场监督管理局, 市委依法治市办, 市场监管总局.
    "org": re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,20}?(?:管理局|总局|局|委员会|委|办公厅|办公室|办|"
                      r"检察院|法院|研究院|院|厅|公司|大学|学院|中心|协会|联合会|工商联)(?![\u4e00-\u9fff])"),
}
# What the question asks for, tried in order, and the patterns that can answer it.
_ASKS = [
    ("person", re.compile(r"是谁|哪位|哪几位|什么人|\bwho\b", re.I), ("person",)),
    ("date", re.compile(r"什么时候|何时|哪天|哪一天|哪年|哪一年|哪个年度|几月|几号|日期|什么时间|\bwhen\b|what date|which year", re.I), ("date",)),
    ("amount", re.compile(r"多少钱|金额|总额|罚款|罚了多少|how much money", re.I), ("count",)),
    ("percent", re.compile(r"[率比]是多少|率达|率为|百分之|百分点|\bpercent|\brate\b", re.I), ("percent",)),
    ("count", re.compile(r"多少|(?<!第)几[个家件条项部批次期名位人台户份起宗种类]|how many|how much|数量", re.I), ("count", "percent")),
    ("org", re.compile(r"哪个单位|哪些单位|哪个部门|哪些部门|什么单位|什么部门|哪个机构|什么机构|哪家|哪所|哪个机关|"
                       r"\bwhich (?:body|bodies|department|agency|organi[sz]ation)", re.I), ("org",)),
    ("name", re.compile(r"哪部|哪个|哪项|哪些|哪一部|哪一项|哪所|哪家|哪类|哪一类|什么名字|叫什么|名称|全称|是什么|\bwhich\b|\bname\b", re.I),
     ("title", "quoted", "case")),
]
# The kinds whose spans are precise enough for retrieval to favour the passages holding
# one (holds_asked_kind). Persons and bodies were tried as well: they helped the first
# question set and hurt the held-out one, so they are left out.
TYPED_KINDS = ("count", "amount", "percent", "date")
# “Which measures / what work” asks for a description, not a name: no span answers it.
_ASKS_DESCRIPTION = re.compile(r"(?:哪些|什么|哪几项|哪几个)(?:具体|主要|新的?)?(?:措施|举措|做法|工作|方面|改进|成效|成绩|"
                               r"问题|不足|经验|亮点|变化)")
_QUOTED_IN_QUESTION = re.compile(r"[“「‘\"]([^”」’\"]+)[”」’\"]")
_NAMED = re.compile(r"《[^《》]*》|“[^“”]*”|‘[^‘’]*’")
_NAMING_CUE = re.compile(r"叫什么|什么名字|名称|全称|哪一类|哪类|\bname\b", re.I)
_UNIT_ASKED = re.compile(rf"(?:多少|(?<!第)几)({_UNITS})")
_YEAR = re.compile(rf"([{_D}]{{4}})年")
_ASKS_DAY = re.compile(r"哪天|哪一天|几号|what date|which day", re.I)
_ENGLISH_YEAR = re.compile(r"\b((?:19|20)\d{2})\b", re.ASCII)
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Nouns that say what kind of name is wanted: an answer must contain one the question
# uses, or be followed by it closely (“安全守护开学季”2个集中整治周行动).
_NAME_HEADS = ("条例", "办法", "规定", "指引", "方案", "纲要", "规划", "标准", "规范", "规则", "意见", "清单",
               "课题", "案例", "案", "行动", "活动", "项目", "备忘录", "协议", "公司", "机构", "单位", "奖",
               "平台", "品牌", "大学", "专家", "研究", "制度", "机制")
_HEAD_WINDOW = 20
# Share of the question's word weight that the answer's sentence must hold; more for
# an English question, whose words reach the sentence through dictionary translations
# (0.4 let 2 wrong answers of 11 through on the 33 English questions of eval/, 0.5 none).
MIN_SUPPORT = 0.4
MIN_SUPPORT_ENGLISH = 0.5
# Words that ask rather than say what about: the kind of answer, not its topic.
_QUESTION_WORD = re.compile(r"^(?:多少|几|哪|什么|谁|怎么|如何|是否|有没有|一共|总共|大概|大约|具体|分别|请问|叫|"
                            r"日期|时间|名字|名称|全称|数量|金额|总额)")


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


def asked_kind(question: str) -> tuple[str, tuple[str, ...]] | None:
    """Return what a question asks for (kind, answer patterns), or None if not factual."""
    for kind, cue, patterns in _ASKS:
        if cue.search(question):
            if kind == "name" and _ASKS_DESCRIPTION.search(question):
                return None
            return kind, patterns
    return None


def question_terms(question: str, in_corpus: Callable[[str], bool] = lambda t: True) -> dict[str, float]:
    """Return the question's content words with weights: longer words say more, and a
    word the report never uses counts double (an answer that ignores it is suspect)."""
    words = {w.strip() for w in _jieba().lcut(question)}
    terms = {}
    for w in words:
        if len(w) >= 2 and w.lower() not in STOPWORDS and re.search(r"[\w\u3400-\u9fff]", w) \
                and not _QUESTION_WORD.search(w):
            terms[w] = float(min(len(w), 4)) * (1.0 if in_corpus(w) else 2.0)
    return terms


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
    asked = _Asked.of(fold(question), in_corpus, translate)
    if asked is None:
        return None
    topical = {t: w for t, w in asked.terms.items() if t not in report_titles}
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


@dataclass(frozen=True)
class _Asked:
    """What a factual question asks for, and the words an answer's sentence must hold."""

    question: str
    kind: str
    patterns: tuple[str, ...]
    terms: dict[str, float]
    forms: dict[str, tuple[str, ...]]
    min_support: float
    unit: re.Match | None
    years: frozenset[str]
    heads: tuple[str, ...]
    quoted: tuple[str, ...]

    @classmethod
    def of(cls, question: str, in_corpus: Callable[[str], bool],
           translate: Callable[[str], Collection[str]]) -> _Asked | None:
        asked = asked_kind(question)
        if asked is None:
            return None
        kind, patterns = asked
        asking = _asking_part(question, kind)
        english = _term_forms(asking, translate)
        terms = question_terms(asking, lambda t: in_corpus(t) or len(english.get(t, ())) > 1)
        return cls(question, kind, patterns, terms, {t: english.get(t, (t,)) for t in terms},
                   MIN_SUPPORT_ENGLISH if english else MIN_SUPPORT, _UNIT_ASKED.search(asking),
                   frozenset(_YEAR.findall(asking) + _ENGLISH_YEAR.findall(asking)),
                   tuple(h for h in _NAME_HEADS if h in _NAMED.sub("", asking)) if kind == "name" else (),
                   tuple(q for q in _QUOTED_IN_QUESTION.findall(question) if len(q) >= 2))


def _candidates(asked: _Asked, hit: Hit, terms: dict[str, float]) -> Iterator[tuple[float, Answer]]:
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
    asking = _asking_part(question, kind)
    unit = _UNIT_ASKED.search(asking)
    return [any(_fits(kind, text[start:end], unit, [], "", question) for start, end in _spans(text, patterns, []))
            for text in texts]


def _asking_part(question: str, kind: str) -> str:
    """Return the part of a question (between ？，；) that holds its question word: a
    question may ask two things (2023年办了几期，2024年还会不会继续？)."""
    cue = next(c for k, c, _ in _ASKS if k == kind)
    for part in re.split(r"[？?，,；;。]", question):
        if cue.search(part):
            return part
    return question


def _spans(text: str, patterns: tuple[str, ...], heads: list[str]) -> list[tuple[int, int]]:
    spans = []
    for name in patterns:
        if name == "person":
            spans += _person_spans(text)
        elif name == "org":
            # An anonymised 某…公司 is no name; sentence stops keep bodies apart.
            spans += [m.span() for m in PATTERNS["org"].finditer(text) if not m.group().startswith("某")]
        elif name != "case" or "案" in heads:
            spans += [m.span() for m in PATTERNS[name].finditer(text)]
    return spans


def _fits(kind: str, span: str, unit, heads: list[str], after: str, question: str) -> bool:
    """Tell whether a span is the kind of thing the question asks for."""
    if kind == "date" and span.endswith("年度") and not re.search(r"年度|哪年|哪一年", question):
        return False  # 2022年度 names a period, not when something happened
    if kind == "date" and _ASKS_DAY.search(question) and not span.endswith("日"):
        return False  # 哪天 wants a day, not a month
    if kind == "amount":
        return span.endswith("元")
    if unit and kind in ("count", "percent"):
        wanted = unit.group(1)
        return span.endswith(wanted) or (wanted in "个项" and span.endswith("个百分点"))
    if kind == "name":
        if span.strip("“”‘’《》") in question:
            return False  # the question already names it: it can't be the answer
        return not heads or any(h in span or h in after for h in heads)
    return True


def _bare_after(text: str, end: int) -> str:
    """Return the text right after a span without the titles and quotes in it, whose
    own head nouns belong to them, not to the span (《A规定》《B条例》: A is no 条例)."""
    after = _NAMED.sub("", text[end : end + 3 * _HEAD_WINDOW])
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


def _term_forms(question: str, translate: Callable[[str], Collection[str]]) -> dict[str, tuple[str, ...]]:
    """Return {English word of the question: (itself, its translations)}."""
    return {w: (w, *sorted(translate(w.lower()))) for w in _ENGLISH_WORD.findall(question)}


# --------------------------------------------------------------- not in the report
# A factual question put in the report's own words (at least this share of its word
# weight occurs in the corpus) whose passages hold no span of the asked kind is one the
# report does not answer. Questions in other words (paraphrase, English) are never
# refused on that ground: their lack of a span says more about wording than content.
LITERAL_SHARE = 0.4
# Below this fused score the best passage shares neither words nor meaning.
NOTHING_SCORE = 0.05


def literal_share(question: str, in_corpus: Callable[[str], bool]) -> float:
    """Return the share of the question's word weight that occurs in the corpus."""
    question = fold(question)
    plain = question_terms(question)
    if not plain:
        return 0.0
    return sum(w for t, w in plain.items() if in_corpus(t)) / sum(plain.values())


def judge_answerable(question: str, hits: list[Hit], answer: Answer | None,
                     in_corpus: Callable[[str], bool]) -> bool:
    """Decide whether the hits answer the question (rule above, measured by eval.run)."""
    if answer is not None:
        return True
    if not hits or hits[0].score < NOTHING_SCORE:
        return False
    return not (refusable(question) and literal_share(question, in_corpus) >= LITERAL_SHARE)


def refusable(question: str) -> bool:
    """Tell whether the question asks for a kind of span that we would find if present:
    a number, date, person or body, or a name whose kind it says (哪部条例, 叫什么).
    “哪些改进” asks for a list of anything, so finding no name proves nothing."""
    question = fold(question)
    asked = asked_kind(question)
    if asked is None:
        return False
    if asked[0] != "name":
        return True
    asking = _NAMED.sub("", _asking_part(question, "name"))
    return any(h in asking for h in _NAME_HEADS) or bool(_NAMING_CUE.search(asking))
