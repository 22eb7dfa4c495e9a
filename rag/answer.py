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
from dataclasses import dataclass, field, replace

from .config import Tuning
from .figures import (CHANGE_CLAUSE, CHANGE_FROM, CHANGE_LEAD, CHANGE_WORD, CHANGED_TO, CLAUSE_STOPS, COMPARED_LEAD, FALL,
                      FALL_BEFORE, LEAD_WINDOW, LEVEL_LEAD, LINK, PART_CUE, PER_TIME, PER_UNIT, PERIOD_LEAD,
                      RANK_LINK, SENTENCE_STOPS, TOTAL_CUE, TOTAL_ONLY, around, clause_before, figure_clause_before, is_average,
                      lead_before, list_members, own_lead, parts_of_year, respective_list, respective_subjects,
                      stop_before)
from .identity import ReportIdentity
from .passage import Hit
from .patterns import lazy_pattern
from .query import Query
from .question import HUB_HEADS, NUMBER_KINDS, Asked, asked_years, counted_thing
from .sections import names_report, plan_period_years, section_of, years_of_titles
from .segment import cut, holds_form, renamed, shorter_forms, stands_alone
from .spans import NAMED, find, headed_spans
from .tables import cells
from .whose import (RUNNING_TOTAL, SHARE_WORD, THRESHOLD, a_contrary_scope, a_longer_names_figure, a_part_for_the_whole,
                    after_a_word, another_scope, another_statistic, counted_right_before, named_better_elsewhere, names_the_rate,
                    listed_with_others, one_of_a_list, qualified_otherwise, subjects_named,
                    the_whole_not_the_part)

__all__ = ["Answer", "Reply", "answer_first", "extract_answer", "judge_answerable"]

# How far after a name its head noun may stand (“安全守护开学季”2个集中整治周行动).
_HEAD_WINDOW = 20


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
    # The question's words to mark in the passages (rag.query), longest first.
    highlight: tuple[str, ...] = ()
    # Why the reports cannot answer (a region or year none covers), when that is the reason.
    refusal: str = ""
    # The identity of each cited report, by source.
    reports: Mapping[str, ReportIdentity] = field(default_factory=dict)

    @property
    def translated_words(self) -> tuple[str, ...]:
        """Return the report's words that stood in for the question's English words."""
        return tuple(sorted({w for _, words in self.translations for w in words}))

    def to_dict(self) -> dict:
        """Return the JSON shape of `rag.ask --json`."""
        return {"question": self.question, "answerable": self.answerable,
                "answer": self.answer.to_dict() if self.answer else None,
                "hits": [h.to_dict() | self._report_of(h.source) for h in self.hits],
                "translations": {word: list(words) for word, words in self.translations},
                "refusal": self.refusal}

    def _report_of(self, source: str) -> dict:
        report = self.reports.get(source)
        return {"report": report.citation()} if report else {}


def extract_answer(query: Query, hits: Sequence[Hit], *, reports: Mapping[str, ReportIdentity] | None = None,
                   tuning: Tuning = Tuning(), max_hits: int = 3) -> Answer | None:
    """Return the best-supported answer span among the top hits, or None.

    A hit's report (`reports`, by source) says what the whole report is about: the years of
    its title, which a question naming one needn't find in the passage, and the words of
    its title (上海市, 2023), which outside the title itself don't count as support
    (上海市2023年的常住人口是多少 is not answered by a sentence on 上海市 in 2023 that never
    mentions 常住人口). A place the question names must be the report's region (or lie on
    its lineage) or be named in the passage: 南山区 is not answered from the 宝安区 report.
    An English question's words count through their translations, against a higher bar.
    """
    asked = query.asked
    if asked is None:
        return None
    reports = reports or {}
    min_support = tuning.min_support_english if asked.english else tuning.min_support
    best: tuple[float, Answer] | None = None
    rivals: list[tuple[float, Answer]] = []
    withheld = float("-inf")  # the best score of a figure that is a list's, not the thing asked
    # An English question ranks on translated words and vectors: a figure outside its best
    # passage is too often a neighbour's.
    for hit in hits[: 1 if asked.english else max_hits]:
        hit = _with_full_width_marks(hit)
        report = reports.get(hit.source)
        scope = "".join(hit.heading_path) + hit.passage.context + hit.text
        years = _asked_years(query, report)
        if not _speaks_of_the_years(years, report, hit, scope):
            continue  # the question is about a year this passage does not speak of
        if any(q not in scope for q in asked.quoted):
            continue  # a name the question quotes must be there
        if not _places_hold(query, report, scope):
            continue  # a place the question names is neither this report's nor in the passage
        in_plan = section_of(hit.heading_path, "")[0] == "plan"  # by its titles (rag.sections)
        if asked.wants_target and not (in_plan or _TARGET_CUE.search(hit.text)):
            continue  # a target is asked for: a passage of results has none
        if in_plan and not asked.wants_target and (_ASKS_NOW.search(asked.question) or _ASKS_RESULT.search(asked.question)):
            continue  # 现在有多少 asks how things stand, 新建了多少 what was done: no plan says either
        title = report.title if report else ""
        home = _home_names(query, report)
        topical = {t: w for t, w in asked.terms.items() if not names_report(t, title) and t not in home}
        terms = asked.terms if not hit.heading_path else topical  # the title passage has none
        # A plan's figure is a target: a question about what was done takes it only when no
        # review states one (山东对孤儿…每人给多少 is answered by the plan alone).
        planned = _PLANNED if in_plan and query.asks_what_was_done() else 0.0
        # 洛阳机场 in the 洛阳 report, 深圳港 in 深圳's: a city's airport or port, no body of a name of its
        # own (南京大学 is one)
        bodies = [b for b in asked.bodies if b not in home and not any(b.startswith(h) and b[len(h):] in HUB_HEADS
                                                                        for h in home)]
        found = list(_candidates(asked, hit, terms, min_support, target_cue_needed=asked.wants_target and not in_plan,
                                 years=years, bodies=bodies)) + _table_candidates(query, hit)
        for score, answer in found:
            if answer is None:  # a list's figure (_candidates)
                withheld = max(withheld, score - planned)
                continue
            candidate = (score - planned, answer)
            rivals.append(candidate)
            if best is None or candidate[0] > best[0]:
                best = candidate
    if best and asked.english and _rivals(best, rivals):
        return None  # translated words can't tell two figures apart: show the passages instead
    return best[1] if best and best[0] > withheld else None


