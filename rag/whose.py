"""Whose figure a figure is: the checks that tell a figure of another thing from the one a
question asks for, read from the words around it (rag.figures) and the question's analysis
(rag.question.Asked). The answer step (rag.answer) drops a candidate span any of them flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .figures import (LEAD_WINDOW, SENTENCE_STOPS, STATISTIC_NOUNS, WHOLE_AREA, around, clause_before, lead_before,
                      qualifier_before, statistic_before, stop_before)
from .patterns import lazy_pattern
from .question import NUMBER_KINDS, UNIT_ONLY, Asked, counted_thing
from .segment import holds_form

__all__ = ["RUNNING_TOTAL", "SHARE_WORD", "THRESHOLD", "a_contrary_scope", "a_longer_names_figure", "a_part_for_the_whole",
           "after_a_word", "another_scope", "another_statistic", "counted_right_before", "listed_with_others",
           "named_better_elsewhere", "names_the_rate", "one_of_a_list", "qualified_otherwise", "subjects_named",
           "the_whole_not_the_part"]


def another_statistic(asked: Asked, text: str, start: int, listed: bool) -> bool:
    """Tell whether the words right before a figure end in a statistic (rag.figures.
    statistic_before) that the question, which names one, does not name in any form, or
    name it qualified otherwise than the question does (电力总装机 for 光伏并网装机,
    住宅销售面积 for 新开工面积)."""
    if asked.english or asked.kind not in NUMBER_KINDS:
        return False
    written = asked.question + "".join(f for forms in asked.forms.values() for f in forms)
    if not any(noun in written for noun in STATISTIC_NOUNS) and not any(_A_VOLUME.search(t) and t in text for t in asked.terms):
        return False  # the question names no statistic (nor a volume, 快递业务量): its own words decide
    qualifier, own = statistic_before(text, start)
    if not own:
        return False
    if own not in written:
        return True
    if listed or _LEADS_NOTHING.fullmatch(qualifier):
        return False  # a list's subjects are told apart by it (rag.figures.respective_subjects); 实现 qualifies nothing
    asked_qualifier = qualifier_before(asked.question, at) if (at := asked.question.find(own)) >= 0 else ""
    # both characters differ: one may be a slip of the question's (社会消废品零售总额)
    return (bool(qualifier and asked_qualifier) and all(a != b for a, b in zip(qualifier, asked_qualifier))
            and qualifier not in written)


# A volume the reports write (快递业务量; not 存量房贷, 质量, a typo's 吞土量: no term)
_A_VOLUME = lazy_pattern(r"[\u4e00-\u9fff](?<![质力能数存增含])量")


def named_better_elsewhere(asked: Asked, terms: Iterable[str], text: str, start: int, end: int) -> bool:
    """Tell whether the figure's clause names the measured noun (Asked.attribute) and another
    clause of its sentence states a figure of it, named with more of the question's words and
    none fewer: the question asks that one's statistic (战略性新兴产业增加值222.69亿元，其中高端
    装备制造产业增加值增长15.5%: 222.69亿元 is no 高端装备制造 figure). A clause without a
    figure only says what the figures after it are about (梳理…执法条款和兜底条款，排摸执法条款187条)."""
    if not asked.attribute or asked.english:
        return False
    naming = [t for t in terms if _NAMING_TERM.fullmatch(t) and not UNIT_ONLY.fullmatch(t)]

    def held(clause: str) -> set[str] | None:
        """The question's naming words the clause holds, None when it does not name the noun."""
        if not any(holds_form(clause, f) for a in asked.attribute for f in asked.forms.get(a, (a,))):
            return None
        return {t for t in naming if any(holds_form(clause, f) for f in asked.forms.get(t, (t,)))}

    own_clause = around(text, start, end, _CLAUSES + SENTENCE_STOPS)
    # a clause before it that states no figure leads into it (天府国际机场正式通航投运，旅客吞吐量435.5万人次)
    lead = clause_before(text, start, _CLAUSES + SENTENCE_STOPS)
    own = held(("" if _FIGURE.search(lead) else lead) + own_clause.replace(text[start:end], "", 1))
    if own is None:
        return False  # a clause without a subject of its own is read through its neighbours
    sentence = around(text, start, end, SENTENCE_STOPS)
    for clause in _CLAUSE_SPLIT.split(sentence):
        if clause != own_clause and _FIGURE.search(clause) and (other := held(clause)) is not None and other > own:
            return True
    return False


