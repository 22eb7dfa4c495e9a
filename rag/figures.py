"""How a report writes a figure in its sentence: what stands before it (its lead), the clause
and sentence around it, the change it may state, the rate per something it may be, and the
list after 分别 it may belong to. Text only: what a question asks for is rag.question's, and
which figure answers it is rag.answer's.
"""

from __future__ import annotations

import re

from .patterns import lazy_pattern


# ------------------------------------------------------------------ clauses and leads

CLAUSE_STOPS = "。！？；，、：\n"
# What ends a sentence, a line included (a table row, a heading).
SENTENCE_STOPS = "。！？\n"


def stop_before(text: str, at: int, stops: str = CLAUSE_STOPS) -> int:
    """Return the position of the last of `stops` before position `at`, -1 when none is."""
    return max(text.rfind(ch, 0, at) for ch in stops)


def around(text: str, start: int, end: int, stops: str) -> str:
    """Return the text between the `stops` around positions `start`..`end`."""
    return text[stop_before(text, start, stops) + 1 : _clause_end(text, end, stops)]


def _clause_end(text: str, at: int, stops: str = CLAUSE_STOPS) -> int:
    """Return where the clause that holds position `at` ends (its stop, or the text's end)."""
    ends = [i for i in (text.find(ch, at) for ch in stops) if i != -1]
    return min(ends) if ends else len(text)


def clause_before(text: str, start: int, stops: str) -> str:
    """Return the clause before the one holding position `start`, within its sentence."""
    begin = stop_before(text, start, stops)
    if begin <= 0 or text[begin] in "。！？；\n":
        return ""
    return around(text, begin, begin, stops)


def figure_clause_before(text: str, start: int, reach: int = 3) -> str:
    """Return the nearest of the `reach` clauses before the one holding `start`, within its
    sentence, that states a figure: what a total in a clause of its own (总量46家) is the
    total of (新增上市企业7家、全市第二，总量46家 → 新增上市企业7家)."""
    at = start
    for _ in range(reach):
        begin = stop_before(text, at)
        if begin <= 0 or text[begin] in "。！？；\n":
            return ""
        left = stop_before(text, begin) + 1
        if _ANY_DIGIT.search(text, left, begin):
            return text[left:begin]
        at = left
    return ""


_ANY_DIGIT = lazy_pattern(r"[0-9０-９]")


def list_members(text: str, start: int) -> tuple[str, str, list[str]] | None:
    """For a figure in a list of figures joined by 、 (老旧小区改造开工742个、完工548个), return
    the subject the list's members share (老旧小区改造), the words that are this figure's own
    (完工) and those of the other members in the same unit (开工); None when the figure is in
    no such list. A member's own words are those its clause writes before its figure; the
    first member's are as many of its last characters as the longest of the others' (开工
    against 完工), the rest being the shared subject."""
    # A member written with reading words only (新增296家、总数达1025家; 达到329天、同比增加4天)
    # is another reading of the same thing, not another thing: rag.answer's _reading tells
    # those apart.
    clauses = [c for i, c in enumerate(_list_clauses(text, start)) if not (i and _READING_ONLY.fullmatch(text[c[0]:c[1]]))]
    if len(clauses) < 2:
        return None
    leads = [text[left:figure] for left, figure in clauses]
    longest = max(len(lead) for lead in leads[1:])
    shared = leads[0][: max(0, len(leads[0]) - longest)]
    leads[0] = leads[0][len(shared):]
    mine = next((i for i, (left, _) in enumerate(clauses) if left <= start < _clause_end(text, left)), None)
    if mine is None:
        return None
    unit = _unit_at(text, clauses[mine][1])
    others = [lead for i, lead in enumerate(leads) if i != mine and _unit_at(text, clauses[i][1])[-1:] == unit[-1:]]
    return (shared, leads[mine], others) if others else None


_READING_ONLY = lazy_pattern(r"(?:其中|同比|比上年|较上年|总[数量计额]?|共计?|累计|合计|净?增[加长]?|新增|提高|提升|上升|"
                             r"下降|降低|减少|扩大|缩小|[达到至为是占约近超逾突破过]|以上|左右)*")


