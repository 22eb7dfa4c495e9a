"""The grammar of asking: what a factual question asks for, and which of its words count.

`asked_kind` reads the kind of answer wanted (a count, amount, percentage, date,
person, body or name) from the question's wording; `Asked` adds the words a
sentence must hold to answer it, with their weights and, for an English question,
their translations; `fits` tells whether a span is the kind of thing asked. Nothing
here segments text: rag.query cuts the question once and hands its words in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from .figures import STATISTIC_NOUNS, WHOLE_AREA, asked_parts_of_year
from .patterns import lazy_pattern
from .sections import asked_section, section_cue
from .segment import DEMONSTRATIVES, STOPWORDS, Abbreviated, has_word_character, renamed, shorter_forms
from .spans import NAMED, UNITS

# Units people use for one another: a question's 多少起 is answered by 5010件.
_UNIT_CLASSES = (("件", "起", "宗"), ("家", "户"), ("人", "名", "位"), ("公里", "千米"), ("千克", "公斤"))

# Nouns that say what kind of name is wanted: an answer must contain one the question
# uses, or be followed by it closely (“安全守护开学季”2个集中整治周行动).
# The kinds of answer that are figures: their spans are precise (a count, an amount, a
# percentage, a date), so retrieval may favour passages holding one, and they are results or
# targets (a name or a person is neither).
FIGURE_KINDS = ("count", "amount", "percent", "date")
NUMBER_KINDS = ("count", "amount", "percent")  # …of which those that are numbers
NAME_HEADS = ("条例", "办法", "规定", "指引", "方案", "纲要", "规划", "标准", "规范", "规则", "意见", "清单",
              "课题", "案例", "案", "行动", "活动", "项目", "备忘录", "协议", "公司", "机构", "单位", "奖",
              "平台", "品牌", "大学", "专家", "研究", "制度", "机制", "计划", "工程")
# Words that ask something else than a figure: a question with none of them and no count word
# that ends in the name of a measure asks for that measure (湖北2024年粮食总产量).
_ASKING = r"多少|几|什么|哪|谁|怎么|怎样|如何|吗|呢|是否|有没有|\b(?:how|what|which|who|when)\b"
# Names of a measure (产量, 进出口总额, 增加值): 增加值有多大 and a bare 湖北粮食总产量 ask its figure.
_MEASURES = r"(?<![质力能])量|(?<!名)额|产值|增加值|总值|收入|支出|面积|人口|规模|投资|GDP|利润"
# What the question asks for, tried in order, and the patterns that can answer it.
_ASKS = [
    ("person", lazy_pattern(r"是谁|哪位|哪几位|什么人|\bwho\b|"
                          r"(?:长|书记|主任|教授|负责人|主席|领导|专家|顾问)的?(?:叫什么|什么名字|名字|姓名)", re.I),
     ("person",)),
    ("date", lazy_pattern(r"什么时候|何时|哪天|哪一天|哪年|哪一年|哪个年度|几月|几号(?!线)|日期|什么时间|\bwhen\b|what date|which year", re.I), ("date",)),
    # 排第几 / 排名多少: a place in a ranking (全国第二, 居全国首位)
    ("rank", lazy_pattern(r"第几|排名(?:多少|如何|怎么样|怎样)|(?<![安编])排在?多少|位次|名次|\bwhich place\b|\brank(?:ed|s)?\b", re.I),
     ("rank",)),
    # …not a rate of an amount (进出口总额增长了百分之几)
    ("amount", lazy_pattern(r"^(?!.*(?:百分之|百分点|增速|增幅|涨幅|降幅|占比|比重)).*?(?:多少钱|金额|总额|罚款|罚了多少|how much money)",
                            re.I), ("count",)),
    ("percent", lazy_pattern(r"[率比]是多少|率达|率为|百分之|百分点|(?:率|比例|占比|比重|增速|增幅|涨幅|降幅|增长(?:目标)?)\s*[？?]?\s*$|"
                 r"(?:比例|占比|比重|增速|增幅|涨幅|降幅)(?:是|为|有|达到?|提高到了?|提升到了?|约)?(?:多少|几|多大)|\bpercent|\brate\b|"
                 r"\b(?:share|proportion|ratio)\b|how fast|\bgrowth (?:target|rate)\b|\bgrow by\b", re.I),
     ("percent",)),
    ("count", lazy_pattern(r"多少|(?<!第)几[万亿]?[个家件条项部批次期名位人台户份起宗种类所座辆艘架列趟头株棵套间张册本篇首届轮例笔处栋幢层口根支箱米吨斤亩元倍天周]|"
                          r"(?<![这近前头后第])几个?年(?![度份级])|how many|how much|数量|"
                          r"多[长高远深宽重](?![期远])|多久|多长时间|how (?:big|large|high|long)\b|"
                          rf"(?:{_MEASURES})(?:有|是|达到?)?多大",
                          re.I), ("count", "percent")),
    # A question put as the name of a measure, with no question word (湖北2024年粮食总产量,
    # 浙江无还本续贷余额): that measure's figure. Rates are read by "percent" above.
    ("count", lazy_pattern(rf"^(?!.*(?:{_ASKING}))"
                          rf".*(?:{_MEASURES}|人数|件数|户数|家数|个数|次数|总数|里程|存栏|出栏|税收|存款|贷款)\s*[？?]?\s*$", re.I),
     ("count", "percent")),
    ("org", lazy_pattern(r"哪个单位|哪些单位|哪个部门|哪些部门|什么单位|什么部门|哪个机构|什么机构|哪家|哪所|哪个机关|"
                       r"\bwhich (?:body|bodies|department|agency|organi[sz]ation)", re.I), ("org",)),
    ("name", lazy_pattern(r"哪一?[部个项些所家类台份款艘座条只种本篇架辆批场届首]|什么名字|叫什么|叫啥|啥名字?|名称|全称|是什么|称[为作]?什么|"
                        rf"什么(?:{'|'.join(NAME_HEADS)})|\bwhich\b|\bname\b", re.I),
     ("title", "quoted", "case", "award")),
]
# “Which measures / what work” asks for a description, not a name: no span answers it.
_ASKS_DESCRIPTION = lazy_pattern(r"(?:哪些|什么|哪几项|哪几个)(?:具体|主要|新的?)?(?:措施|举措|做法|工作|方面|改进|成效|成绩|"
                               r"问题|不足|经验|亮点|变化)")
_QUOTED_IN_QUESTION = lazy_pattern(r"[“「‘\"]([^”」’\"]+)[”」’\"]")
_NAMING_CUE = lazy_pattern(r"叫什么|什么名字|名称|全称|称[为作]?什么|哪一类|哪类|\bname\b", re.I)
UNIT_ASKED = lazy_pattern(rf"(?:多少|(?<!第)几)[万亿]{{0,2}}({UNITS})")
ASKS_DAY = lazy_pattern(r"哪天|哪一天|几号(?!线)|what date|which day", re.I)
_ENGLISH_WORD = lazy_pattern(r"[A-Za-z]{2,}")
_CJK = lazy_pattern(r"[\u3400-\u9fff]")
# Words that ask rather than say what about: the kind of answer, not its topic.
_QUESTION_WORD = lazy_pattern(r"^(?:多少|几|哪|什么|谁|怎么|如何|是否|有没有|一共|总共|大概|大约|具体|分别|请问|叫|多[长高远深宽重]$|多久|多长时间|百分之|"
                            r"日期|时间|时候|名字|名称|全称|数量|金额|总额|一起|一同)")
_COUNT_WORD = lazy_pattern(r"^(?:多少|几|百分之(?:几|多少))")
# The measure words that count a noun, for a question that names the noun but no unit
# (多少经营主体 is answered in 家 or 户, 多少公里 of road, not in 个 or 项).
_PEOPLE_UNITS = ("人", "名", "人次", "位")
_NOUN_UNITS = (
    (lazy_pattern(r"企业|公司|主体|商户|单位|机构|银行|门店|工厂|平台|医院"), ("家", "户", "所")),
    (lazy_pattern(r"学校|幼儿园|高校|院校"), ("所", "家", "个")),
    (lazy_pattern(r"人员|群众|学生|游客|旅客|农民|劳动力|毕业生|职工|医生|教师|人才|居民|老人|儿童|人口|人数|人$"),
     _PEOPLE_UNITS),
    (lazy_pattern(r"案件|事故|诉求|投诉|举报|纠纷"), ("件", "起", "宗")),
    (lazy_pattern(r"用户|家庭|农户"), ("户", "万户", "家")),
    (lazy_pattern(r"住房|保障房|公寓"), ("套", "间", "万平方米")),
    (lazy_pattern(r"里程|长度|距离"), ("公里", "千米", "米")),
    (lazy_pattern(r"线路|航线|班列线路"), ("条",)),
    (lazy_pattern(r"公路|铁路|地铁|轨道|管网|管道|河道|道路|航道|绿道|碧道"), ("公里", "千米", "米", "条")),
    (lazy_pattern(r"水库|桥梁|场馆|海外仓|变电站|泵站"), ("座", "个")),
    (lazy_pattern(r"车辆|汽车|公交车"), ("辆",)),
    (lazy_pattern(r"支出|收入|投资|资金|金额|经费|补贴|补助|产值|总额|营收|生产总值|增加值|销售额|零售额|存款|贷款|余额|"
                  r"资本|保费|赔付|赔款|利润|税收|融资|市值|成交额|交易额|营业额"),
     ("元",)),
    (lazy_pattern(r"农田|耕地|林地"), ("亩", "公顷")),
    (lazy_pattern(r"^(?:粮食|粮|蔬菜|水果|肉类|猪肉|水产品|牛奶|禽蛋|钢材|粗钢|煤炭|原煤|原油)$"), ("吨", "斤", "公斤", "千克")),
    (lazy_pattern(r"学位|床位|车位|泊位|座位|病床"), ("个", "座", "张")),
)
# What a change is measured against (外资比上年增长了多少): the noun asked stands before it.
_CHANGE_BASES = frozenset("比 较 上年 去年 同期 上年同期 去年同期 同比".split())


def _unglued(words: list[str]) -> list[str]:
    """Return the words with a 比 that jieba glued to the noun before a comparison base cut
    off (产量比|上年 → 产量|比|上年), and without a bracket of no words (增长（%）是多少)."""
    out: list[str] = []
    for w, after in zip(words, words[1:] + [""]):
        out += [w[:-1], w[-1]] if len(w) > 2 and w[-1] in "比较" and after in _CHANGE_BASES else [w]
    aside = _WORDLESS_BRACKET.search("".join(out))
    if aside is None:
        return out
    starts = list(accumulate((len(w) for w in out), initial=0))
    return [w for w, at in zip(out, starts) if not aside.start() <= at < aside.end()]


_WORDLESS_BRACKET = lazy_pattern(r"[（(][^\u4e00-\u9fff（）()]*[）)]")
# Words that may stand between what is counted and the question word (高速公路有多少公里).
_LINKING = frozenset("有 是 为 达 达到 共 共有 一共 总共 的 了 大概 大约 约 还 又 都 已 已经".split())
# Words that say how a figure is asked for, not what it is of: no sentence need repeat them.
_GENERIC = frozenset("总量 总数 数量 总额 金额 规模 水平 情况 累计 合计 全年 全部 一共 总共 目标 预期 计划 打算 实际 "
                     "比例 比重 多大 达到 达 增加 增长 提高 新增 现在 目前 大概 大约 原来 原先 原本 起初 此前 之前 以前 "
                     "全长 总长 长度 全程".split())  # a length is said by its unit (郊野径35.4公里)
# Words of addition: verbs, whatever a dictionary tags them (jieba has 新建 for the county,
# 新设 for a body), so never what is counted.
_ADDITIONS = frozenset("新增 净增 新建 新开 新设 累计".split())
_CLAUSE_BREAKS = frozenset("，,。？?；;：:！!、（(")  # a bracket after the question word adds an aside (（2025年…报告）)
UNIT_ONLY = lazy_pattern(rf"[万亿]{{0,2}}(?:{UNITS})")
_ASKS_TOTAL = lazy_pattern(r"总|一共|共有|共计|累计|合计|全部|全市|全省|(?:现在|目前|如今|现)(?:已经?)?(?:有|达到?)|"
                           r"\b(?:in total|altogether|in all|so far)\b", re.I)
# 占…比重, 占比: a share of a whole.
_ASKS_SHARE = lazy_pattern(r"比重|占比|所占|份额|占.{1,20}比例")
_ASKS_NEW = lazy_pattern(r"新增|净增|新建|新开|新引进|增加了|增加(?!到|至)|多了|\b(?:new(?! energy)|newly|add|added)\b", re.I)
# 人均/日均/平均: a figure per person, per day: a total or a peak is another figure.
_ASKS_AVERAGE = lazy_pattern(r"[人日户年月亩地]均|平均|每平方公里|\b(?:per capita|average|per day|daily)\b", re.I)
# 多久 / 多长时间 asks a span of time, in its units.
_ASKS_DURATION = lazy_pattern(r"多久|多长时间")
_DURATION_UNITS = ("秒", "分钟", "小时", "天", "日", "周", "个月", "年")
# 连续多少年 / 有几年 asks a number of years; 这几年 / 近几年 says when.
_ASKS_YEARS = lazy_pattern(r"(?<![这近前头后])(?:多少|几)个?年(?![度份级])")
# 提高了多少 / 比上年增长多少 asks for the change itself (提高3.1个百分点), not the new level.
_ASKS_CHANGE = lazy_pattern(r"(?:提高|增长|下降|降低|减少|增加|提升|上升|扩大|缩小|下滑|回落|涨)了?(?:多少|几)|"
                            r"比.{1,8}?[多少]了?(?:多少|几)")  # 比上年多了多少天: by how much
# A gap between two figures (比全国高出多少, 高于目标多少): not 提高了多少 or 降低了多少, changes.
_ASKS_DIFFERENCE = lazy_pattern(r"高出|低出|超出|(?<![提升增])高了?(?:多少|几)|(?<![降减])低了?(?:多少|几)|"
                                r"(?<!加)快了?(?:多少|几)|慢了?(?:多少|几)|差距|相差|差多少")
_AGAINST_LAST_YEAR = lazy_pattern(r"上年|去年|上一年|同期|前一年")  # 比上年高出多少: a change
_ASKS_LEVEL = lazy_pattern(r"(?:增加|提高|提升|增长|上升|下降|降低|减少|扩大|缩小)(?:到|至)|增至|降至|达到")
_ASKS_TARGET = lazy_pattern(r"目标|预期|计划|打算|力争|将要|要达到|定在|定为|\b(?:target|plan|planned|aim|goal)s?\b", re.I)
# …but the year a change is measured from (比上年增加多少, 较去年) is no year asked about.
_RELATIVE_YEARS = ((lazy_pattern(r"(?<![比较同与跟和])(?:去年|上年|上一年|过去一年|前一年)"), -1), (lazy_pattern(r"今年|本年|当年"), 0),
                   (lazy_pattern(r"明年"), 1))
# The noun of an org question's cue (哪个单位, 什么部门) says what kind of answer, not what about.
_ORG_CUE_NOUNS = ("单位", "部门", "机构", "机关")


# 哪几个方面 / 哪几项任务 asks for a list of what is done, not for a count: no figure answers it.
_ASKS_LIST = lazy_pattern(r"哪几(?:个|项|件|条|大)?(?:方面|领域|部分|重点|任务|工作|举措|措施|事)")


def asked_kind(question: str) -> tuple[str, tuple[str, ...]] | None:
    """Return what a question asks for (kind, answer patterns), or None if not factual. A
    question for a part of a report (rag.sections: 2025年有什么打算, 面临哪些困难) is not
    factual unless it asks for a name in so many words (叫什么, or a kind of name such as
    方案 besides the part's own word: 什么计划 asks for the plan, 什么英才计划 for a name)."""
    section = asked_section(question)
    for kind, cue, patterns in _ASKS:
        if cue.search(question):
            if kind == "name" and _ASKS_DESCRIPTION.search(question):
                return None
            if kind == "name" and section and not (_NAMING_CUE.search(NAMED.sub("", question))
                                                   or _names_a_kind(section_cue(section).sub("", question))):
                return None
            if kind == "count" and _ASKS_LIST.search(question) and not cue.search(_ASKS_LIST.sub("", question)):
                return None
            return kind, patterns
    return None


def _names_a_kind(question: str) -> bool:
    """Tell whether a question asks for a name in so many words or names the kind of name."""
    asking = NAMED.sub("", question)
    return bool(_NAMING_CUE.search(asking)) or any(h in asking for h in NAME_HEADS)


def question_terms(words: Iterable[str], in_corpus: Callable[[str], bool] = lambda t: True) -> dict[str, float]:
    """Return the content words among a question's `words` with weights: longer words say
    more, and a word the report never uses counts double (an answer that ignores it is
    suspect)."""
    terms = {}
    for w in {w.strip() for w in words}:
        if not in_corpus(w) and w[-1:] in _CUE_STARTS:
            w = w[:-1]  # 消费券叫什么 cut as 消费/券叫/什么: 叫 belongs to the question word
        if len(w) >= 2 and w.lower() not in STOPWORDS and w not in DEMONSTRATIVES and has_word_character(w) \
                and not _QUESTION_WORD.search(w):
            terms[w] = float(min(len(w), 4)) * (1.0 if in_corpus(w) else 2.0)
    return terms


# First characters of question words that jieba may glue to the word before (券叫 什么).
_CUE_STARTS = "叫是有为"


# 增长了多少 asks for a rate, whatever is growing.
_ASKS_GROWTH = lazy_pattern(r"增长(?!点|极|额|量)|增速|增幅|涨幅|降幅|(?:提高|下降|上升|回落|涨)了?(?:多少|几)")
_PERCENT_UNITS = ("%", "％", "个百分点")
_HOLDS_A_QUESTION_WORD = lazy_pattern(r"多少|几|多大|多高|多长|多久|多远|什么|哪")
_COUNT_WORDS = lazy_pattern(r"多少|(?<!第)几")
_QUALIFIER = lazy_pattern(r"(?:左右|以上|以内|以下)$")
# Units of people and households, whom a report may count in 万 with no measure word (入境游客111万)
_COUNTS_OF_PEOPLE = frozenset((*_PEOPLE_UNITS, "户"))


# Nouns that only say "how many" of the word before them (就业人数, 企业数量, 投资规模).
_QUANTITY_NOUNS = ("人数", "人次", "数量", "总数", "个数", "户数", "家数", "件数", "次数", "总量", "规模", "金额",
                   "产量", "总产量")


def counted_thing(noun: str) -> str:
    """Return what a noun of quantity counts (就业 of 就业人数), or the noun itself."""
    thing = next((noun[: -len(q)] for q in _QUANTITY_NOUNS if noun.endswith(q)), "")
    return thing if len(thing) >= 2 else noun


def _units_of(noun: str) -> tuple[str, ...]:
    """Return the measure words that count the noun after 多少 (多少经营主体 → 家, 户…), () if unknown."""
    return next((units for cue, units in _NOUN_UNITS if cue.search(noun)), ())


def same_units(unit: str) -> tuple[str, ...]:
    """Return the units that count the same things as `unit` (itself included)."""
    return next((c for c in _UNIT_CLASSES if unit in c), (unit,))


def asking_span(question: str, kind: str) -> tuple[int, int]:
    """Return where the part of a question (between ？，；) that holds its question word
    lies: a question may ask two things (2023年办了几期，2024年还会不会继续？)."""
    cue = next(c for k, c, _ in _ASKS if k == kind)
    parts, start = [], 0
    for part in re.split(r"([？?，,；;。])", question)[::2]:
        parts.append((start, start + len(part), part))
        start += len(part) + 1
    # A cue that is a noun (总额 of 固定资产投资总额中，社会投资是多少亿元) may stand in a part
    # that only frames the question: a part that asks how much (多少, 几) is the one asking.
    cued = [p for p in parts if cue.search(p[2])]
    if cued and not _ASKING_WORD.search(cued[0][2]):
        cued = [p for p in parts if _HOW_MUCH.search(p[2])] or cued
    return cued[0][:2] if cued else (0, len(question))


_ASKING_WORD = lazy_pattern(_ASKING, re.I)
_HOW_MUCH = lazy_pattern(r"多少|几|\bhow (?:much|many)\b", re.I)


@dataclass(frozen=True)
class Asked:
    """What a factual question asks for, and the words an answer's sentence must hold."""

    question: str  # folded
    kind: str
    patterns: tuple[str, ...]
    terms: dict[str, float]
    forms: dict[str, tuple[str, ...]]
    english: bool  # the asking part is English: its words reach a sentence through translations
    units: tuple[str, ...]  # the units an answer may end in ((): any); 多少件 → 件, 起, 宗
    years: frozenset[str]
    heads: tuple[str, ...]
    quoted: tuple[str, ...]
    # The words naming what is counted or measured, next to the question word (高速公路 in
    # 新建成的高速公路有多少公里, 海外仓 in 建成了多少座海外仓): the answer's sentence must hold
    # them all and its own clause one of them, or the figure is about something else.
    attribute: tuple[str, ...] = ()
    # The same nouns whether or not the reports use them: what the question is about. When
    # the reports hold none of them (常住人口 in a report that never speaks of it), that is
    # evidence that they do not answer it.
    key_nouns: tuple[str, ...] = ()
    # The noun right before the question word (总里程 in 总里程是多少): the figure that follows
    # it in a sentence is the one asked for. "" when the counted noun comes after (多少家企业).
    measured: str = ""
    # The nouns written right before that one (钢铁 of 钢铁产量是多少): a sentence that holds
    # none of them and writes that noun after another word (汽车产量) speaks of another thing's.
    modifiers: tuple[str, ...] = ()
    wants_target: bool = False  # 目标/预期/计划: a planned figure, not last year's result
    wants_total: bool = False  # 一共/总量/累计: the total, not an addition or a part
    wants_new: bool = False  # 新增/新建: the addition, not the total
    wants_level: bool = False  # 增加到/降至: the new level of a change, not where it started
    wants_change: bool = False  # 提高了多少: the change itself, not the level it reached
    wants_average: bool = False  # 人均/日均/平均: a figure per something, not a total or a peak
    relative: tuple[int, ...] = ()  # 去年 -1, 今年 0, 明年 +1: years counted from the report's date
    # For a name question, the noun it asks the name of (社区 in 哪个社区, 品种 in 首个交易品种是什么)
    # and the question's word right before it (交易): a name may stand unquoted beside it.
    name_head: str = ""
    name_lead: str = ""
    # What a key noun of quantity counts when the reports never write that noun (失业 of
    # 失业人数): the figure's own clause must speak of it, a neighbouring clause's figure
    # (城镇新增就业143.02万人，城镇调查失业率4.5%) being another thing's.
    counted: tuple[str, ...] = ()
    # The parts of a year the question asks about (Q2 of 第二季度, M12 of 12月份: rag.figures.
    # parts_of_year): a whole year's figure, or another part's, is not its answer.
    parts_of_year: frozenset[str] = frozenset()
    # The bodies the question names by a name of their own (双流 of 双流国际机场, 1号线, 南京大学,
    # 青岛港): a figure is theirs only when its sentence names them before it.
    bodies: tuple[str, ...] = ()
    # The question's words that may name one thing of several (深康 of 深康学校, 宁德时代, 小米):
    # a list closed by 等 that holds one of them has its figure for all (rag.whose.one_of_a_list).
    members: tuple[str, ...] = ()
    # Every word written right before the measured noun, whatever jieba tags it (高铁 and 通车 of
    # 高铁通车里程): a sentence that lacks one and writes the noun after a word of its own in its
    # place speaks of another thing (高速公路通车里程; rag.whose.qualified_otherwise).
    qualifiers: tuple[str, ...] = ()
    wants_share: bool = False  # 占…比重, 占比: a share, written with 占/比重/比例, not a change
    # A part asked of a whole the question names first (天然气供应量中居民生活用气量是多少): the
    # whole's words (天然气, 供应量) and the part's nouns (居民, 生活, 用气量). A figure of the
    # whole, whose clause names none of the part, is not the part's (rag.whose.the_whole_not_the_part).
    whole: tuple[str, ...] = ()
    part: tuple[str, ...] = ()
    wants_difference: bool = False  # 高出多少: the gap to another figure (高于全国15.9个百分点), not either

    @classmethod
    def of(cls, question: str, asking: str, words: Iterable[str], in_corpus: Callable[[str], bool],
           translate: Callable[[str], Collection[str]], places: Collection[str] = (),
           tag: Callable[[str], str] = lambda w: "") -> Asked | None:
        """Read what `question` (folded) asks; `asking` is its asking part (lower case),
        `words` that part's jieba words and `places` the place names written in it."""
        found = asked_kind(question)
        if found is None:
            return None
        words = _unglued(list(words))
        kind, patterns = found
        english = _term_forms(asking, translate)
        terms = question_terms(words, lambda t: in_corpus(t) or len(english.get(t, ())) > 1)
        # 比上年增长: what a change is measured against says nothing of what changed (去年 alone
        # says when: 去年一共查处了几起)
        terms = {t: w for t, w in terms.items() if t not in _CHANGE_BASES or not re.search(f"[比较]{t}", question)}
        in_english = bool(english) and not _CJK.search(asking)  # not 重庆的GDP是多少: that one is Chinese
        if in_english:
            terms = _english_topic(terms, places)
        if kind == "org":
            terms = {t: w for t, w in terms.items() if t not in _ORG_CUE_NOUNS}
        # The last count word asks: an earlier one belongs to what is asked about
        # (出台的几个纾困政策一共拨付了多少资金 asks an amount, not a number of 个)
        last = max((m.start() for m in _COUNT_WORDS.finditer(asking)), default=0)
        unit = UNIT_ASKED.match(asking, last)
        nouns = {t: w for t, w in terms.items() if t not in places and t not in english  # GDP: through translations only
                 and not any(c.search(t) for c, _ in _RELATIVE_YEARS)}
        counted = not in_english and kind in NUMBER_KINDS
        attribute, named_before, modifiers = _attribute(words, nouns, tag, in_corpus) if counted else ((), False, ())
        # …and what the reports might not speak of: nouns only (a verb may be put otherwise)
        key_nouns = tuple(w for w in (_attribute(words, nouns, tag, statistic_verbs=False)[0] if counted else ())
                          if not _HOLDS_A_QUESTION_WORD.search(w))  # 占多大, a word jieba glued: no noun
        things = tuple(t for t in (counted_thing(n) for n in key_nouns if not in_corpus(n))
                       if t not in key_nouns and in_corpus(t))
        before = asking[: max((m.start() for m in _COUNT_WORDS.finditer(asking)), default=len(asking))]
        # A rate is no count of its noun's things: 常住人口城镇化率 is in %, not in 人.
        units = same_units(unit.group(1)) if unit else \
            _PERCENT_UNITS if _ASKS_GROWTH.search(asking) else () if kind == "percent" else \
            _units_of("".join(attribute[-1:])) or _units_of(before[-6:])
        if unit and unit.group(1) == "个":  # 个 counts anything: the report may use the noun's own word (学位6750座)
            units += tuple(u for u in _units_of("".join(attribute[-1:]) or before[-6:]) if u not in units)
        if kind == "count" and not unit and _ASKS_YEARS.search(asking):  # 连续多少年: a number of years, no other figure
            patterns, units = ("years",), ("年",)
        elif kind == "count" and not unit and _ASKS_DURATION.search(asking):  # 休息多久: a span of time
            units = _DURATION_UNITS
        words = list(words)
        phrases = _noun_phrases(words, terms)
        forms = {t: english.get(t) or (t, *_latin_spellings(t, question), *_abbreviations(t), *renamed(t),
                                       *(p for p in phrases if t in p.parts)) for t in terms}
        return cls(question, kind, patterns, terms, forms, in_english,
                   units,
                   frozenset(asked_years(asking)),
                   tuple(h for h in NAME_HEADS if h in NAMED.sub("", asking)) if kind == "name" else (),
                   tuple(q for q in _QUOTED_IN_QUESTION.findall(question) if len(q) >= 2),
                   attribute, key_nouns,
                   attribute[0] if named_before else _english_counted(asking, terms, english) if in_english else "",
                   modifiers,
                   bool(_ASKS_TARGET.search(asking)),
                   bool(_ASKS_TOTAL.search(asking)), bool(_ASKS_NEW.search(asking)),
                   bool(_ASKS_LEVEL.search(asking)), bool(_ASKS_CHANGE.search(asking)),
                   bool(_ASKS_AVERAGE.search(asking)),
                   tuple(shift for cue, shift in _RELATIVE_YEARS if cue.search(asking)),
                   *(_name_head(words, tag) if kind == "name" else ("", "")),
                   counted=things, parts_of_year=asked_parts_of_year(asking), bodies=_bodies(words),
                   members=_members(words, places, tag, attribute + key_nouns),
                   qualifiers=_qualifiers(words, attribute[0] if named_before else "", nouns, in_corpus),
                   wants_share=kind == "percent" and bool(_ASKS_SHARE.search(question)),
                   wants_difference=bool(_ASKS_DIFFERENCE.search(asking)) and not _AGAINST_LAST_YEAR.search(asking),
                   **dict(zip(("whole", "part"), _whole_and_part(words, places, tag))))

    def fits(self, span: str, after: str = "", before: str = "") -> bool:
        """Tell whether a span is the kind of thing the question asks for; `after` is the
        text right after it, where a name's head noun may stand, and `before` the text right
        before it, for a name read after its noun (项目宝丰苑护老中心)."""
        kind, question = self.kind, self.question
        span = _QUALIFIER.sub("", span)  # 4000个以上 is counted in 个
        if kind == "date" and span.endswith("年度") and not re.search(r"年度|哪年|哪一年", question):
            return False  # 2022年度 names a period, not when something happened
        if kind == "date" and ASKS_DAY.search(question) and not span.endswith("日"):
            return False  # 哪天 wants a day, not a month
        if kind == "amount":
            return span.endswith("元")
        if self.units and kind in ("count", "percent"):
            return (any(span.endswith(u) for u in self.units)
                    or (any(u in ("个", "项") for u in self.units) and span.endswith("个百分点"))
                    or (kind == "count" and span[-1:] in ("万", "亿") and bool(set(self.units) & _COUNTS_OF_PEOPLE)))
        if kind == "name":
            if span.strip("“”‘’《》") in question:
                return False  # the question already names it: it can't be the answer
            # the noun it asks the name of (哪个实验室), when no kind of name: a quoted name
            # of something else (the 实验系统 it released) is no answer
            heads = self.heads or ((self.name_head,) if self.name_head else ())
            return not heads or any(h in span or h in after or h in before for h in heads)
        return True

    def span_kinds(self) -> tuple[str, ...]:
        """Return the span kinds (rag.spans) to look for: cases and awards only when
        the question names them (某…案, 什么奖)."""
        return tuple(p for p in self.patterns if (p != "case" or "案" in self.heads)
                     and (p != "award" or "奖" in self.heads))


def _whole_and_part(words: Sequence[str], places: Collection[str], tag: Callable[[str], str],
                    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the words of a whole the question takes a part of (居民消费价格 of 居民消费价格中
    粮食类价格上涨多少) and the part's nouns (粮食), or ((), ()): the words right before 中 back
    to a place, a year or a mark, and the nouns after it up to the question word."""
    at = next((i for i, w in enumerate(words) if w in _AMONG and i > 0), None)
    if at is None:
        return (), ()
    whole: list[str] = []
    for w in reversed(words[:at]):
        if w in places or not _CJK.match(w) or w in ("年", "的") or len(whole) == 4:
            break
        whole.insert(0, w)
    after = list(words[at + 1 :])
    asked_at = next((i for i, w in enumerate(after) if _COUNT_WORD.match(w)), len(after))
    if after[:asked_at] in ([], ["有"]) and "是" in after[asked_at + 1 : asked_at + 3]:
        after = after[after.index("是", asked_at + 1) + 1 :]  # 教师里有多少是乡村教师: the part follows 是
    part = []
    for w in after:
        if _COUNT_WORD.match(w) or w in _CLAUSE_BREAKS:
            break
        flag = tag(w) or "n"
        if len(w) >= 2 and w not in whole and flag[:1] == "n" and w not in _GENERIC:
            part.append(w)
    return (tuple(whole), tuple(part)) if whole and part else ((), ())


# Words that take a part of what precedes them (商品房新开工面积中住宅, 中小学教师里有多少是乡村教师).
_AMONG = frozenset(("中", "当中", "之中", "里"))


# A year a change is measured from (比2020年下降28%, 与2020年相比, compared with 2020) is no
# year the question asks about: the report of 2026 answers it without covering 2020.
_BASELINE_YEAR = lazy_pattern(r"(?:比|较|相比|相较于?|对比|比起|由|从)\s*((?:19|20)\d{2})\s*年(?:底|末)?的?(?![\d]{1,2}月)|"
                              r"(?:与|同|和|跟)\s*((?:19|20)\d{2})\s*年(?:同期)?相比|"
                              r"\b(?:than|compared (?:with|to))\s+(?:in\s+)?((?:19|20)\d{2})\b", re.I)
_ANY_YEAR = lazy_pattern(r"((?:19|20)\d{2})\s*年|\b((?:19|20)\d{2})\b", re.ASCII)
_BASELINE_CUES = ("比", "较", "由", "从", "相比", "than", "compared")


# A year that names a document (2024年政府工作报告, 2023年统计公报) says which report is
# meant, not the time its answer is about: the problems of the 2024 report are in its review
# of 2023.
_DOCUMENT_YEAR = lazy_pattern(r"((?:19|20)\d{2})\s*年度?的?(?:报告|[^\s，。？?]{0,10}?(?:工作报告|统计公报|情况的?报告))"
                              r"|(?:报告|公报)\s*[（(]\s*((?:19|20)\d{2})\s*年?度?\s*[）)]")  # 政府工作报告（2024年）


def document_years(text: str) -> list[str]:
    """Return the years a question names a report by (2025 of 深圳市2025年政府工作报告, 2024 of
    深圳市政府工作报告（2024年）)."""
    return [m.group(1) or m.group(2) for m in _DOCUMENT_YEAR.finditer(text)]


def asked_years(text: str) -> list[str]:
    """Return the years a question asks about: those it names (2024年, in 2024), not those a
    change is measured from (比2020年, compared with 2020), nor figures (1955万吨)."""
    baselines = [span for m in _BASELINE_YEAR.finditer(text) for span in m.regs[1:] if span[0] >= 0] \
        if any(cue in text for cue in _BASELINE_CUES) else []
    return [m.group(1) or m.group(2) for m in _ANY_YEAR.finditer(text)
            if not any(a <= m.start() < b for a, b in baselines)
            and (m.group(1) or not _figure_follows(text, m.end()))]


def _figure_follows(text: str, end: int) -> bool:
    """Tell whether a bare four-digit number is a figure: a unit or a decimal follows it.
    (A check in Python: a character class over the CJK range costs ms to compile.)"""
    after = text[end : end + 1]
    return bool(after) and (after in "%％.．" or "\u3400" <= after <= "\u9fff")


def _noun_phrases(words: Sequence[str], terms: Mapping[str, float]) -> list[Abbreviated]:
    """Return the runs of two or more Chinese content words written together in a question
    (国家 高新技术 企业): a report may write the run shortened (国高企业), and then holds each word."""
    phrases, run = [], []
    for w in [*words, ""]:
        if w in terms and w not in _GENERIC and all("\u3400" <= c <= "\u9fff" for c in w):
            run.append(w)
            continue
        if len(run) >= 2:
            phrases.append(Abbreviated(tuple(run)))
        run = []
    return phrases


def _latin_spellings(term: str, question: str) -> list[str]:
    """Return the other ways a report may write a question's term with Latin letters in it:
    terms are lower case (5g), the reports write 5G, GDP, PM2.5, or as the question did."""
    if not re.search(r"[a-z]", term):
        return []
    asked = re.search(re.escape(term), question, re.I)
    return sorted({term.upper(), asked.group(0) if asked else term} - {term})


def _abbreviations(word: str) -> list[str]:
    """Return the forms a report may write a quantity's name in without its 量 (粮食总产1142亿斤
    for 总产量) or without its 总 (地铁线路长度…，总长达449公里 for 总长度: what the total is of).
    Only those: other shorter forms name other things (局长 is no 副局长)."""
    return [f for f in shorter_forms(word) if (word.endswith("量") and word.startswith(f))
            or (word.startswith("总") and f == word[1:])]


def _attribute(words: list[str], terms: dict[str, float], tag: Callable[[str], str],
               in_corpus: Callable[[str], bool] = lambda w: True,
               statistic_verbs: bool = True) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    """Return the nouns naming what is counted, next to the question word (多少/几): the
    nearest before it (高速公路 in 高速公路有多少公里) and the head of the noun phrase after it,
    its unit skipped (用户 in 新增了多少管道天然气用户); and the nouns right before the first (钢铁 in
    钢铁产量是多少). Only nouns the reports use count (a
    typo's word is no evidence either way). Parts of speech come from `tag` (the reports'
    vocabulary with jieba's dictionary tags, stored with the index: no tagging pass at query
    time); a word it does not know counts as a noun. Also says whether the first noun
    returned stands before the question word. With `statistic_verbs`, a verb that ends the
    name of a statistic (就业 in 城镇新增就业多少人) counts as what is counted."""
    # A word no dictionary tags is taken for a noun, unless an aspect particle ends it (建了).
    tagged = [(w, tag(w) or ("x" if len(w) < 2 or w in STOPWORDS else "v" if w[-1] in "了着" else "n")) for w in words]
    # A question with no count word names its measure last (湖北2024年粮食总产量).
    at = next((i for i in range(len(tagged) - 1, -1, -1) if _COUNT_WORD.match(tagged[i][0])),
              len(tagged) if not re.search(_ASKING, "".join(words), re.I) else None)
    if at is None:
        return (), False, ()

    def noun(w: str, flag: str) -> bool:
        # jieba tags some statistics as verbs (收入, 支出, 投入): in a question they are nouns
        return ((flag[:1] in "nv" and flag not in ("v", "vd", "vg") or w in _STATISTIC_WORDS)
                and not UNIT_ONLY.fullmatch(w) and w not in _ADDITIONS)

    def counts(w: str) -> bool:
        return w in terms and w not in _GENERIC and in_corpus(w)

    def names_a_statistic(i: int) -> bool:
        """Tell whether the verb right before the question word ends the name of what is
        counted, after a word of addition (城镇新增就业多少人): not a verb after its subject,
        which compares or changes it (金额超过多少, 浓度降到多少)."""
        w, flag = tagged[i]
        return (statistic_verbs and 0 < i == at - 1 and flag == "v" and w[-1] not in "了着" and counts(w)
                and tagged[i - 1][0] in _ADDITIONS)

    found = []  # the noun before the question word first, when there is one
    modifiers: list[str] = []
    for i in range(at - 1, -1, -1):
        w, flag = tagged[i]
        if w in _CLAUSE_BREAKS:
            break
        if (noun(w, flag) and counts(w)) or names_a_statistic(i):
            found.append(w)
            # …and the nouns written right before it, which say whose it is (钢铁 of 钢铁产量)
            for m, mflag in reversed(tagged[:i]):
                # jieba tags some nouns as set phrases (固定资产: l); before the measured noun
                # they can only say whose it is
                if not ((noun(m, mflag) or mflag == "l") and counts(m)):
                    break
                modifiers.append(m)
            break
        if w not in _LINKING and w not in _GENERIC and w not in _CHANGE_BASES and not noun(w, flag):
            break  # 市局处理了多少: the agent of a verb is not what is counted
    run = []
    for w, flag in tagged[at + 1 :]:
        if w in _CLAUSE_BREAKS or (run and not noun(w, flag)):
            break
        if noun(w, flag):
            run.append(w)
    head = next((i for i in range(len(run) - 1, -1, -1) if counts(run[i])), None)
    # 多少家国家高新技术企业: 国家, 高新技术 say whose 企业; not when jieba glued the unit to
    # the next word (多少个公办学前学位 cut 个公/办学/前/学位): those words say nothing
    after = tagged[at + 1][0] if at + 1 < len(tagged) else ""
    if not found and head is not None and not (len(after) > 1 and after[0] in _GLUED_UNITS):
        modifiers = [w for w in run[:head] if counts(w)]
    head = run[head] if head is not None else None
    # 全省 of 全省固定资产投资 says where, as the report does, not whose the figure is
    return (tuple(found + ([head] if head else [])), bool(found),
            tuple(m for m in modifiers if not _WHOLE_AREA.fullmatch(m)))


_WHOLE_AREA = lazy_pattern(WHOLE_AREA)
_STATISTIC_WORDS = frozenset(STATISTIC_NOUNS)
# Measure words that jieba may glue to the word after a count word.
_GLUED_UNITS = frozenset("个家件项条所座名位台户套种批次只张辆艘架")


# Question words after which a name question names what it asks the name of (哪个社区), or
# before which it does (示范区是什么, 平台叫什么).
_WHICH = frozenset("哪个 哪一个 哪家 哪座 哪条 哪所 哪款 哪种 哪项 哪一项 什么 啥".split())
_WHAT_AFTER = frozenset("什么 哪个 哪一个 啥 什么样 哪些".split())
_COPULAS = frozenset("是 叫 为 叫做 称为".split())
# Nouns that ask for a name in general, not for a kind of thing (叫什么名字, 是什么意思).
_NOT_HEADS = frozenset("名字 名称 全称 意思 内容 东西 情况 工作 问题 方面 时候 时间 地方 原因 作用 目的 意义".split())


def _qualifiers(words: list[str], measured: str, terms: Mapping[str, float],
                in_corpus: Callable[[str], bool]) -> tuple[str, ...]:
    """Return the question's words right before its measured noun, back to the first that is
    no word of the reports' (的, a year, a place, 全市, 新增)."""
    if not measured or measured not in words:
        return ()
    at = len(words) - 1 - words[::-1].index(measured)
    found = []
    for w in reversed(words[:at]):
        if w not in terms or not in_corpus(w) or w in _GENERIC or w in _ADDITIONS or _WHOLE_AREA.fullmatch(w) \
                or not _CJK_WORD.fullmatch(w) or _TIME_WORD.match(w):
            break
        found.append(w)
    return tuple(found)


# A time (年底, 一年, 今年, 上半年) or a year's 年 that jieba glued to the next word (2022年全社会 → 年全).
_TIME_WORD = lazy_pattern(r".?.?年|.*(?:季度|月|底|末|初)$")


def _bodies(words: list[str]) -> tuple[str, ...]:
    """Return the names the question gives the bodies it asks about (机场, 港, 大学…): the word
    before the head noun with it (1号线, 三甲医院, 南京大学), or alone for a port or airport (天府 of
    天府国际机场), or the word that ends in it (青岛港); none for the head alone (机场旅客吞吐量)."""
    found = []
    for i, word in enumerate(words):
        head = next((h for h in BODY_HEADS if word.endswith(h)), "")
        if not head:
            continue
        if word != head:
            found.append(word)
            continue
        before = [w for w in words[max(0, i - 2) : i] if w not in _GENERIC_BODY]
        name = before[-1] if before else ""
        if name.isdigit():
            found.append(name + head)  # 1号线
        elif len(name) >= 2 and _CJK_WORD.fullmatch(name) and name not in STOPWORDS and not name.endswith("年"):
            # a port or airport may go by its name alone (天府机场); a university, hospital or
            # line by its whole name (南京大学, 三甲医院)
            found.append(name if head in HUB_HEADS else name + head)
    return tuple(found)


def _members(words: list[str], places: Collection[str], tag: Callable[[str], str],
             counted: Collection[str]) -> tuple[str, ...]:
    """Return the question's words that may name one of several things: Chinese words that are
    no place, no stop word, no word of what is counted, and no verb, adverb or number by their
    dictionary tag (深康 of 深康学校, 宁德 and 时代, 小米; not 新增, 提供, 学位)."""
    return tuple(dict.fromkeys(
        w for w in words if len(w) >= 2 and _CJK_WORD.fullmatch(w) and w not in STOPWORDS and w not in counted
        and not _COUNT_WORD.match(w)  # 百分之几 asks
        and not any(w in p or p in w for p in places) and not _NOT_A_NAME_TAG.match(tag(w) or "n")))


# Dictionary tags of words that name no thing: verbs, adverbs, prepositions, numbers, measure
# words, directions, particles, pronouns, conjunctions.
_NOT_A_NAME_TAG = lazy_pattern(r"v|d|p|m|q|f|u|r|c|t")


# Nouns that name a body of one kind, whose own name stands before them.
BODY_HEADS = ("机场", "港区", "港", "码头", "大学", "学院", "医院", "号线")
HUB_HEADS = ("机场", "港区", "港", "码头")  # which a city's name names: 洛阳机场, 深圳港
# Words between a body's name and its head noun that name nothing (天府国际机场, 周口中心港 keeps 中心).
_GENERIC_BODY = frozenset(("国际",))
_CJK_WORD = lazy_pattern(r"[\u3400-\u9fff]+")


def _name_head(words: list[str], tag: Callable[[str], str]) -> tuple[str, str]:
    """Return (the noun a name question asks the name of, the question's noun right before
    it): (社区, "") for 哪个社区被评为…, (品种, 交易) for 首个交易品种是什么; ("", "") when the
    question names no such noun."""
    words = [w for w in words if w.strip()]

    def noun(w: str) -> bool:
        flag = tag(w)
        return (len(w) >= 2 and w not in STOPWORDS and w not in DEMONSTRATIVES and w[-1] not in _CUE_STARTS
                and (not flag or flag.startswith(("n", "s"))) and not _QUESTION_WORD.search(w))

    for i, w in enumerate(words):
        run = []
        if w in _WHICH:  # 哪个社区, 什么示范区: the nouns after it
            for nxt in words[i + 1 :]:
                if not noun(nxt):
                    break
                run.append(nxt)
        ends_clause = i + 1 == len(words) or words[i + 1] in _CLAUSE_BREAKS or words[i + 1] in ("呢", "名字", "名称")
        if not run and w in _WHAT_AFTER and ends_clause and i >= 1 and (words[i - 1] in _COPULAS or noun(words[i - 1])):
            back = i - 1 if words[i - 1] in _COPULAS else i  # 示范区是什么 / 平台叫什么
            for prev in reversed(words[:back]):
                if not noun(prev):
                    break
                run.insert(0, prev)
        if run and run[-1] not in _NOT_HEADS:
            return run[-1], run[-2] if len(run) >= 2 else ""
    return "", ""


def _term_forms(question: str, translate: Callable[[str], Collection[str]]) -> dict[str, tuple[str, ...]]:
    """Return {English word of the question: (itself, its translations)}."""
    return {w: (w, *sorted(translate(w.lower()))) for w in _ENGLISH_WORD.findall(question)
            if w.lower() not in _ENGLISH_FUNCTION_WORDS}


# English words that shape the sentence rather than say what it is about: their dictionary
# senses (have → 具备, end → 尽) are no evidence a passage answers the question.
# (The English stop words of rag.segment, and more that only the answer step drops.)
_ENGLISH_FUNCTION_WORDS = frozenset(w for w in STOPWORDS if w.isascii()) | frozenset(
    """at as from into about after before during since until than then there their its it this
    that these those being have has had will would shall should can could may might must not
    no according end now so also""".split())


def _english_topic(terms: dict[str, float], places: Collection[str]) -> dict[str, float]:
    """Return the terms of an English question that a Chinese sentence can hold. A word with no
    translation stays: an answer whose sentence misses it is less likely to be the one. No
    function words, no bare years (which the years check reads) and no pinyin place names (which the
    places check reads: Luoyang is 洛阳 in the report, never the word itself)."""
    pinyin = {w.lower() for p in places for w in re.findall(r"[A-Za-z]+", p)}
    return {t: w for t, w in terms.items()
            if t.lower() not in _ENGLISH_FUNCTION_WORDS and t.lower() not in pinyin
            and not re.fullmatch(r"(?:19|20)\d{2}", t)}


_ENGLISH_COUNT_WORD = lazy_pattern(r"\bhow (?:many|much)\s+", re.I)


def _english_counted(asking: str, terms: dict[str, float], english: dict[str, tuple[str, ...]]) -> str:
    """Return the head noun of what an English question counts (beds in how many hospital beds
    did…), when the reports hold a translation of it: the words after how many up to the
    first function word, the last one that translates. The report writes that noun before its
    figure (床位57848张), so it reads as the measured noun; not as a noun the sentence must hold,
    since a dictionary misses many of its renderings (companies → 企业)."""
    found = _ENGLISH_COUNT_WORD.search(asking)
    if not found:
        return ""
    run = []
    for word in re.findall(r"[A-Za-z0-9-]+", asking[found.end():]):
        if word.lower() in _ENGLISH_FUNCTION_WORDS:
            break
        run.append(word)
    return next((w for w in reversed(run) if w in terms and len(english.get(w, ())) > 1), "")


def is_refusable(question: str, asking: str) -> bool:
    """Tell whether the question (folded) asks for a kind of span that we would find if
    present: a number, date, person or body, or a name whose kind it says (哪部条例,
    叫什么). “哪些改进” asks for a list of anything, so finding no name proves nothing."""
    asked = asked_kind(question)
    if asked is None:
        return False
    if asked[0] != "name":
        return True
    asking = NAMED.sub("", asking)
    return any(h in asking for h in NAME_HEADS) or bool(_NAMING_CUE.search(asking))
