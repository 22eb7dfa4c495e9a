"""One grammar of spans: the pieces of report text that are one thing and must stay whole.

A number with its unit (7968家, 1.07万家次, 96.1％), a date or date range (2023年1月—11月),
a 《title》, a “quote”, a bracket, a body's name (市网信办) and a person's name. The chunker
never cuts inside `protected_spans`; the answer step returns only spans found by `find`;
the highlighter marks `NUMBER` spans. Every pattern of this file is written once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DIGITS = "0-9０-９"
_NUM = rf"[{DIGITS}]+(?:[.．][{DIGITS}]+)?"
# Units and measure words of counts, longer ones first where one ends another (平方米 before
# 米, 家次 before 家). 万 and 亿 before a unit are read as part of the number (1002万千瓦).
UNITS = ("个百分点|百分点|微克/立方米|毫克/立方米|立方米/日|吨/日|平方公里|平方米|立方米|千瓦时|千瓦|兆瓦|吨标准煤|"
         "标箱|公里|千米|千公顷|公顷|亩|千克|公斤|吨|斤|家次|户次|人次|批次|架次|车次|台次|班次|台件|台套|元|"
         "个工作日|工作日|小时|分钟|天|周|岁|个|家|件|条|项|部|批|次|期|名|位|人|台|户|份|起|宗|种|类|倍|只|所|场|座|"
         "辆|艘|架|列|趟|头|株|棵|套|间|张|册|本|篇|首|届|轮|例|笔|处|栋|幢|层|口|根|支|箱|米|单|片|块|颗|枚|盏")

# What the chunker protects: dates and date ranges (2019年3月至2023年11月, 2023年1月—11月,
# 2024年1月5日) and quantities with whatever one- or two-character unit follows
# (7968家, 1.07万家次, 96.1％, 7.8亿元, 10万余条, 2.0版).
NUMBER_WITH_UNIT = re.compile(
    rf"[{DIGITS}]{{2,4}}年(?:[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
    rf"(?:\s*[—\-－~～至到]\s*(?:[{DIGITS}]{{2,4}}年)?[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
    rf"|[{DIGITS}]+(?:[.．][{DIGITS}]+)?[万亿千百]?[余多]?(?:[％%‰]|[\u4e00-\u9fff]{{1,2}})?"
)
BRACKETED = re.compile(r"《[^《》]*》|“[^“”]*”|‘[^‘’]*’|「[^「」]*」|（[^（）]*）|\([^()]*\)")
# Titles and quotes, whose own words (and head nouns) belong to them.
NAMED = re.compile(r"《[^《》]*》|“[^“”]*”|‘[^‘’]*’")
# A number as the highlighter marks it: with 万/亿, 余, and a percent sign or a short unit.
NUMBER = re.compile(rf"{_NUM}(?:[万亿])?(?:余|多)?(?:[％%]|[\u4e00-\u9fff]{{1,2}}(?=[，。、；）\s]|$))?")

# The spans an answer can be, by kind.
PATTERNS = {
    # with the qualifier a target or a result carries: 5%左右, 4000个以上, 97%以上
    "percent": re.compile(rf"(?:{_NUM}\s*[％%]|{_NUM}个百分点)(?:左右|以上|以内|以下)?"),
    # 90余件, 1.07万家次, and the report's own 154余万件.
    "count": re.compile(rf"(?:约|近|超|逾)?(?:{_NUM}(?:余|多)?[万亿]{{0,2}}|[一二两三四五六七八九十百千]+)(?:余|多)?(?:{UNITS})"
                        r"(?:左右|以上|以内|以下)?"),
    "date": re.compile(rf"[{DIGITS}]{{4}}年(?:度|[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"
                       rf"(?:\s*[—\-－至到]\s*(?:[{DIGITS}]{{4}}年)?[{DIGITS}]{{1,2}}月(?:[{DIGITS}]{{1,2}}日)?)?"),
    "title": re.compile(r"《[^《》]{2,60}》"),
    "quoted": re.compile(r"“[^“”]{2,40}”|‘[^‘’]{2,40}’"),
    "case": re.compile(r"某[^，。；、“”《》\s]{2,40}?案(?![件例])"),
    "award": re.compile(r"[一二三特]等奖|优秀奖|金奖|银奖|铜奖|优胜奖"),
}
# Kinds whose spans inside a 《title》 belong to the title (《…纲要（2021—2025年）》 says
# nothing about when).
_NOT_INSIDE_TITLES = ("count", "percent", "date")

# A body's name ends in one of these; the name runs back to a non-Chinese character or
# to a character that joins or introduces bodies (与 和 同 及 向 由 经 对 在 据 照 合 选 会 的).
_ORG_SUFFIX = re.compile(r"(?:管理局|总局|局|委员会|委|政府|办公厅|办公室|办|检察院|法院|研究院|院|厅|公司|大学|学院|中心|协会|"
                         r"联合会|工商联)(?:(?![\u3400-\u9fff])|(?=[共等牵联会签的和与及]|关于))")
_ORG_STARTS_AFTER = frozenset("与和同及向由经对在据照合选会的")
# …办 that is a way of handling things, not an office: 一网通办, 帮办, 督办.
_NOT_AN_OFFICE = re.compile(r"(?:通|好|帮|网|交|督|承|协|代|查|快|合)办$")
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