def _list_clauses(text: str, start: int) -> list[tuple[int, int]]:
    """Return (clause start, first figure) of the clauses joined by 、 around `start`, each
    stating a figure. Without such a list, a clause after ， joins the one before it when a
    verb alone leads to a figure in the same unit, its subject being the one before
    (保障性安居工程项目10878套，竣工3498套)."""
    listed = _joined_clauses(text, start, "、")
    return listed if len(listed) > 1 else _joined_clauses(text, start, "，")


def _joined_clauses(text: str, start: int, mark: str) -> list[tuple[int, int]]:
    left = stop_before(text, start) + 1
    found = []
    at = left
    while True:  # back over the members before
        figure = _ANY_DIGIT.search(text, at, _clause_end(text, at))
        if figure is None:
            break
        if found and not _joined(text, found[0][0] - 1, found[0][1], figure.start()):
            break
        found.insert(0, (at, figure.start()))
        if at <= 0 or text[at - 1] != mark:
            break
        at = stop_before(text, at - 1) + 1
    at = _clause_end(text, left)
    while at < len(text) and text[at] == mark:  # on over the members after
        figure = _ANY_DIGIT.search(text, at + 1, _clause_end(text, at + 1))
        if figure is None or not _joined(text, at, figure.start(), found[-1][1] if found else None):
            break
        found.append((at + 1, figure.start()))
        at = _clause_end(text, at + 1)
    return found


def _joined(text: str, mark: int, figure: int, figure_before: int | None) -> bool:
    """Tell whether the clause after the mark at `mark`, whose figure starts at `figure`, is a
    member of the list whose figure before it starts at `figure_before` (None: none before)."""
    if text[mark] == "、":
        return True
    lead = text[mark + 1 : figure]
    return (figure_before is not None and bool(_VERB_ALONE.fullmatch(lead))
            and not _READING_ONLY.fullmatch(lead) and not LINK.match(lead)  # ，同比增长…, ，总长达…: the same thing
            and _unit_at(text, figure) == _unit_at(text, figure_before))


# A clause's lead that is a short verb and no more (竣工, 完工, 开工): its subject is the one before.
_VERB_ALONE = lazy_pattern(r"[\u4e00-\u9fff]{1,3}")


def _unit_at(text: str, figure: int) -> str:
    """Return what follows the number that starts at `figure` (万人 of 12万人, % of 5.2%)."""
    unit = _UNIT_AFTER.match(text, figure)
    return unit.group(1) if unit else ""


_UNIT_AFTER = lazy_pattern(r"[0-9０-９.．,]+([^0-9０-９，。；、：\s]{0,3})")
# A clause that is a total and nothing more (总量46家, 累计达1200个) totals what a clause before it counts.
TOTAL_ONLY = lazy_pattern(r"(?:总量|总数|总计|累计|合计|共计?|总规模)(?:达到?|为|超过?|突破)?")


# What stands right before a figure says which figure it is: a total (总量达到1.8万家, 累计,
# 共), a part or an addition (新增35家, 其中), a new level (由7家增加至12家).
LEAD_WINDOW = 8
# A clause that starts with a link (达101.64亿元), or with a total's own short noun and a link
# (总长达449公里, 总面积为…), speaks of what the clause before it named.
LINK = lazy_pattern(r"(?:总[\u4e00-\u9fff]{0,2}?|共计|累计|合计|共)?(?:达到?|为|是|超过?|突破|增至|降至|计)")
# …and a place in a ranking, what the clause before it ranks (13个创新药获批上市、居全国第一).
RANK_LINK = lazy_pattern(r"(?:继续|连续\d+年)?(?:保持|[位稳跃]?居|位列|列|排名?|(?:跃升|提升|上升)?至)")
TOTAL_CUE = lazy_pattern(r"总|共|累计|合计|全部|达到?|增至|突破|超过?")
PART_CUE = lazy_pattern(r"新增|净增|新建|新开|其中|增加|增长|提高|下降|减少")
LEVEL_LEAD = lazy_pattern(r"(?:到|至|达|为)$")
CHANGE_LEAD = lazy_pattern(r"(?:提高|增长|下降|降低|减少|增加|提升|上升|扩大|缩小|下滑|回落)了?$")
# A figure followed by one of these is where a change started (由8人增至11人: 8人).
CHANGE_FROM = lazy_pattern(r"(?:增加|提高|提升|增长|上升|下降|降低|减少|扩大|缩小|跃升|攀升|增|降|升|扩|缩)(?:到|至)")
# A figure after one of these is where a change ended.
CHANGED_TO = lazy_pattern(r"(?:增加|提高|提升|增长|上升|下降|降低|减少|扩大|缩小|跃升|攀升)(?:到|至)$|[增降升]至$")
# What stands before a figure of a period rather than of one year (年均增长8.0%, 五年净增608万户,
# 三年来累计…, “十三五”期间…).
PERIOD_LEAD = lazy_pattern(r"年均|[两三四五六七八九十]年(?:来|间|内)?(?:累计|共|净增|新增|增加|增长)|"
                            r"[两三四五六七八九十]年来|十[一二三四五]五”?(?:期间|时期)")