def _with_full_width_marks(hit: Hit) -> Hit:
    """Return the hit with a comma or semicolon typed in ASCII beside a Chinese character
    read as the full-width mark it stands for (再就业2.0万人,就业困难人员…: two clauses, two
    figures); one character for one, so offsets stay, and 1,234 stays a number."""
    text = _ASCII_MARK.sub(lambda m: _FULL_WIDTH[m.group(0)], hit.text)
    return hit if text == hit.text else replace(hit, passage=replace(hit.passage, text=text))


_ASCII_MARK = lazy_pattern(r"(?<=[\u3400-\u9fff%％”）)])[,;](?!\d)|(?<!\d)[,;](?=[\u3400-\u9fff“（(])")
_FULL_WIDTH = {",": "，", ";": "；"}


def answer_first(hits: Sequence[Hit], answer: Answer | None) -> tuple[list[Hit], Answer | None]:
    """Return the hits with the passage that states the answer first, and the answer citing
    it there: a reader checks the figure against the first passage shown. Not when the
    first passage writes the same figure too (it may be the one that says it best)."""
    hits = list(hits)
    if answer is None or answer.hit_rank <= 1 or answer.hit_rank > len(hits) or answer.text in hits[0].text:
        return hits, answer
    ordered = [hits[answer.hit_rank - 1]] + [h for i, h in enumerate(hits) if i != answer.hit_rank - 1]
    return [replace(h, rank=i) for i, h in enumerate(ordered, 1)], replace(answer, hit_rank=1)


# What a plan's figure loses, as a candidate answer to a question about what was done.
_PLANNED = 1.0
# An English question reaches a sentence through dictionary translations, which often fit
# two figures of one sentence (beds in hospitals, beds in all health institutions): its answer
# must stand out by this much from the best different figure.
_ENGLISH_MARGIN = 0.5


def _rivals(best: tuple[float, Answer], candidates: Sequence[tuple[float, Answer]]) -> bool:
    """Tell whether another figure scores within `_ENGLISH_MARGIN` of the best one."""
    figure = _QUALIFIER_OR_QUOTES.sub("", best[1].text)
    return any(score > best[0] - _ENGLISH_MARGIN and _QUALIFIER_OR_QUOTES.sub("", answer.text) != figure
               for score, answer in candidates)


_QUALIFIER_OR_QUOTES = lazy_pattern(r"[“”‘’《》\"]|左右$|以上$|以内$|以下$")


# A question about how things stand now: no plan says it.
_ASKS_NOW = lazy_pattern(r"现在|目前|现有|如今|至今|截至|已经|已有|\bnow\b|\bcurrently\b|\bso far\b", re.I)
# A question about what was done (新建了多少, 实际增长) is answered by results, not by the plan
# that set the year's target (2021年工作安排: 新建5G基站5000个; done: 5018个).
_ASKS_RESULT = lazy_pattern(r"了(?:多少|几)|实际|完成了|\bdid\b|\bactual(?:ly)?\b", re.I)
# Words that mark a planned figure (要 as a verb: not 要求, 主要, 重要).
_TARGET_CUE = lazy_pattern(r"目标|预期|左右|力争|确保|计划|争取|以上|以内|不低于|不少于|将|(?<![主重需])要(?![求素点闻])")