# Question words that name what is measured: Chinese words, not years, units or question words.
_NAMING_TERM = lazy_pattern(r"[\u4e00-\u9fff]{2,}")
# not ：, after which a list goes on speaking of what stands before it (预期目标是：经济增长6%左右)
_CLAUSES = "，、；\n"
_CLAUSE_SPLIT = lazy_pattern(r"[，、；]")
_FIGURE = lazy_pattern(r"[0-9０-９]")


def qualified_otherwise(asked: Asked, text: str, start: int, sentence: str) -> bool:
    """Tell whether the measured noun, in the figure's clause, stands after a word of the text's
    own where the question writes a word the sentence lacks (Asked.qualifiers): 高速公路通车里程
    for 高铁通车里程, the question's 通车 read past. The question's word merely left out
    (实现进出口总额 for 外贸进出口总额, 旅客吞吐量 for 机场旅客吞吐量) says nothing: a report
    may take it as read."""
    if not asked.qualifiers or not asked.measured or asked.english:
        return False
    missing = [q for q in asked.qualifiers if not any(holds_form(sentence, f) for f in _forms(asked, q))]
    if not missing:
        return False
    lead = text[stop_before(text, start) + 1 : start]
    at = max((lead.rfind(f) for f in asked.forms.get(asked.measured, (asked.measured,))), default=-1)
    if at < 0:
        return False
    held = [f for q in asked.qualifiers if q not in missing for f in _forms(asked, q)] + ["总"]
    while (word := next((f for f in held if f and lead.endswith(f, 0, at)), "")):
        at -= len(word)  # the question's own words before the noun, and 总 (旅游总收入 is 旅游收入)
    return after_a_word(lead, at)


def _forms(asked: Asked, word: str) -> tuple[str, ...]:
    """Return the forms of a question word, a scope's other names included (规上: 规模以上)."""
    scope = next((forms for forms, _ in _STATISTICAL_SCOPES if word in forms), ())
    return (*asked.forms.get(word, (word,)), *scope)


# A figure of how many there are in all, not of how many were added (累计建成, 总量达, 现有).
RUNNING_TOTAL = lazy_pattern(r"累计|总量|总数|总计|合计|共有|现有|总规模")
# The words a figure of a share (rag.question.Asked.wants_share) is written with.
SHARE_WORD = lazy_pattern(r"占|比重|比例|份额")


def a_longer_names_figure(asked: Asked, text: str, start: int) -> bool:
    """Tell whether the noun the question measures stands, in the figure's clause, as the
    head of a longer name (国内生产总值能耗, 地区生产总值地均集约度) whose figure this is."""
    if not asked.measured or asked.english:
        return False
    clause_start = stop_before(text, start) + 1
    lead = text[clause_start:start]
    for form in asked.forms.get(asked.measured, (asked.measured,)):
        at = lead.rfind(form)
        if at >= 0 and len(form) >= 3:  # not a verb that counts (立案各类案件1150件): those are short
            after = lead[at + len(form) :]
            asked_on = asked.question[asked.question.find(form) + len(form) :] if form in asked.question else ""
            return (len(after) >= 2 and bool(_CJK_CHAR.match(after[0])) and not _GOES_ON.match(after)
                    and after[0] != asked_on[:1]  # the question's own longer name (机动车保友量, a slip)
                    and after[:2] not in asked.question)  # 立案查处案件8735件 for 立案查处了多少件案件
    return False


# What may follow a measured noun in the clause of its own figure: a verb of change or of
# being, a comparison, a qualifier (地区生产总值按可比价计算增长5.5%, 总量达到60013亿元).
_GOES_ON = lazy_pattern(r"(?:增长|增加|增速|增幅|提高|提升|上升|下降|降低|减少|回落|达到?|为|是|比|较|按|同比|分别|实现|约|超|突破|"
                        r"总量|总额|规模|累计|合计|共|预期|目标|力争|保持|完成|稳定|控制|首次|继续|由|从|在|的|占|居|增|降|涨|"
                        r"年均|全年|预计|初步|持续|连续|已|将|要)")


def counted_right_before(text: str, start: int, terms: Mapping[str, float]) -> set[str]:
    """Return the question's nouns of quantity whose counted thing the figure at `start`
    follows (城镇新增就业25.3万人 states the 就业人数 of 新增就业人数; 参加失业保险人数79.0万人
    counts the insured, not the 失业人数)."""
    lead = lead_before(text, start, LEAD_WINDOW + 4)
    return {t for t in terms if (thing := counted_thing(t)) != t
            and re.search(re.escape(thing) + _AFTER_THE_THING, lead)}