# What stands before a figure that measures a gap to another's (高于全国15.9个百分点, 比全国平均
# 高3.2个百分点, 高于年初目标任务3.5个百分点); against the year before it is a change (比上年高).
COMPARED_LEAD = lazy_pattern(r"(?:高于|低于|快于|慢于|高出|低出|超出)(?!上年|去年|上一年|同期)[^，。；、：\d]{0,14}$|"
                             r"比(?!例|重|率|值|上年|去年|上一年|同期)[^，。；、：\d]{1,14}(?<![提升增降])(?:高|低|快|慢)出?$")


def lead_before(text: str, start: int, width: int = 0) -> str:
    """Return the `width` characters before a figure, a footnote's mark and spaces left out
    (地区生产总值[2] 16907.85亿元: the figure follows 地区生产总值)."""
    width = width or LEAD_WINDOW
    return _FOOTNOTE_MARK.sub("", text[max(0, start - width - 8) : start])[-width:]


_FOOTNOTE_MARK = lazy_pattern(r"\[\d{1,2}\]|[①-⑳]|\s+")


def own_lead(text: str, start: int) -> str:
    """Return the text right before a span, back to the start of its clause."""
    lead = text[max(0, start - LEAD_WINDOW) : start]
    return re.split(r"[，。；：！？]", lead)[-1]


# The nouns that name a statistic (what an amount or a volume is of), longest first so that
# a name ends in its most specific one (进出口总额, not 总额). Two of them are two statistics:
# 地区生产总值 is no 一般公共预算收入, 规上工业总产值 no 地区生产总值, 社会投资 no 研发投入.
STATISTIC_NOUNS = tuple(sorted(set(
    "生产总值 增加值 总产值 产值 营业收入 可支配收入 收入 支出 投资 投入 消费支出 零售总额 零售额 进出口总额 进出口 出口额 "
    "出口总额 进口总额 进口额 利润 利润总额 税收 存款余额 贷款余额 产量 装机 发电量 用电量 里程 面积 吞吐量 客运量 货运量 周转量 保有量 "
    "成交额 销售额 营业额 交易额 常住人口 户籍人口".split()), key=len, reverse=True))
# What may stand between a figure and the words before it that name what it measures:
# links, comparisons, changes and qualifiers (地区生产总值按可比价计算增长5.5%, 装机突破1.5亿千瓦).
_SUBJECT_TAIL = lazy_pattern(r"(?:同比|比上年末?|较上年末?|比去年|较去年|按可比价格?计算|分别|首次|再次|继续|持续|预计|约|近|"
                             r"超过?|突破|达到?|为|是|实现|完成|增长|增加|提高|提升|上升|下降|降低|减少|回落|增至|降至|增到|降到|"
                             r"保持|稳定在|控制在|了)$")
# …and the figures listed before it (分别达6.6万元和3.2万元: 3.2万元 is read as 6.6万元 is).
_LISTED_BEFORE = lazy_pattern(r"[0-9０-９][0-9０-９.．]*[万亿]?[^\s，。；：0-9０-９]{0,6}?(?:和|、|及|以及|与)$")


def statistic_before(text: str, start: int) -> tuple[str, str]:
    """Return the statistic (STATISTIC_NOUNS) that the words right before a figure, in its
    clause, end in, and the two characters that qualify it, a 总 left out (2024年地区生产总值
    达13.7万亿元 → (地区, 生产总值); 电力总装机突破1.5亿千瓦 → (电力, 装机)); ("", "") for none."""
    left = stop_before(text, start) + 1
    lead = _FOOTNOTE_MARK.sub("", text[left:start])
    while lead and (tail := _SUBJECT_TAIL.search(lead) or _LISTED_BEFORE.search(lead)):
        lead = lead[: tail.start()]
    if not lead and left > 1 and text[left - 1] == "，" and (level := _FIGURE_AT_END.search(text, 0, left - 1)):
        # a change in a clause of its own is that of the figure before it (快递业务收入165.7亿元，
        # 增长18.9%: 收入's)
        return statistic_before(text, level.start())
    noun = next((noun for noun in STATISTIC_NOUNS if lead.endswith(noun)), "")
    return (qualifier_before(lead, len(lead) - len(noun)) if noun else ""), noun