# A figure followed by these is a target that a result is measured against (超额完成“十三五”时期
# 40万套的目标任务, 国家下达的110万人就业任务).
_TARGET_AFTER = lazy_pattern(r"的?[\u4e00-\u9fff]{0,4}?(?:目标)?任务|的?(?:年度)?目标(?!值)")
_ASKS_TASK = lazy_pattern(r"任务|目标|指标")


def _said_to_be_planned(text: str, start: int, end: int) -> bool:
    """Whether a figure's sentence says it is planned before it, or right after it (增长5%左右):
    a cue later in the sentence (…增长5.8%，顺利完成全年主要目标任务) speaks of something else."""
    left = stop_before(text, start, "。！？；") + 1
    return bool(_TARGET_CUE.search(text, left, end + 2))


def _asked_years(query: Query, report: ReportIdentity | None) -> set[str]:
    """Return the years a question asks about, 今年/去年 counted from the report's date; not
    the year that names this report (2025 of 2025年政府工作报告里粮食产量是多少, answered by
    its review of 2024) unless the plan of that year is asked for (Query.content_years)."""
    asked, issued = query.asked, report.issued_year if report else ""
    relative = {str(int(issued) + shift) for shift in asked.relative} if issued else set()
    # A year naming a report that is not this one's (福田区2022年政府工作报告 for the 2023
    # report) is a year this one must speak of.
    titled = set(report.title_years) if report else set()
    return (set(asked.years) & (set(query.content_years) | (set(query.report_years) - titled))) | relative


def _speaks_of_the_years(years: set[str], report: ReportIdentity | None, hit: Hit, scope: str) -> bool:
    """Tell whether the passage speaks of every year the question asks about (`years`,
    _asked_years): by its section titles (2024年工作回顾, 过去一年…; rag.sections.years_of_titles,
    without an open end) or by naming the year in its text."""
    granted, _ = years_of_titles(hit.heading_path, report.issued_year if report else "",
                                 report.title_years if report else ())
    # a five-year plan's review (“十三五”时期发展成就) states where things stood at its end:
    # 居民人均预期寿命达83.5岁 is 2020's
    granted |= {max(period)} if (period := plan_period_years("".join(hit.heading_path))) else set()
    return all(y in granted or y + "年" in scope for y in years)


def _places_hold(query: Query, report: ReportIdentity | None, scope: str) -> bool:
    """Tell whether every place the question names is the report's region or contains it
    (深圳 for the 南山区 report), or is written in the passage (成都 in the 四川 report)."""
    home = _home_names(query, report)
    return all(name in home or name in scope for name in {p.written or p.name for p in query.places})


def _period_of(hit: Hit, start: int, clause: str) -> frozenset[str]:
    """Return the parts of a year a figure is of: those its own clause names, else the clause
    before it (2023年1月—11月，共立案查处案件8735件), else the passage's section titles."""
    for text in (clause, clause_before(hit.text, start, CLAUSE_STOPS), "".join(hit.heading_path)):
        if found := parts_of_year(text):
            return found
    return frozenset()


def _home_names(query: Query, report: ReportIdentity | None) -> set[str]:
    """Return the names the question writes of the report's region or of one containing it
    (黔东南州 for the 黔东南苗族侗族自治州 report): like the words of its title, they say
    which report, not which passage."""
    home = report.place if report else None
    return {p.written or p.name for p in query.places if home is not None and home.within(p)}