def names_the_rate(asked: Asked, text: str, start: int) -> bool:
    """Tell whether what the question asks about, as it writes it right before its question
    word, stands right before a figure, a link between them at most (地均集约度达41.40亿元/
    平方公里 for 地区生产总值地均集约度是多少; not for 地区生产总值是多少)."""
    before = _ASKING_TAIL.sub("", _QUESTION_WORD_ON.split(asked.question)[0])
    return len(before) >= 2 and bool(re.search(re.escape(before[-2:]) + r"(?:达到?|为|是|约)?$", lead_before(text, start)))


_QUESTION_WORD_ON = lazy_pattern(r"多少|几|\?|？")
_ASKING_TAIL = lazy_pattern(r"(?:是|为|有|达到?|大概|大约|约)+$")


# What may stand between a counted thing and its figure: 就业人数达, 就业人员, 就业为.
_AFTER_THE_THING = r"(?:人数|人员|总数|数量)?(?:共|累计|达到?|为|约|超过?)?$"


def after_a_word(text: str, at: int) -> bool:
    """Tell whether what stands at `at` is written right after a word of the text's own, which
    makes it part of a longer name (车 before 产量 in 汽车产量; not 、产量, nor 的产量, nor
    实现进出口总额 or 全市进出口总额, whose verb and place qualify nothing)."""
    return (at > 0 and bool(_CJK_CHAR.match(text[at - 1])) and text[at - 1] not in _BOUNDARY
            and not _LEADS_NOTHING.search(text, max(0, at - 2), at))  # its words are two characters


_CJK_CHAR = lazy_pattern(r"[\u3400-\u9fff]")
# Characters that end a phrase rather than qualify the noun after them (全年粮食播种面积…、产量).
_BOUNDARY = frozenset("的之和与及或等")
_LEADS_NOTHING = lazy_pattern(rf"(?:实现|完成|达到|全年|累计|新增|{WHOLE_AREA})$")


# A figure that draws a line when 的 or 且 follows it (1万元以下的脱贫户).
THRESHOLD = lazy_pattern(r"(?:以上|以下|以内)$")
# Scopes that make another statistic of the same name: industry above the size threshold
# (规模以上, 规上) or trade above the quota (限额以上, 限上) against all of it.
# A town resident's income is no rural one's, nor everyone's; a text may name both at once
# (城镇、农村居民…分别, 城镇和农村居民…分别, 城乡居民…分别).
_BOTH_RESIDENTS = ("城镇、农村", "城镇和农村", "城乡")
_RESIDENT_SCOPES = ((("城镇居民", "城镇常住居民"), _BOTH_RESIDENTS), (("农村居民", "农村常住居民"), _BOTH_RESIDENTS))
_STATISTICAL_SCOPES = ((("规模以上", "规上"), ()), (("限额以上", "限上"), ()), *_RESIDENT_SCOPES)


def another_scope(question: str, near: str) -> bool:
    """Tell whether the question asks a statistic of a scope (规模以上工业增加值) that the text
    around a figure does not name."""
    return any(any(f in question for f in forms) and not any(f in near for f in forms + also)
               for forms, also in _STATISTICAL_SCOPES)


# Scopes that exclude each other: a figure whose words name one of a group and not the one the
# question names is the other's (农村…年人均保障标准6078元 for 城市居民…月人均保障标准; 进口 for
# 出口). Words that hold two of a group name both (进出口, 城乡) and are read as neither.
_CONTRARY_SCOPES = (
    (("城镇", "城市", "城里"), ("农村", "乡村", "农民")),
    (("出口",), ("进口",)),
    (("存栏",), ("出栏",)),
    (("客运", "旅客"), ("货运", "货物", "货邮")),
    (("一般公共预算",), ("政府性基金",)),
    (("公办",), ("民办",)),
    (("月人均",), ("年人均",)),
    (("第一产业",), ("第二产业",), ("第三产业",)),
    (("寿险",), ("财产险",), ("健康险",)),
    (("pm2.5", "细颗粒物"), ("pm10", "可吸入颗粒物")),
)
_BOTH_SCOPES = lazy_pattern("|".join(("进出口", "城市和农村", *_BOTH_RESIDENTS)))


def a_contrary_scope(question: str, near: str) -> bool:
    """Tell whether the words around a figure name a scope that excludes the one the question
    names, and not the question's own (农村最低生活保障…6078元 for 城市居民的保障标准)."""
    question, near = _BOTH_SCOPES.sub("", question.lower()), _BOTH_SCOPES.sub("", near.lower())
    for group in _CONTRARY_SCOPES:
        asked = [side for side in group if any(w in question for w in side)]
        if len(asked) != 1 or any(w in near for w in asked[0]):
            continue
        if any(w in near for side in group if side is not asked[0] for w in side):
            return True
    return False


