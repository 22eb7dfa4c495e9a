"""One grammar of spans: the pieces of report text that are one thing and must stay whole.

A number with its unit (7968家, 1.07万家次, 96.1％), a date or date range (2023年1月—11月),
a 《title》, a “quote”, a bracket, a body's name (市网信办) and a person's name. The chunker
never cuts inside `protected_spans`; the answer step returns only spans found by `find`;
the highlighter marks `NUMBER` spans. Every pattern of this file is written once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .patterns import lazy_pattern

DIGITS = "0-9０-９"
_NUM = rf"[{DIGITS}]+(?:[.．][{DIGITS}]+)?"
# Units and measure words of counts, longer ones first where one ends another (平方米 before
# 米, 家次 before 家). 万 and 亿 before a unit are read as part of the number (1002万千瓦).
UNITS = ("个百分点|百分点|微克/立方米|毫克/立方米|立方米/日|吨/日|平方公里|平方米|立方米|千瓦时|千瓦|兆瓦|吨标准煤|"
         "标箱|公里|千米|千公顷|公顷|亩|千克|公斤|吨|斤|家次|户次|人次|批次|架次|车次|台次|班次|台件|台套|美元|港元|港币|欧元|日元|元|"
         "个工作日|工作日|小时|分钟|天|周(?!年)|岁|个|家|件|条|项|部|批|次|期|名|位|人|台|户|份|起|宗|种|类|倍|只|所|场|座|"
         "辆|艘|架|列|趟|头|株|棵|套|间|张|册|本|篇|首|届|轮|例|笔|处|栋|幢|层|口|根|支|箱|米|单|片|块|颗|枚|盏")

# What the chunker protects: dates and date ranges (2019年3月至2023年11月, 2023年1月—11月,
# 2024年1月5日) and quantities with whatever one- or two-character unit follows
# (7968家, 1.07万家次, 96.1％, 7.8亿元, 10万余条, 2.0版).
NUMBER_WITH_UNIT = lazy_pattern(
    rf"[{DIGITS}]{{2,4}}年(?:[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
    rf"(?:\s*[—\-－~～至到]\s*(?:[{DIGITS}]{{2,4}}年)?[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
    rf"|[{DIGITS}]+(?:[.．][{DIGITS}]+)?[万亿千百]?[余多]?(?:[％%‰]|[\u4e00-\u9fff]{{1,2}})?"
)
BRACKETED = lazy_pattern(r"《[^《》]*》|“[^“”]*”|‘[^‘’]*’|「[^「」]*」|（[^（）]*）|\([^()]*\)")
# Titles and quotes, whose own words (and head nouns) belong to them.
NAMED = lazy_pattern(r"《[^《》]*》|“[^“”]*”|‘[^‘’]*’")
# A number as the highlighter marks it: with 万/亿, 余, and a percent sign or a short unit.
NUMBER = lazy_pattern(rf"{_NUM}(?:[万亿])?(?:余|多)?(?:[％%]|[\u4e00-\u9fff]{{1,2}}(?=[，。、；）\s]|$))?")

# The spans an answer can be, by kind. A pattern that starts with a lookahead of the
# characters its matches can start with is the same pattern, 1.4-3.6 times faster to search
# with: `re` then rejects most positions after one character instead of trying every branch.
PATTERNS = {
    # with the qualifier a target or a result carries: 5%左右, 4000个以上, 97%以上; and a rate
    # per thousand (出生率为7.20‰)
    # and a share written as a fraction (占全国1/3, 三分之一)
    "percent": lazy_pattern(rf"(?=[约近超逾不{DIGITS}一二三四五六七八九十])(?:约|近|超过|超|逾|不低于|不高于)?"
                            rf"(?:{_NUM}\s*[％%‰]|{_NUM}个百分点|(?<![{DIGITS}/.．])[1-9][0-9]?/[1-9][0-9]?(?![{DIGITS}/])|"
                            r"[一二三四五六七八九十]+分之[一二三四五六七八九十]+)(?:左右|以上|以内|以下)?"),
    # 90余件, 1.07万家次, and the report's own 154余万件; not after 第, which ranks (全国第1位).
    # Units written in Latin letters, two or more or after 万/亿 (15EFlops, 38GWh, 8.7万P): not
    # 5G, 4A. People counted in 万 with no measure word, the noun before saying what (入境游客
    # 111万、增长115.6%; 参保人数达609万).
    "count": lazy_pattern(rf"(?=[约近超逾不{DIGITS}一二两三四五六七八九十百千])(?:"
                          rf"(?<![第{DIGITS}一二两三四五六七八九十百千])(?:约|近|超过|超|逾|不少于|不低于)?"
                          rf"(?:{_NUM}(?:余|多)?[万亿]{{0,2}}|[一二两三四五六七八九十百千]+)(?:余|多)?(?:{UNITS})"
                          rf"(?:左右|以上|以内|以下)?"
                          rf"|(?<![A-Za-z{DIGITS}.])(?:约|近|超过|超|逾)?{_NUM}(?:[万亿][A-Za-z]{{1,6}}|[A-Za-z]{{2,6}})(?![A-Za-z])"
                          rf"|(?<![A-Za-z{DIGITS}.])(?:约|近|超过|超|逾)?{_NUM}(?:多|余)?[万亿](?:左右|以上)?(?=[，。、；）)\s]|$))"),
    "date": lazy_pattern(rf"[{DIGITS}]{{4}}年(?:度|[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
                       rf"(?:\s*[—\-－至到]\s*(?:[{DIGITS}]{{4}}年)?[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"),
    # how many years (连续29年, 5年来): a number too small to be a year, then 年
    "years": lazy_pattern(r"(?=[\d一二两三四五六七八九十])(?<![\d.])(?:\d{1,3}|[一二两三四五六七八九十]+)个?年(?![度份级\d])"),
    # a place in a ranking: 全国第二, 第3位, 居全国首位
    "rank": lazy_pattern(rf"(?=[全世中西东第首])(?:全国|全省|全市|全区|全球|世界|中部|西部|东部|东北)?"
                       rf"(?:第(?:[{DIGITS}]+|[一二三四五六七八九十]+)(?:位|名|家|个|批|座|所|条)?|首(?:位|家|个|批|座|所|条))"),
    "title": lazy_pattern(r"《[^《》]{2,60}》"),
    "quoted": lazy_pattern(r"“[^“”]{2,40}”|‘[^‘’]{2,40}’"),
    "case": lazy_pattern(r"某[^，。；、“”《》\s]{2,40}?案(?![件例])"),
    "award": lazy_pattern(r"[一二三特]等奖|优秀奖|金奖|银奖|铜奖|优胜奖"),
}
# Kinds whose spans inside a 《title》 belong to the title (《…纲要（2021—2025年）》 says
# nothing about when).
_NOT_INSIDE_TITLES = ("count", "percent", "date", "years", "rank")

# A body's name ends in one of these; the name runs back to a non-Chinese character or
# to a character that joins or introduces bodies (与 和 同 及 向 由 经 对 在 据 照 合 选 会 的).
_ORG_SUFFIX = lazy_pattern(r"(?:管理局|总局|局|委员会|委|政府|办公厅|办公室|办|检察院|法院|研究院|院|厅|公司|大学|学院|中心|协会|"
                         r"联合会|工商联)(?:(?![\u3400-\u9fff])|(?=[共等牵联会签的和与及]|关于))")
_ORG_STARTS_AFTER = frozenset("与和同及向由经对在据照合选会的")
# …办 that is a way of handling things, not an office: 一网通办, 帮办, 督办.
_NOT_AN_OFFICE = lazy_pattern(r"(?:通|好|帮|网|交|督|承|协|代|查|快|合)办$")
_ORG_MAX = 20


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Return spans of `text` that a cut must never fall strictly inside."""
    spans = [m.span() for m in NUMBER_WITH_UNIT.finditer(text)]
    spans += [m.span() for m in BRACKETED.finditer(text)]
    return spans