def _candidates(asked: Asked, hit: Hit, terms: dict[str, float], min_support: float,
                target_cue_needed: bool = False, years: Collection[str] = (),
                bodies: Collection[str] = ()) -> Iterator[tuple[float, Answer | None]]:
    """Yield (score, answer) for each span of the asked kind in the hit that its sentence
    supports; with `target_cue_needed` (a target asked for, outside a plan section) only
    those whose sentence says it is one (目标, 力争, 左右…): a review passage that mentions
    its targets once still states results. A figure of a list that holds the thing asked
    with others comes as (score, None): no answer, and none weaker than it either."""
    total = sum(terms.values())
    if not total:
        return
    # a list's subjects are told apart by the question's words and by the names it quotes
    # (“四上”企业), which are no terms
    naming = {**terms, **{q: 2.0 for q in asked.quoted if q not in terms}}
    naming_forms = {**{q: (q,) for q in asked.quoted}, **asked.forms}
    quoted_or_titled = find(hit.text, asked.span_kinds())
    unquoted = headed_spans(hit.text, asked.name_head, asked.name_lead) if asked.kind == "name" else []
    for start, end in quoted_or_titled + [s for s in unquoted if not _inside(s, quoted_or_titled)]:
        span = hit.text[start:end]
        if span in asked.question:
            continue  # the question's own words (法律顾问 for 法律顾问分别是谁) tell it nothing
        if THRESHOLD.search(span) and hit.text[end : end + 1] in ("的", "且"):
            continue  # 人均纯收入1万元以下且有劳动能力的脱贫户: a line drawn, not a figure of anything
        before = hit.text[max(0, start - len(asked.name_head)) : start] if (start, end) in unquoted else ""
        if not asked.fits(span, _bare_after(hit.text, end), before):
            continue
        per = PER_UNIT.match(hit.text, end) if asked.kind in NUMBER_KINDS else None
        if per:
            if not (per.group(1) in asked.question or PER_TIME.fullmatch(per.group(1))
                    or names_the_rate(asked, hit.text, start)):
                continue  # 地均集约度达41.40亿元/平方公里 is no 地区生产总值
            end, span = per.end(), hit.text[start : per.end()]
        # The sentence must hold the question; the span's own clause says which span it
        # means (检查企业3355家，约谈企业216家: 约谈 → 216家).
        sentence = around(hit.text, start, end, "。！？；")
        if target_cue_needed and not _said_to_be_planned(hit.text, start, end):
            continue
        if not asked.wants_target and _TARGET_AFTER.match(hit.text, end) and not _ASKS_TASK.search(asked.question):
            continue  # 超额完成国家下达的110万人就业任务: the target met, not what was done
        if asked.wants_change and not asked.wants_level and (
                CHANGED_TO.search(hit.text[max(0, start - LEAD_WINDOW) : start]) or CHANGE_FROM.match(hit.text[end : end + 4])):
            continue  # 由9000家增加到1.5万家 states where a change started and ended, not by how much
        named = set(asked_years(sentence))
        if years and named and not named & set(years):
            continue  # 到2030年…达到2.8% is 2030's figure, not this year's
        # a noun of quantity that the figure follows what it counts of (就业人员10.8万人) is held
        counted = counted_right_before(hit.text, start, terms)
        support = (_support(terms, asked.forms, sentence + "".join(hit.heading_path))
                   + _not_held(terms, asked.forms, counted, sentence)) / total
        if support < min_support:
            continue
        clause = around(hit.text, start, end, CLAUSE_STOPS)
        # 运营里程459.4公里（含有轨电车16.71公里）: the words in the bracket are its part's
        part = _PART_BRACKET.match(hit.text, end)
        if part:
            clause = clause.replace(part.group(0), "", 1)
        rest = clause.replace(span, "", 1)  # the clause's words besides the figure
        prior_clause = clause_before(hit.text, start, CLAUSE_STOPS)  # read by several checks below
        # The base a change is measured from (比上年) says nothing of whose figure it is.
        local = _support({t: w for t, w in terms.items() if t not in _COMPARISON_BASES}, asked.forms, rest) / total
        # …and a verb of change (提高0.7个百分点) names nothing either: such a clause speaks of
        # what the clause before it named
        subject = _support({t: w for t, w in terms.items() if t not in _COMPARISON_BASES and not _CHANGE_TERM.fullmatch(t)},
                           asked.forms, rest)
        if not subject and ((RANK_LINK if asked.kind == "rank" else LINK).match(clause)  # …，达101.64亿元
                            or (asked.wants_change and CHANGE_CLAUSE.match(clause))):  # …318天，同比增加13天
            # …or, past a clause that names nothing (按可比价格计算), the nearest that states a figure
            local += (_support(terms, asked.forms, prior_clause)
                      or _support(terms, asked.forms, figure_clause_before(hit.text, start))) / total
        if TOTAL_ONLY.fullmatch(rest):  # 新增上市企业7家、全市第二，总量46家
            local += _support(terms, asked.forms, figure_clause_before(hit.text, start)) / total
        respective = respective_subjects(hit.text, start, end)
        if respective is None and (members := list_members(hit.text, start)):
            shared, own_words, other_words = members
            if not _support(terms, asked.forms, own_words) and any(_support(terms, asked.forms, words)
                                                                   for words in other_words):
                continue  # 开工742个 of 老旧小区改造开工742个、完工548个 for 完工了多少个
            local += _support({t: w for t, w in terms.items() if not any(holds_form(clause, f) for f in asked.forms[t])},
                              asked.forms, shared) / total  # 完工548个 counts 老旧小区改造 too
        read_at = start  # where the words that say what the figure is end
        if respective is not None:  # 城镇、农村居民收入分别增长5%、6.5%: 6.5% is 农村's
            own, others = (_naming(naming, naming_forms, heads) / total for heads in respective)
            if own <= others:
                continue  # another subject's figure, or the question names none of them
            if len(subjects_named(terms, respective[0] + respective[1])) >= 2:
                continue  # 节庆、论坛、展会砍掉了多少 asks the whole list: no one figure of it answers
            local = max(local, own)
            # Every figure of the list is read by what precedes the list (分别增长 → a change),
            # in the clause of the subjects, the verb and the figures.
            listed = respective_list(hit.text, start)[1]
            first_figure = _DIGIT.search(hit.text, listed, start + 1)
            read_at = first_figure.start() if first_figure else listed
            clause = around(hit.text, listed, end, CLAUSE_STOPS.replace("、", ""))
        if asked.kind == "name" and _support(terms, asked.forms, span) / total >= _SPELLS_OUT:
            local = max(local, _support(terms, asked.forms, clause) / total)  # the full name of what is described
        if not local and asked.kind not in ("date", "person", "org"):
            continue  # a figure or name whose own clause shares no word with the question (the
            # span's own words aside) is about something else; a date or a person may stand alone
        if another_statistic(asked, hit.text, read_at, respective is not None):
            continue  # 地区生产总值达13.7万亿元 for 一般公共预算收入是多少: the figure of another statistic
        if respective is None and named_better_elsewhere(asked, (t for t in terms if t not in _COMPARISON_BASES
                                                                 and not _CHANGE_TERM.fullmatch(t)), hit.text, start, end):
            continue  # 战略性新兴产业增加值222.69亿元 when 其中高端装备制造产业增加值 is asked: another's figure
        lead = own_lead(hit.text, start)
        if asked.wants_new and not asked.wants_total and (
                RUNNING_TOTAL.search(lead) or (_STOCK_LEAD.search(lead) and not PART_CUE.search(lead))):
            continue  # 累计建成超充站1030座, 国高企业达到7061家: how many there are, not how many were added
        if asked.wants_share and not SHARE_WORD.search(clause + prior_clause):
            continue  # 规模以上工业增加值增长0.2% is a change, not the share (占…比重) asked for
        if asked.parts_of_year and not asked.parts_of_year & _period_of(hit, start, clause):
            continue  # 全年上涨2.2%, or 三季度增长4.6% after 克服二季度增速回落, is no figure of 二季度
        if asked.wants_average and not per and "均" not in clause + prior_clause:
            continue  # a figure per person or per day is asked: a total or a peak (单日最高) is another
        if asked.kind in NUMBER_KINDS and asked.wants_difference != bool(COMPARED_LEAD.search(lead)):
            continue  # 高于全国15.9个百分点 is a gap, which only a question about the gap asks for
        if ("年" in lead or "五" in lead) and PERIOD_LEAD.search(lead) and not _ASKS_PERIOD.search(asked.question):
            continue  # 年均增长8.0%, 五年净增608万户: a period's figure, not one year's
        if asked.attribute and not (_support(dict.fromkeys(asked.attribute, 1.0), asked.forms,
                                             sentence + "".join(hit.heading_path))
                                    or set(asked.attribute) & counted):
            continue  # a sentence about something else than what is counted (进出口总额 for 地区生产总值)
        said_from = stop_before(hit.text, start, SENTENCE_STOPS) + 1  # where the figure's sentence starts
        if bodies and not all(b in hit.text[said_from:end] for b in bodies):
            continue  # 旅客、货邮吞吐量分别达3109.3万人次、61.2万吨 is no figure of the 天府国际机场 asked about
        # 建成投运市新华医院、市第二人民医院龙华医院…等8个医疗卫生项目，新增床位超9000张: the list's;
        # 完成深康学校等7个新改扩建学校项目，新增学位9939个 is no 深康学校 figure. Checked last (below).
        the_lists = bool(respective is None and (
            (bodies and listed_with_others(bodies, hit.text[said_from:start]))
            or (asked.members and not _NAMES_A_LIST.search(asked.question)
                and one_of_a_list(asked.members, hit.text[said_from:start], asked.kind in NUMBER_KINDS))))
        if qualified_otherwise(asked, hit.text, start, prior_clause + clause + "".join(hit.heading_path)):
            continue  # 高速公路通车里程突破9300公里 is not the 高铁通车里程 asked about
        if another_scope(asked.question, prior_clause + clause):
            continue  # 全市工业增加值1751.6亿元 is all industry's, not the 规模以上 industry asked about
        if a_contrary_scope(asked.question, prior_clause + clause):
            continue  # 农村…年人均保障标准6078元 is no figure of the 城市居民 asked about
        if a_part_for_the_whole(asked.question, clause, prior_clause):
            continue  # 农村常住居民人均可支配收入14239元 is no figure of all residents
        if the_whole_not_the_part(asked, hit.text[stop_before(hit.text, start) + 1 : start]):
            continue  # 天然气供应量75.2亿立方米 is the whole, not the 居民生活用气量 asked of it
        if asked.modifiers and _another_things(asked, sentence):
            continue  # 汽车产量 for 钢铁产量
        if asked.wants_change and not asked.wants_level and not CHANGE_WORD.search(
                around(hit.text, start, end, CLAUSE_STOPS.replace("、", ""))):  # 分别增长5%、6.5%
            continue  # 全年粮食播种面积207.32万亩 is a level, not the change asked for (比上年增加2.44万亩)
        if a_longer_names_figure(asked, hit.text, start):
            continue  # 单位国内生产总值能耗降低2.5%: the 能耗's figure, not the 国内生产总值's
        if asked.counted and not counted:
            continue  # 失业人数, which no report writes, is not read from 参加失业保险人数79.0万人
        local += _not_held(terms, asked.forms, counted, clause) / total
        score = (support + 2 * local + 0.5 * _bigram_overlap(asked.question, clause)
                 - (_UNQUOTED if (start, end) in unquoted else 0.0)
                 + 0.1 * _nearness(terms, asked.forms, hit.text[:end] + hit.text[part.end():] if part else hit.text,
                                   read_at, end) - 0.1 * (hit.rank - 1)
                 + _reading(asked, lead_before(hit.text, read_at), hit.text[end : end + 4], counted)
                 + (_QUOTED_NEAR if _quotes_near(asked, hit.text, start, clause) else 0.0)
                 + _WHOLE_WORDS * _as_words(terms, clause) / total
                 - (_AVERAGE_UNASKED if not asked.wants_average and is_average(hit.text, start) else 0.0))
        if the_lists:
            # no answer, but what it would have scored: a list's figure that reads best says the
            # report states the thing asked only with others, and a weaker neighbour is no answer
            # either (北汽、小米、理想等…约30万辆, then 新能源汽车保有量超100万辆 for 小米's output)
            yield score, None
            continue
        if asked.wants_change and not FALL.search(asked.question) and (fall := FALL_BEFORE.search(hit.text, 0, start)):
            start, span = fall.start(), hit.text[fall.start() : end]  # 涨了多少 → 下降0.2%, not 0.2%
        yield score, Answer(span, hit.source, hit.start + start, hit.start + end, hit.rank)


