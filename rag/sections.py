"""The grammar of a report's sections: which part of a report a question asks for whole.

A 政府工作报告 or 法治政府建设情况报告 has the same few parts under different titles: what was
done (2024年工作回顾, 主要举措和成效), what is planned (2025年工作安排, 主要任务, 工作设想,
今后五年的目标任务, 基本思路), and what is still wrong (存在不足和原因 — or, in most work
reports, a paragraph of the review that opens 同时，我们也清醒看到…困难和挑战). A question
such as 2024年有什么打算, 存在哪些不足 or 过去一年做了哪些工作 asks for one of these parts.

The title words below were read from the headings of the reports in eval/corpus/ (every
top-level title there falls in one part or none); the question words are the everyday
ways to ask for each part. `asked_section` reads the part a question asks for;
`section_of` the part a passage belongs to, from its heading path or, for the paragraph
that opens an acknowledgement of problems, from its first sentence; `years_of_titles` the
years a passage is about, from its titles and its report's (2024年工作回顾, 过去一年, a
communiqué's title year), for retrieval's year scorers and the answer step alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from .patterns import LazyPattern, lazy_pattern
from .segment import has_word_character

# (part, what a question says to ask for it, what a section title says), tried in this
# order on each title: a title that reviews (工作回顾及“十三五”发展成绩) is no plan.
_PARTS = (
    ("problems",
     lazy_pattern(r"(?:哪些|什么|哪几个|存在的?|面临的?|主要|还有)(?:困难|问题|不足|短板|挑战|差距|弱项)|"
                r"(?:困难|不足|短板|挑战|差距|弱项)(?:和|与|、)|(?:不足|短板|差距)(?:有哪些|是什么)"),
     lazy_pattern(r"不足|问题|困难|挑战|短板|差距")),
    ("review",
     lazy_pattern(r"(?:做|干|开展|推进|完成|抓)了(?:哪些|什么|些什么)|(?:取得|有)了?(?:哪些|什么)(?:主要)?(?:成绩|成效|成就|进展)|"
                r"(?:成绩|成效|成就|进展|效果)(?:有哪些|是什么|如何|怎么样|怎样)|工作回顾|回顾|(?:主要)?(?:举措|措施)(?:和|及|与)成效"),
     lazy_pattern(r"回顾|成效|成绩|成就")),
    ("plan",
     lazy_pattern(r"打算|下一步|接下来|工作安排|(?:有|做)?(?:哪些|什么)(?:工作)?(?:安排|计划)|(?:重点|主要|目标)(?:工作)?任务|工作设想|设想|"
                r"(?:要|将|准备)(?:重点)?(?:做好?|干|抓好?|推进)(?:哪些|什么|哪几)|重点要做|"
                r"目标(?:任务)?(?:有哪些|是什么)|(?:基本|总体)?思路|总体要求"),
     lazy_pattern(r"安排|任务|打算|设想|计划|思路|总体要求|目标|主要工作|重点工作|工作重点|展望|建议")),
)
_QUESTION_CUES = {part: cue for part, cue, _ in _PARTS}
_TITLE_CUES = tuple((part, title) for part, _, title in _PARTS)

# The first sentence of a paragraph that owns up to problems: 清醒看到/清醒认识到, or a verb of
# facing followed by what is faced, in a sentence that says they exist or lists them
# (仍存在短板和不足，主要表现在：…). Only the first sentence: a problem named in passing (完成
# 全年发展目标面临诸多挑战，但也有…; 针对…面临的…等困难) opens no section.
_OWNS_UP = lazy_pattern(r"^[^。！？：]{0,40}?清醒地?(?:看到|认识到)|"
                      r"^(?=[^。！？]*(?:存在|主要表现|主要是|不足))[^。！？：]{0,60}?(?:看到|认识到|存在|面临|表现在)"
                      r"[^。！？：]{0,40}?(?:困难|问题|不足|挑战|短板|差距)")

# Words that only say which report or which part is meant: a question made of these, its
# section words, places and years asks for the whole part, not for one topic of it.
_FRAME_WORDS = frozenset("""政府 报告 工作 政府工作 政府工作报告 主要 重点 方面 哪些 哪几个 几个 什么 面临 存在 承认
    自己 目前 当前 现在 是 还有 怎么 怎么做 怎样 如何 中 预期 采取 实施 推出 下一步 一步 今年 明年 去年 今后 过去 一年 五年 提到 里 说 讲 有 还 都 要 将 准备 做 做好 做了 干 干了
    取得 开展 全省 全市 全区 我们 这个 这份 有关 方面 哪 主要是 包括 分别 具体 一下 情况 发展 经济社会 经济 社会
    省政府 市政府 区政府 省 市 区 自治州 州 全年 打算 安排 计划 下一步 接下来 任务 目标 设想 思路 问题 不足 困难
    挑战 短板 差距 弱项 成绩 成效 成就 进展 回顾 举措 措施 和 与 及 、 的 了 呢 吗 ？ ?""".split())


def asked_section(question: str) -> str:
    """Return the part of a report a question asks for ("plan", "review", "problems"), or "".
    Every clause that asks something must ask for that part: 去年做了什么，今年又要开展什么
    asks about one topic in two parts, which no single part answers."""
    asking = asking_clauses(question) or [question]
    parts = {next((part for part, cue in _QUESTION_CUES.items() if cue.search(c)), "") for c in asking}
    return parts.pop() if len(parts) == 1 else ""


def asking_clauses(question: str) -> list[str]:
    """Return the clauses of a question that ask something, in order."""
    return [c for c in re.split(r"[，,；;？?。]", question) if _ASKING.search(c)]


# A clause that asks: a question word, or an everyday one (怎么, 吗).
_ASKING = lazy_pattern(r"什么|哪|怎么|怎样|如何|多少|几|吗|是否|有没有|打算")


def section_cue(part: str) -> LazyPattern:
    """Return the pattern of the question words that ask for a part."""
    return _QUESTION_CUES[part]


def title_part(title: str) -> str:
    """Return the part a section title names, or ""."""
    return next((part for part, cue in _TITLE_CUES if cue.search(title)), "")


def section_of(heading_path: Iterable[str], text: str) -> tuple[str, int]:
    """Return (part, depth) for a passage: the part its outermost section title that names
    one belongs to and that title's place in the heading path; a passage whose first
    sentence owns up to problems is ("problems", -1), the paragraph being its own section.
    ("", 0) when it belongs to no part."""
    if _OWNS_UP.search(text):
        return "problems", -1
    for depth, title in enumerate(heading_path):
        part = title_part(title)
        if part:
            return part, depth
    return "", 0


def topic_words(words: Iterable[str], places: Collection[str] = ()) -> tuple[str, ...]:
    """Return the words of a question (jieba's) that name a topic, not the part it asks for,
    the report (places, years, 政府工作报告), a period (十四五) or the asking itself:
    () for 四川2025年有什么打算 (the whole plan), (教育,) for 四川2025年在教育方面有什么打算.
    One-character words are function words here (年, 是, 的)."""
    topic = []
    for word in words:
        w = word.strip()
        if len(w) < 2 or w in _FRAME_WORDS or _PERIOD.fullmatch(w) or not has_word_character(w):
            continue
        if any(w in p or p in w for p in places if p):
            continue
        if title_part(w) or any(cue.search(w) for cue in _QUESTION_CUES.values()):
            continue
        topic.append(w)
    return tuple(topic)


_PERIOD = lazy_pattern(r"[\d０-９]+年?|十[一二三四五六七八九]五|[上下本]一?(?:年|步)|一步")


def names_report(word: str, names: str) -> bool:
    """Tell whether a question's word names the report: a word of its title or issuing body,
    or an abbreviation of one (市场监管局 for 上海市市场监督管理局: its characters in order,
    at most two apart, within one line)."""
    if word in names:
        return True
    if len(word) < 3:
        return False
    pattern = re.compile(".{0,2}".join(map(re.escape, word)))
    return any(pattern.search(line) for line in names.splitlines())


_TITLE_YEAR = lazy_pattern(r"((?:19|20)\d{2})年(以来)?")
# Titles that name years by the report's: 过去一年工作回顾 in a report given in 2025 is 2024's.
_RELATIVE_TITLES = ((lazy_pattern(r"过去一年|去年|上一年"), (-1,)),
                    (lazy_pattern(r"过去五年|五年来"), (-5, -4, -3, -2, -1)),
                    (lazy_pattern(r"今年|本年"), (0,)))


def years_of_titles(heading_path: Sequence[str], issued: str = "",
                    title_years: Collection[str] = ()) -> tuple[set[str], bool]:
    """Return the years a passage is about by its section titles, and whether they leave the
    end open (2021年以来工作回顾: up to the report's own): the years the titles name (2024年
    工作回顾); else those they name by the year the report was `issued` (过去一年, 今年); else
    none under a five-year plan's title (“十三五”时期发展成就 speaks of the period as a whole:
    lifting it for each of its years put reviews of the period first); else, under a review's
    title without a year (…取得新成效), the year before the report was given; else the years of the
    report's title, which a report without such titles is about throughout (a statistical
    communiqué, a rule-of-law report)."""
    titles = "".join(heading_path)
    found = _TITLE_YEAR.findall(titles)
    if found:
        return {year for year, _ in found}, any(since for _, since in found)
    if issued:
        relative = {str(int(issued) + shift) for cue, shifts in _RELATIVE_TITLES if cue.search(titles)
                    for shift in shifts}
        if relative:
            return relative, False
    if plan_period_years(titles):
        return set(), False
    if issued and section_of(heading_path, "")[0] == "review":
        # a review titled by its themes (牢记殷殷嘱托，…取得新成效) looks back on the year
        # before the report was given, as one titled 2024年工作回顾 does
        return {str(int(issued) - 1)}, False
    return set(title_years), False


# Five-year plans by the number of their plan: the 十一五 ran 2006–2010, each next one five
# years on. A section titled “十三五”时期发展成就 is about 2016–2020.
_FIVE_YEAR_PLAN = lazy_pattern(r"十([一二三四五六七八九])五")
_PLAN_NUMBERS = "一二三四五六七八九"


def plan_period_years(title: str) -> set[str]:
    """Return the years of the five-year plans a section title names (“十四五” → 2021–2025)."""
    years: set[str] = set()
    for m in _FIVE_YEAR_PLAN.finditer(title):
        first = 2006 + 5 * _PLAN_NUMBERS.index(m.group(1))
        years |= {str(y) for y in range(first, first + 5)}
    return years