_FIGURE_AT_END = lazy_pattern(r"(?<![0-9０-９.．])[0-9０-９][0-9０-９.．]*[万亿]?[^\s，。；：、0-9０-９]{0,4}$")


def qualifier_before(text: str, at: int) -> str:
    """Return the two Chinese characters before position `at`, a 总 left out (粮食总产量 →
    粮食), or "" when they are not both Chinese."""
    before = text[:at].removesuffix("总")[-2:]
    return before if len(before) == 2 and all("\u3400" <= c <= "\u9fff" for c in before) else ""


# The whole area a report speaks for (全省, 全市, 本区): where, not whose a figure is.
WHOLE_AREA = r"全[省市区县州国]|本[省市区县州]"


# ------------------------------------------------------------------ changes

# A clause that states a change of the figure before it (同比增加13天, 比上年增长5%).
CHANGE_CLAUSE = lazy_pattern(r"(?:同比|比上年|较上年|比去年|较去年|比上年末|与上年相比)?"
                              r"(?:增加|增长|提高|提升|上升|下降|减少|降低|增产|减产|多|少)")
# What a clause that states a change holds (比上年增加2.44万亩, 增产0.6%, 多13天).
CHANGE_WORD = lazy_pattern(r"[增减降涨升扩缩多少]|提高|提升|下滑|回落")
# A fall written right before the figure of a change: the answer to a question that does
# not ask for a fall shows it.
_FALLS = "下降|降低|减少|回落|下滑|缩小|减产"
FALL = lazy_pattern(rf"{_FALLS}|\b(?:fall|fell|drop|decline|decrease)", re.I)
FALL_BEFORE = lazy_pattern(rf"(?:{_FALLS})了?$")


# ------------------------------------------------------------------ rates and averages

# A figure per something (5.0批次/千人, 2280元/月): what follows the slash. Per a time, it
# is how a wage or a standard is stated: the question need not say so.
PER_UNIT = lazy_pattern(r"/(千人|万人|百人|人|户|小时|季度|[年月日天周]|平方公里|平方米|公顷|亩|千米|公里|吨|立方米|千瓦时|"
                         r"床|张|次|件|辆|标准煤)")
PER_TIME = lazy_pattern(r"[年月日天周]|小时|季度")
_AVERAGE = lazy_pattern(r"[人户地日]均|平均")


def is_average(text: str, start: int) -> bool:
    """Tell whether a figure is one per person, household or area (人均地区生产总值178781元)."""
    return bool(_AVERAGE.search(re.split(r"[，。；：！？,;]", text[max(0, start - 20) : start])[-1]))


# ------------------------------------------------------------------ lists after 分别

def respective_list(text: str, start: int) -> tuple[int, int] | None:
    """For a figure in a list of figures each of its own subject, return where the subjects'
    words end and where the list of figures starts: after 分别 (…收入分别增长5%、6.5%), or,
    without it, at a run of bare figures joined by 、 or 和 (生产安全事故起数和死亡人数下降12.5%和
    6.3%; 公众满意度达99.1%、93.8%); None when the figure is in no such list."""
    sentence_start = stop_before(text, start, "。！？；\n") + 1
    cue = text.rfind("分别", sentence_start, start)
    if cue != -1 and (list_end := _clause_end(text, cue, _LIST_STOPS)) >= start:
        # 分别从每人每月202元、270元提高到209元、280元: two lists, where each change started
        # and where it ended; a figure is read in its own
        turn = _turn_of_changes(text, cue + 2, list_end)
        return cue, turn.end() if turn and turn.end() <= start else cue + 2
    clause_start = stop_before(text, start, _LIST_STOPS) + 1
    for run in _BARE_FIGURE_RUN.finditer(text, clause_start, _clause_end(text, start, _LIST_STOPS)):
        if run.start() <= start < run.end():
            return run.start(), run.start()
    return None