# What leads to how many there are, when no word of addition does (国高企业达到7061家)
_STOCK_LEAD = lazy_pattern(r"(?:达到|达|增至|增加到|总数|总量)$")


# A bracket right after a figure that states a part of it (（含有轨电车16.71公里）, （其中民办428所）).
_PART_BRACKET = lazy_pattern(r"[（(](?:含|其中|包括)[^（）()]{0,40}[）)]")


def _not_held(terms: Mapping[str, float], forms: Mapping[str, Iterable[str]], chosen: Collection[str],
              text: str) -> float:
    """Return the weight of the `chosen` terms that `text` does not hold."""
    return sum(terms[t] for t in chosen if not any(holds_form(text, f) for f in forms[t]))


# A figure per person (人均地区生产总值) answers a question that does not ask for one only
# when no total of the same thing fits it as well: reports state per-person incomes alone.
_AVERAGE_UNASKED = 1.0


def _table_candidates(query: Query, hit: Hit) -> list[tuple[float, Answer]]:
    """Return (score, answer) for the figures of tables written as text in the hit (rag.tables)
    that the question names by their row and asks for in their unit or by their column
    (2022年成都汽车产量是多少万辆 → the row 汽车, unit 万辆 → 62.1). Only levels: a change (比上年
    增长) is read from a table's growth column by no question here. A row the question writes
    after a word of its own (新能源汽车 for the row 汽车) is another thing's."""
    asked = query.asked
    if asked.kind not in ("count", "amount") or asked.wants_change or asked.english:
        return []
    # The question without the places and years that frame it: what is left names the row.
    question = query.folded
    for name in {p.written or p.name for p in query.places} | {f"{y}年" for y in query.years}:
        question = question.replace(name, " ")
    question = question.replace("年末", " ").replace("全年", " ")
    found = []
    # rows cut from their table's titles carry them as context (rag.chunk): read them by those
    head = f"{hit.passage.context}\n" if hit.passage.context else ""
    table = head + hit.text
    for cell in cells(table):
        if cell.start < len(head):
            continue
        # 移动通信手持机（手机）: the row by its name or by the name in brackets
        # and without the mark of a part (#新能源汽车, a row within 汽车)
        row_name = cell.row.lstrip("#＃ ")
        names = [re.sub(r"[（(][^）)]*[）)]", "", row_name), *re.findall(r"[（(]([^）)]+)[）)]", row_name)]
        row = next((n for n in names if len(n) >= 2 and _names_row(question, n)), "")
        if not row:
            continue
        if _GROWTH_COLUMN.search(cell.column + cell.unit):
            continue
        if the_whole_not_the_part(asked, row_name):
            continue  # the row 商品房新开工面积 for 商品房新开工面积中住宅有多少
        unit_fits = bool(asked.units) and any(cell.unit.endswith(u) for u in asked.units)
        if not (unit_fits or (not asked.units and cell.column and cell.column in question)):
            continue
        if not _table_counts(table[cell.table_start : cell.start], question.replace(row, " ")):
            continue  # 新能源汽车销量 is not the row 新能源汽车 of a table of 产量
        # the column the question names, of several in its unit (进口额 of 出口额, 进口额)
        named = len(row) + (len(cell.column) if len(cell.column) >= 2 and cell.column in question else 0)
        start, end = cell.start - len(head), cell.end - len(head)
        found.append((_TABLE_SCORE + named / len(query.folded) - 0.1 * (hit.rank - 1),
                      Answer(hit.text[start:end], hit.source, hit.start + start, hit.start + end, hit.rank)))
    return found