def find(text: str, kinds: Iterable[str]) -> list[tuple[int, int]]:
    """Return the spans of `text` of the given kinds (names of PATTERNS, "org", "person")."""
    titles = [m.span() for m in PATTERNS["title"].finditer(text)]
    spans = []
    for kind in kinds:
        if kind == "person":
            found = person_spans(text)
        elif kind == "org":
            found = org_spans(text)
        else:
            found = [m.span() for m in PATTERNS[kind].finditer(text)]
        if kind in _NOT_INSIDE_TITLES:
            found = [(a, b) for a, b in found if not any(ta < a and b < tb for ta, tb in titles)]
        spans += found
    return spans


def org_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of bodies (上海市市场监督管理局, 市委依法治市办, 市场监管总局): back from
    each body suffix to the start of the name, which follows a non-Chinese character or
    a word that joins or introduces bodies (与市网信办共同开展, 根据市委依法治市委员会的部署).
    An anonymised 某…公司 is no name."""
    spans = []
    for m in _ORG_SUFFIX.finditer(text):
        start = m.start()
        while start > 0 and m.end() - start < _ORG_MAX and is_han(text[start - 1]) \
                and text[start - 1] not in _ORG_STARTS_AFTER:
            start -= 1
        starts_name = start == 0 or not is_han(text[start - 1]) or text[start - 1] in _ORG_STARTS_AFTER
        if m.start() > start and starts_name and text[start] != "某" and not _NOT_AN_OFFICE.search(text[start:m.end()]):
            spans.append((start, m.end()))
    return spans


def person_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of persons' names (jieba's part-of-speech tag nr, two or more characters)."""
    from .segment import tagged_words

    spans, pos = [], 0
    for word, flag in tagged_words(text):
        if flag == "nr" and len(word) >= 2:
            spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