_LIST_STOPS = "，。；！？\n"  # what ends a list's clause: not its 、
_FROM = lazy_pattern(r"[从由]")
_FROM_TO = lazy_pattern(r"(?:提高|增加|提升|增长|上升|下降|降低|减少|扩大|缩小|调整)(?:到|至)|增至|降至")


def _turn_of_changes(text: str, start: int, end: int) -> re.Match | None:
    """Return the verb between the two lists of a list of changes that starts at `start`
    (从202元、270元|提高到|209元、280元), or None when the list is no such one."""
    return _FROM_TO.search(text, start, end) if _FROM.match(text, start) else None
# The verb and link between a list's subjects and its bare figures (下降, 增长, 达, 提高到)
_VERB_TAIL = lazy_pattern(r"(?:同比|比上年|较上年)?(?:下降|增长|提高|提升|减少|降低|增加|上升|回落|达|为|至|到)+$")
_BARE_FIGURE = r"[约近超]?\d[\d.]*(?:[%％]|[万亿千百]?[\u4e00-\u9fff/]{0,4}?)"
# Bare figures joined by 、 or a word, a unit at most after each (12.5%和6.3%, 99.1%、93.8%)
_BARE_FIGURE_RUN = lazy_pattern(rf"(?<![\d.]){_BARE_FIGURE}(?:(?:、|和|与|及){_BARE_FIGURE})+(?=[，。；！？\n]|$)")


def respective_subjects(text: str, start: int, end: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """For a figure in a list after 分别 (城镇、农村居民人均可支配收入分别增长5%、6.5%左右),
    return the part of the subject list that is its own (农村) and the other parts (城镇);
    None when the figure is in no such list or the two lists differ in length. The
    last subject carries the head the subjects share (居民人均可支配收入), so each subject is
    compared on its first characters only, as many as the longest of the others has."""
    sentence_start = stop_before(text, start, "。！？；\n") + 1
    cue = respective_list(text, start)
    if cue is None:
        return None
    subjects_end, figures_from = cue
    list_end = _clause_end(text, figures_from, _LIST_STOPS)
    if turn := _turn_of_changes(text, figures_from, list_end):
        list_end = turn.start()  # the list of where the changes started (从202元、270元提高到…)
    if end > list_end:
        return None  # a figure of a later clause (…分别增长11.2%、8.1%，社会消费品零售总额增长3.6%)
    # 增长4.3%和7.1%, 下降6.5%、3.9%和4.6%: the last figure may be joined by a word
    separators = list(_FIGURE_JOINT.finditer(text, figures_from, list_end))
    bounds = [figures_from] + [m.end() for m in separators]
    figures = [text[a:b.start()] for a, b in zip(bounds, separators)] + [text[bounds[-1]:list_end]]
    subject_start = max(text.rfind(ch, sentence_start, subjects_end) for ch in "，：；") + 1
    subject_text = text[max(subject_start, sentence_start) : subjects_end]
    if subjects_end == figures_from:  # no 分别: the verb before the figures is no subject's (死亡人数下降)
        subject_text = _VERB_TAIL.sub("", subject_text)
    subjects = subject_text.split("、")
    if len(subjects) == 1 and len(figures) == 2 and len(pair := _PAIR.split(subjects[0], maxsplit=1)) == 2:
        subjects = pair  # 先进制造业和高技术制造业增加值…分别提高到55%、29.5%; 起数和死亡人数下降12.5%和6.3%
    if len(subjects) == 1 and subject_start > sentence_start:
        # The subjects may be the list of the clause before (高技术制造业、装备制造业增加值分别
        # 增长12.5%、13.1%，占规模以上工业比重分别提高到21.7%、33.6%).
        before = text[max([sentence_start - 1] + [text.rfind(ch, sentence_start, subject_start - 1) for ch in "，：；"]) + 1
                      : subject_start - 1]
        before = before[: before.find("分别")] if "分别" in before else before
        # …up to the 等 that closes it (新能源汽车、集成电路、工业机器人等绿色、智能产品产量增长较快)
        for listed in (before, before[: before.find("等")] if "等" in before else ""):
            if len(listed.split("、")) == len(figures):
                subjects = listed.split("、")
                break
    if len(subjects) == 1 and len(figures) == 2 and (both := subjects[0].find("城乡")) >= 0:
        subjects = ["城镇", "农村" + subjects[0][both + 2 :]]  # 城乡低保平均标准分别提高至778元/月、6818元/年
    if len(figures) < 2 or len(figures) != len(subjects):
        return None
    subjects = _distinguishing(_head_ended(subjects))
    mine = next((i for i, (at, figure) in enumerate(zip(bounds, figures)) if at <= start < at + len(figure)), None)
    if mine is None:
        return None
    width = max(len(s) for s in subjects[:-1])
    heads = [s[:width] for s in subjects]
    others = max(len(s) for s in subjects[1:])
    if len(heads[0]) > others + 1:  # the first carries what they share before them (万元GDP能耗、水耗)
        heads[0] = heads[0][-others:]
    return (heads[mine],), tuple(h for i, h in enumerate(heads) if i != mine)


_PAIR = lazy_pattern(r"和|与|及|以及")
# What joins the figures of a 分别 list: 、, or a word before the last (4.3%和7.1%)
_FIGURE_JOINT = lazy_pattern(r"、|(?:和|与|及|以及)(?=[\d约近超])")  # 1563家和5333家


def _head_ended(subjects: list[str]) -> list[str]:
    """Return the subjects with the last one ended where its head does, when the first ends
    in a head the last one writes too (高技术制造业、装备制造业增加值 → 装备制造业)."""
    first, last = subjects[0], subjects[-1]
    for size in range(min(len(first), len(last)) - 1, 1, -1):
        at = last.find(first[-size:], 1)
        if at != -1:
            return subjects[:-1] + [last[: at + size]]
    return subjects


def _distinguishing(subjects: list[str]) -> list[str]:
    """Return the subjects without the words they all share at either end (最低工资标准、
    最低生活保障标准 → 工资、生活保障): a question naming 标准 names neither of them."""
    while len({s[:1] for s in subjects}) == 1 and min(map(len, subjects)) > 1:
        subjects = [s[1:] for s in subjects]
    while len({s[-1:] for s in subjects}) == 1 and min(map(len, subjects)) > 2:
        subjects = [s[:-1] for s in subjects]  # not below two: 能耗、水耗 share 耗, yet 水 names nothing
    return subjects


# ------------------------------------------------------------------ parts of a year

# A quarter, a half or a month of a year as the period of a figure (二季度, 第二季度, 前三季度,
# 上半年, 12月份, 1—11月, 前11个月). A bare 3月 is left out: a question's date of an event
# (2023年3月开通的地铁) is no period its figure must be of.
_MONTH = r"(1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])"
_PART_OF_YEAR = lazy_pattern(rf"(前)?第?([一二三四1-4])季度|([上下])半年|"
                             rf"(?:1|一)月?\s*[-—－~至到]\s*{_MONTH}月|前{_MONTH}个月|{_MONTH}月(?:份|末|底)")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}