def _table_counts(table: str, question: str) -> bool:
    """Tell whether a table (its caption, titles and the rows above a figure) names what the
    rest of the question measures, when both name a statistic (销量, 产量, 进口额): a table of
    output has no row of sales. A name ending in 额 may be written without it (进口 for 进口额)."""
    asked, named = _statistics(question), _statistics(table)
    return not (asked and named) or any(w in table or (len(w) >= 3 and w[-1] == "额" and w[:-1] in table)
                                        for w in asked)


def _statistics(text: str) -> list[str]:
    """Return the names of statistics in a text: its words ending in 量 or 额 (产量, 进口额)."""
    return [w for w in cut(text) if len(w) >= 2 and w[-1] in "量额" and w not in _ANY_STATISTIC]


# Words of how much, of any statistic: 数量 of 新能源汽车数量, 总额 of 进出口总额.
_ANY_STATISTIC = frozenset("数量 总量 总额 金额 余额 增量 存量".split())


def _names_row(question: str, row: str) -> bool:
    """Tell whether a question writes a row's name as a word of its own (汽车 in 汽车产量, not
    in 新能源汽车产量)."""
    at = question.find(row)
    # a preposition qualifies nothing: 从韩国的进口额 names the row 韩国
    return at >= 0 and (not after_a_word(question, at) or question[at - 1] in "从自对向由")