def a_part_for_the_whole(question: str, clause: str, before: str) -> bool:
    """Tell whether a figure of town or country residents (its clause, else the clause `before`
    it, names them) answers a question about all residents: one that names no part (居民人均
    可支配收入, 城乡合计; not 城里人, 农民). A report that states the parts alone states no
    figure of the whole."""
    if _ASKS_A_PART.search(question.replace("城乡", "")):
        return False
    for text in (clause, before):
        if _ALL_RESIDENTS.search(text):
            return False
        if any(f in text for forms, _ in _RESIDENT_SCOPES for f in forms):
            return True
    return False


_ASKS_A_PART = lazy_pattern(r"城镇|城市|城里|农村|农民|乡村|\burban|\brural|\bfarmers?\b", re.I)
_ALL_RESIDENTS = lazy_pattern(r"全体|城乡|全[市省州区县]居民|全[市省州区县]常住居民")


def listed_with_others(bodies: Iterable[str], lead: str) -> bool:
    """Tell whether a body the question names stands, in the sentence before a figure, in a
    list of others (区妇幼保健院、区中医院改扩建工程…，新增床位282张; 田东中学等3所学校): the
    figure is the list's, and no member's alone."""
    for body in bodies:
        at = lead.find(body)
        if at < 0:
            continue
        clause = around(lead, at, at + len(body), "，。；：")
        if "、" in clause or _LIST_TOTAL.search(clause):
            return True
    return False


def one_of_a_list(members: Iterable[str], lead: str, figures: bool = True) -> bool:
    """Tell whether a word naming one thing (rag.question.Asked.members) stands, in the
    sentence before a figure, in a list that 等 and a count close and whose words after 等 do
    not write it (完成深康学校等7个新改扩建学校项目，新增基础教育学位9939个; 宁德时代…等206个项目落地，
    到位注册资本455亿元): the figure is the list's, and none of its members' alone. A word the
    words after 等 write too (学校 of 学校项目) names the whole list, not one of it; a list
    without a count may be one of kinds the figure counts together (虚假违法广告、互联网广告…等
    专项整治行动，共查办各类违法广告案件5010件)."""
    for close in _LIST_TOTAL.finditer(lead):
        listed = lead[max(lead.rfind(c, 0, close.start()) for c in "，。；：") + 1 : close.start()]
        after = lead[close.end():]
        if any(m in listed and m not in after for m in members):
            return True
    # …and, for a figure asked, a list in its own clause of things without figures, whose verb
    # and figure follow its last member (电动汽车、锂电池、光伏产品出口表现突出、增长77.6%: not
    # 电动汽车's). Not for a name or a person: 党组书记、局长倪俊南 is one man's titles.
    if not figures:
        return False
    items = lead[max(lead.rfind(c) for c in "，。；：") + 1 :].split("、")
    if len(items) < 2 or len(items[-1]) < 2:
        return False  # no list, or one of figures (十大民生实事、694项“民生微实事”)
    # the first item's verb is the list's (新建改造中心公园、深高公园): as long as the others
    items[0] = items[0][-max(len(item) for item in items[1:]):]
    for i, item in enumerate(items[:-1]):
        if _FIGURE.search(item):
            break
        named = [m for m in members if m in item and m not in "、".join(items[i + 1 :])]
        if named and not any(0 <= other.find(m) < 2 for m in members for other in items if other != item):
            # one item named, and no other by its name (学前教育、义务教育学位 asked together); a
            # word the last item writes later is the head all share (连平、河源和吉安共建产业园)
            return True
    return False


_LIST_TOTAL = lazy_pattern(r"等\s*[\d一二三四五六七八九十两]+\s*[个所家座项条处]")


def the_whole_not_the_part(asked: Asked, named: str) -> bool:
    """Tell whether a figure is that of the whole a question takes its part of: what names the
    figure (the clause before it, a table's row) writes the whole's last word and no noun of
    the part (天然气供应量75.2亿立方米 for 天然气供应量中居民生活用气量是多少; not 其中居民
    生活用气量…)."""
    return bool(asked.whole) and asked.whole[-1] in named and not any(p in named for p in asked.part)


def subjects_named(terms: Iterable[str], subjects: Sequence[str]) -> set[str]:
    """Return the subjects of a list that a question word names alone (装备 of 高技术制造业、
    装备制造业; not 制造业, which both hold)."""
    named = set()
    for term in terms:
        naming = [s for s in subjects if len(s) >= 2 and (term in s or s in term)]
        if len(naming) == 1:
            named.add(naming[0])
    return named