def asked_parts_of_year(question: str) -> frozenset[str]:
    """Return the parts of a year a question asks a figure of: those of parts_of_year, and a
    month written bare after its year (2024年12月出口增长了多少, 2019年12月的社会消费品零售总额),
    unless it dates an event the question names by it (2023年3月开通的地铁), starts a time
    (3月起), or a span (2019年3月到2023年11月)."""
    keys = set(parts_of_year(question))
    for m in _BARE_MONTH.finditer(question):
        keys.add(f"M{_NUMERALS.get(m.group(1)) or int(m.group(1))}")
    return frozenset(keys)


_BARE_MONTH = lazy_pattern(rf"(?<![至到—\-－~])\d{{4}}年{_MONTH}月(?![份末底起以至到—\-－~]|[^，。？?的]{{1,6}}的)")


def parts_of_year(text: str) -> frozenset[str]:
    """Return the parts of a year a text names as periods, as keys (Q2, Q1-3, H1, M12, M1-11)."""
    keys = set()
    for m in _PART_OF_YEAR.finditer(text):
        through, quarter, half = m.group(1), m.group(2), m.group(3)
        if quarter:
            q = _NUMERALS.get(quarter) or int(quarter)
            keys.add(f"Q1-{q}" if through else f"Q{q}")
        elif half:
            keys.add("H1" if half == "上" else "H2")
        else:
            up_to = m.group(4) or m.group(5)  # 1—11月, 前11个月: the months through this one
            months = up_to or m.group(6)
            n = _NUMERALS.get(months) or int(months)
            keys.add(f"M1-{n}" if up_to else f"M{n}")
    return frozenset(keys)