# A table's figure named by its row and unit ranks below a sentence that holds the
# question's words in its own clause (support + 2 × local ≈ 3), which also shows its unit.
_TABLE_SCORE = 2.0
_GROWTH_COLUMN = lazy_pattern(r"增长|增速|比上年|下降|[%％]")


def _another_things(asked: Asked, sentence: str) -> bool:
    """Tell whether a sentence speaks of the measured noun as other things': it holds none of
    the words the question puts before that noun (钢铁 of 钢铁产量) and writes the noun right
    after a word of its own (汽车产量…，产量均居全国第2位 is about cars, not steel)."""
    if _support(dict.fromkeys(asked.modifiers, 1.0), asked.forms, sentence):
        return False
    if any(len(m) >= 4 for m in asked.modifiers):
        return True  # 固定资产 of 固定资产投资 names a statistic of its own: 研发投入…投资管理 is not it
    noun = asked.measured or asked.attribute[-1]  # 企业 of 多少家国家高新技术企业
    return any(after_a_word(sentence, m.start()) for form in asked.forms.get(noun, (noun,))
               for m in re.finditer(re.escape(form), sentence))


_DIGIT = lazy_pattern(r"\d")
# A name the report sets off (“渔邨模式”, 《…》) is surer than one read from beside its noun.
_UNQUOTED = 0.3


def _inside(span: tuple[int, int], others: Sequence[tuple[int, int]]) -> bool:
    """Tell whether a span overlaps one of `others` (a name read beside its noun that a quote
    or title already holds)."""
    return any(a < span[1] and span[0] < b for a, b in others)


# A name holding this share of the question's words is the full name of what it describes
# (长三角…不予处罚和从轻减轻处罚的规定全称是什么 → 《长三角地区…不予处罚和从轻减轻处罚规定》).
_SPELLS_OUT = 0.6
# A question about where a change started (原来有多少): only it is answered by the figure
# before 增至 (rag.figures.CHANGE_FROM: 由8人增至11人 → 8人).
_ASKS_ORIGIN = lazy_pattern(r"原来|原先|原本|起初|此前|之前|以前|由多少|从多少")


_QUOTED_NEAR = 1.5
# A question's word that the span's clause holds as a word of its own, not inside a longer
# one (出口 in 其中出口3900亿元, not in 进出口总额6200亿元), says a little more.
_WHOLE_WORDS = 0.3


def _as_words(terms: dict[str, float], clause: str) -> float:
    """Return the weight of the question words that stand in `clause` as words of their own."""
    return sum(weight for term, weight in terms.items() if stands_alone(clause, term))


# What in a question asks for a figure of a period (rag.figures.PERIOD_LEAD: 年均增长8.0%).
_ASKS_PERIOD = lazy_pattern(r"年均|平均|每年|[两三四五六七八九十几多]年|期间|时期|以来|累计|十[一二三四五]五|"
                            r"\b(?:average|annual|per year|years)\b", re.I)


def _naming(terms: dict[str, float], forms: Mapping[str, Iterable[str]], heads: Iterable[str]) -> float:
    """Return the weight of the question words that name one of `heads`: hold it (农村居民
    names 农村) or stand in it."""
    heads = [h for h in heads if len(h) >= 2]
    return sum(weight for term, weight in terms.items()
               if any(f in h or h in f for f in forms[term] for h in heads))