# A name that stands unquoted beside the noun that says what it is: before it (大鹏西涌社区,
# 自来水直饮示范区) or right after it (交易品种工业硅, 人形机器人天工). The words of a name are
# nouns of any kind, idioms (自来水 is tagged l), Latin words and numbers (Walker S), and
# inside it verbal nouns (数据训练基地); a verb, a measure (首个, 一批), an adverb or a
# particle ends it.
_NAME_WORD_FLAGS = ("n", "l", "eng", "j")
_NAME_MAX_WORDS = 4
# Words of scope or rank that open a phrase but name nothing (全国首个…示范区, 国家级…平台).
# One-character words that may stand right before a name (建成的X, 与X).
_JOINERS = frozenset("的与和及在由为将把向对")
_SCOPE_WORDS = frozenset("全国 全省 全市 全区 国家 国家级 省级 市级 区级 国际 我省 我市 我区 本市 一批 各类".split())


def _nameish(word: str, flag: str) -> bool:
    if word in _SCOPE_WORDS:
        return False
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*", word):
        return True
    return flag.startswith(_NAME_WORD_FLAGS) and is_han(word[0])


def _proper(word: str, known: dict[str, str]) -> bool:
    """Tell whether a word names one thing rather than a kind: a Latin word or a number, or a
    word that jieba's dictionary lacks (西涌) or lists as a place's or body's name. Not a
    person's name (nr): jieba tags common words so, in context and in its dictionary (智慧)."""
    if re.fullmatch(r"[A-Za-z0-9]+", word):
        return True
    return word not in known or known[word] in ("ns", "nt", "nz")


def headed_spans(text: str, head: str, lead: str = "") -> list[tuple[int, int]]:
    """Return the spans of names that `head` (a noun the question asks the name of: 社区,
    示范区, 品种) says what they are. Before the head: the run of name words ending in it
    (大鹏西涌社区), at least three characters before the head or one of them a proper name, so
    that a kind (示范社区, 智慧社区) is no name. After it: the run of name words right after
    `lead` + head, the question's own words (首个交易品种 → 工业硅), up to a verb or a mark.
    The head may be the end of a longer word of jieba's (吉华社区) or cut in two (合作/区)."""
    if not head:
        return []
    words = _tagged(text)
    known = _dictionary_tags([w for w, _ in words])
    starts, pos = [], 0
    for w, _ in words:
        starts.append(pos)
        pos += len(w)
    ends = {st + len(w): n for n, (w, _) in enumerate(words) for st in (starts[n],)}
    spans = []
    at = text.find(head)
    while at != -1:
        end = at + len(head)
        last = ends.get(end)  # the word the head ends with
        if last is not None:
            first = max(n for n, st in enumerate(starts) if st <= at)  # the word the head starts in
            if starts[first] < at and first != last:
                at = text.find(head, at + 1)
                continue  # 关累港口岸: jieba read 港口 + 岸, so 口岸 is no word here
            modifier = [text[starts[first] : at]] if starts[first] < at else []
            j = first
            while j > 0 and len(modifier) < _NAME_MAX_WORDS and (
                    _nameish(*words[j - 1]) or words[j - 1][1] == "vn" or _latin_gap(words, j - 1)):
                j -= 1
                modifier.insert(0, words[j][0])
            while modifier and j < first and words[j][1] == "vn":  # 建设智慧社区: the verb is no part of it
                modifier.pop(0)
                j += 1
            if j >= 2 and words[j - 1][0] in _SCOPE_WORDS and _nameish(*words[j - 2]):
                modifier = []  # 昌平南口全国重点实验室基地: the name runs on through 全国, past what we read
            if modifier and j < first and (len(words[j][0]) == 1 or (
                    j > 0 and len(words[j - 1][0]) == 1 and is_han(words[j - 1][0]) and words[j - 1][0] not in _JOINERS)):
                modifier = []  # 磨/憨/铁路口岸: a name cut inside by jieba has no sure start
            if modifier and (_nameish(modifier[-1], known.get(modifier[-1], "n")) or known.get(modifier[-1]) == "vn") and (
                    sum(map(len, modifier)) >= 3 or any(_proper(w, known) for w in modifier)):
                spans.append((at - sum(map(len, modifier)), end))
            if lead and text[max(0, at - len(lead)) : at].lower() == lead.lower():
                k = last + 1
                while k < len(words) and k - last <= _NAME_MAX_WORDS and _nameish(*words[k]):
                    k += 1
                if k > last + 1:
                    spans.append((end, starts[k] if k < len(words) else len(text)))
            apposition = _APPOSITION.match(text, end)  # 首个风投创投街区——香蜜湖国际风投创投街区
            if apposition and apposition.group(1).endswith(head):
                spans.append(apposition.span(1))
        at = text.find(head, at + 1)
    return spans


# A name set after a dash or colon that restates the noun before it names it.
_APPOSITION = lazy_pattern(r"(?:——|—|：)([^，。；、：（()“”\s]{2,24})")


def _latin_gap(words: tuple[tuple[str, str], ...], i: int) -> bool:
    """Tell whether words[i] is one space between two Latin words (Walker S)."""
    return words[i][0] == " " and 0 < i < len(words) - 1 and all(
        re.fullmatch(r"[A-Za-z0-9]+", words[n][0]) for n in (i - 1, i + 1))


def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    from .segment import tagged_words

    return tagged_words(text)


def _dictionary_tags(words: list[str]) -> dict[str, str]:
    from .segment import dictionary_tags

    return dictionary_tags(words)