# A question's verb of change (提高 of 占比提高了几个百分点): no word of what changed.
_CHANGE_TERM = lazy_pattern(r"增加|增长|提高|提升|上升|下降|减少|降低|下滑|回落|增|降|涨|升|扩大|缩小")
# What a change is measured from (比上年增长, 同比): no word of what changed.
_COMPARISON_BASES = frozenset(("上年", "同比", "去年同期", "上年同期"))


def _quotes_near(asked: Asked, text: str, start: int, clause: str) -> bool:
    """Tell whether a name the question quotes (“小巨人”) stands in the span's clause or in the
    clause before it: the figure is that name's, not its neighbour's."""
    near = clause + clause_before(text, start, CLAUSE_STOPS)
    return bool(asked.quoted) and all(q in near for q in asked.quoted)


def _reading(asked: Asked, lead: str, trail: str, counted: Collection[str] = ()) -> float:
    """Return a bonus for the figure that reads as the one asked for: a total when the question
    asks for one (一共/总量/累计), an addition when it asks for that (新增), the new level of a
    change (由7家增加至12家: 12家), and the figure that follows the word the question asks
    about (its head noun, 总里程45.2公里), or what that noun counts (就业25.3万人 of 就业人数:
    `counted`, rag.whose.counted_right_before)."""
    bonus = 0.0
    if asked.wants_total:
        bonus += 2.0 if TOTAL_CUE.search(lead) and not PART_CUE.search(lead[-4:]) else -1.0
    elif asked.wants_new:
        bonus += 1.0 if PART_CUE.search(lead) else 0.0
    if asked.wants_change and not asked.wants_level:
        bonus += 1.0 if CHANGE_LEAD.search(lead) else -1.0 if LEVEL_LEAD.search(lead) else 0.0
    if asked.wants_level and LEVEL_LEAD.search(lead):
        bonus += 2.0
    elif CHANGE_FROM.match(trail) and not _ASKS_ORIGIN.search(asked.question):
        bonus -= 2.0  # how many there are now is the change's end, not its start
    if asked.measured and (asked.measured in counted
                           or any(f in lead for f in asked.forms.get(asked.measured, (asked.measured,)))):
        bonus += 1.0
    elif not asked.measured and asked.attribute and any(
            lead.endswith(f, 0, len(lead) - len(_LINK_AT_END.search(lead).group()))
            for f in asked.forms.get(asked.attribute[0], (asked.attribute[0],))):
        # 撬动了多少新增贷款: the noun asked after the question word, right before the figure
        # (筹措30.5亿元撬动“桂惠贷”新增贷款2317.3亿元: 2317.3亿元)
        bonus += 1.0
    return bonus


_NAMES_A_LIST = lazy_pattern(r"[等、]")  # 三村、四村和西山吓村: the question names the list itself
# What may stand between a noun and its figure: nothing, or a link (贷款达, 贷款为, 贷款约).
_LINK_AT_END = lazy_pattern(r"(?:达到?|为|约|超过?|共)?$")


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


def _support(terms: dict[str, float], forms: Mapping[str, Iterable[str]], text: str) -> float:
    """Return the weight of the question words that `text` holds in any of their forms."""
    return sum(weight for term, weight in terms.items() if any(holds_form(text, f) for f in forms[term]))


# --------------------------------------------------------------- not in the report

def judge_answerable(query: Query, hits: Sequence[Hit], answer: Answer | None, tuning: Tuning = Tuning(),
                     present: Callable[[str], bool] = lambda word: True) -> bool:
    """Decide whether the hits answer the question, on evidence that they do not, never
    because no span fitted: the best passage shares neither words nor meaning with the
    question (below `tuning.nothing_score`); the question asks for a figure of something
    (its key nouns, Asked.key_nouns) of which the reports in scope never speak (`present`
    says whether they do, a one-character slip forgiven), if the rest of the question is put
    in the reports' own words (query.literal_share): one in other words gets the passages,
    labelled as related. That the passages which do speak of it state no figure of the
    asked kind was tried as evidence too: on unseen reports it refused five answerable
    paraphrases of 139 for six more refusals of 19 unanswerable questions."""
    if answer is not None:
        return True
    if not hits or hits[0].score < tuning.nothing_score:
        return False
    asked = query.asked
    if asked is None or not query.refusable or not asked.key_nouns:
        return True
    if query.literal_share(leaving_out=asked.key_nouns) < tuning.literal_share:
        return True  # put in other words: a missing noun says more about wording than content
    # a report that writes 粮食总产 speaks of the 总产量 asked about (rag.segment.shorter_forms),
    # and one that writes 城镇新增就业143.02万人 of the 就业人数 asked about
    # …and one that writes 经营主体 of the 市场主体 asked about (rag.segment.renamed)
    return any(present(w) or any(present(p) for p in shorter_forms(w) + renamed(w)) or present(counted_thing(w))
               for w in asked.key_nouns)
