"""Report identity: which report a file is — title, issuing body, region, years, date issued.

Read from the document itself: the title block before the salutation (各位代表： /
市委，市政府：), the issuing body in the title or the opening (上海市市场监督管理局, 洛阳市统计局,
我代表南山区人民政府), the region those name (rag.places, the most specific one, e.g. 深圳市南山区),
the years the title and the section titles speak of (2024年工作回顾, 2025年工作安排) and any
year the text dwells on, and the date issued (the first full date of the opening or of the
closing lines). A report published without its title block (some copies start at 各位代表：)
can be given one in a sidecar file `NAME.meta.json` beside it, with any of the keys
title, body, region, years, date: what the sidecar says wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .patterns import lazy_pattern
from .headings import parse_heading
from .places import NATIONAL, Place, area_after, area_within, find_places, parents, places_of_name
from .spans import org_spans

_DATE = lazy_pattern(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = lazy_pattern(r"((?:19|20)\d{2})\s*年")
_SALUTATION = lazy_pattern(r"[:：]\s*$")
_ON_BEHALF_OF = lazy_pattern(r"代表([\u4e00-\u9fff]{0,16}?(?:人民政府|管理委员会|管委会)|国务院)")
OPENING_LINES = 6
OPENING_CHARS = 400
# A year mentioned this often is one the report speaks of, whatever its headings say.
YEAR_MENTIONS = 3


@dataclass(frozen=True)
class ReportIdentity:
    source: str
    title: str = ""
    body: str = ""
    region: str = ""  # official name of the most specific region named (深圳市南山区 → 南山区)
    region_code: str = ""  # its division code (2, 4 or 6 digits): the lineage
    years: tuple[str, ...] = ()  # the years the report speaks of, sorted
    date: str = ""  # date issued, as written (2024年1月5日)
    title_years: tuple[str, ...] = field(default=())

    @cached_property  # read for every report by every question that names a place
    def place(self) -> Place | None:
        if self.region == NATIONAL.name and not self.region_code:
            return NATIONAL
        return Place(self.region, self.region_code) if self.region_code else None

    @property
    def issued_year(self) -> str:
        """The year the report was given in: its date's, else its title's latest, else ""."""
        return self.date[:4] if self.date[:4].isdigit() else max(self.title_years, default="")

    def label(self) -> str:
        """Return what a citation shows: the title, else the issuing body, else the file name."""
        return self.title or self.body or self.source

    def citation(self) -> dict:
        """Return what a citation shows of the report (rag.ask --json's "report")."""
        return {"title": self.label(), "body": self.body, "region": self.region, "years": list(self.years),
                "date": self.date}

    def to_dict(self) -> dict:
        return {"title": self.title, "body": self.body, "region": self.region, "region_code": self.region_code,
                "years": list(self.years), "date": self.date, "title_years": list(self.title_years)}

    @classmethod
    def from_dict(cls, source: str, d: Mapping) -> ReportIdentity:
        return cls(source, d.get("title", ""), d.get("body", ""), d.get("region", ""), d.get("region_code", ""),
                   tuple(d.get("years", ())), d.get("date", ""), tuple(d.get("title_years", ())))


def identify(source: str, text: str, meta: Mapping | None = None) -> ReportIdentity:
    """Read a report's identity from its text; `meta` (a sidecar's keys) wins where given."""
    meta = meta or {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    opening = _opening(lines)
    title = str(meta.get("title") or _title(opening))
    place = _region(str(meta.get("region", "")), title, opening, text)
    body = str(meta.get("body") or _body(title, opening, text, place))
    title_years = tuple(sorted(set(_YEAR.findall(title))))
    years = set(title_years) | set(map(str, meta.get("years", ()) or ()))
    years |= _section_years(lines)
    years |= {y for y, n in Counter(_YEAR.findall(text)).items() if n >= YEAR_MENTIONS}
    date = str(meta.get("date") or _date(opening, lines))
    if not meta.get("years"):
        years |= _looked_back_on(text, date[:4] if date[:4].isdigit() else max(title_years, default=""))
    return ReportIdentity(source, title, body, place.name if place else "", place.code if place else "",
                          tuple(sorted(years)), date, title_years)


def _opening(lines: list[str]) -> list[str]:
    """Return the title block: the first short lines, up to and including the salutation."""
    out = []
    for line in lines[:OPENING_LINES]:
        if parse_heading(line) is not None and out:
            break
        out.append(line)
        if _SALUTATION.search(line) or len(line) > 80:
            break
    return out


def _title(opening: list[str]) -> str:
    """Return the title: the opening's first line(s), unless the report starts with its
    salutation or its issuing body (then it has none to read)."""
    if not opening or _SALUTATION.search(opening[0]) or len(opening[0]) > 60:
        return ""
    title = opening[0]
    for line in opening[1:3]:
        if title.endswith("关于") or (re.search(r"报告|公报|意见|决定", line) and not re.search(r"报告|公报", title)):
            title += line  # 上海市市场监督管理局关于 / 2023年度法治政府建设情况的报告
        else:
            break
    if not re.search(r"报告|公报|总结|情况|要点|计划|规划", title):
        return ""  # 黔东南州统计局: a body, not a title
    return title.strip(" \u3000")


def _body(title: str, opening: list[str], text: str, place: Place | None) -> str:
    """Return the issuing body: named in the title or on a line of the opening (not the
    salutation, which names the addressees), else the government on whose behalf the report
    is given (我代表南山区人民政府; 我代表省人民政府 with the report's region)."""
    for line in [title, *(x for x in opening if not _SALUTATION.search(x))]:
        for start, end in org_spans(line):
            name = line[start:end]
            if len(name) >= 4 and not name.startswith(("各", "本")):
                return name
    behalf = _ON_BEHALF_OF.search(text[:OPENING_CHARS])
    if behalf and (len(behalf.group(1)) > 5 or behalf.group(1) == "国务院"):
        return behalf.group(1)
    if place and (behalf or "政府工作报告" in title):
        return place.name + "人民政府"  # 2025年四川省政府工作报告, 我代表省人民政府
    return ""


def _region(given: str, title: str, opening: list[str], text: str) -> Place | None:
    """Return the report's region: the one the sidecar gives, else the country for the State
    Council's report, else an area the title names after its division (深圳市大鹏新区), else
    the most specific division the title or opening names."""
    if given and not places_of_name(given):  # an area (大鹏新区), inside the division named
        return area_within(given, _division("", title, opening, text) or NATIONAL)
    if not given and ("国务院" in title or re.search(r"代表国务院", text[:OPENING_CHARS])):
        return NATIONAL
    if not given:
        areas = [a for p in find_places(title) if (a := area_after(title, p))]
        if areas:
            return areas[0]
    return _division(given, title, opening, text)


def _division(given: str, title: str, opening: list[str], text: str) -> Place | None:
    """Return the most specific division the title or the opening names (else the one the
    text names most often); among divisions of the same name (南山区 of 深圳 and of 鹤岗) the
    one whose parents the text names most."""
    everywhere = find_places(text)
    if given:
        found = places_of_name(given)
    else:
        found = find_places(title) or _not_words(find_places("\n".join(opening))) \
            or _not_words(find_places(text[:OPENING_CHARS]))
    if not found and _not_words(everywhere):
        named = _not_words(everywhere)
        top = Counter(p.name for p in named).most_common(1)[0][0]
        found = [p for p in named if p.name == top]
    if not found:
        return None
    inner = [p for p in found if not any(q.code != p.code and q.within(p) for q in found)]
    mentions = Counter(p.name for p in everywhere)

    def support(p: Place) -> tuple[int, int]:
        return (sum(mentions[q.name] for q in parents(p)), -len(p.code))

    return max(inner, key=support)


def _not_words(places: list[Place]) -> list[Place]:
    """Leave out two-character counties (城区, 郊区, 矿区): in running text those are words."""
    return [p for p in places if p.level < 3 or len(p.name) > 2]


# A report given in 2023 that looks back on 去年 or 过去五年 speaks of 2022 (and 2018–2022),
# though it may never write those years out.
_LOOKS_BACK = ((lazy_pattern(r"去年|过去一年|上一年|上年"), 1), (lazy_pattern(r"过去五年|五年来"), 5))


def _looked_back_on(text: str, issued: str) -> set[str]:
    """Return the years before `issued` that the report's 去年 / 过去五年 speak of."""
    if not issued:
        return set()
    span = max((back for cue, back in _LOOKS_BACK if cue.search(text)), default=0)
    return {str(int(issued) - back) for back in range(1, span + 1)}


def _section_years(lines: list[str]) -> set[str]:
    """Return the years that short lines (section titles: 2024年工作回顾) speak of."""
    return {y for line in lines if len(line) <= 40 for y in _YEAR.findall(line)}


def _date(opening: list[str], lines: list[str]) -> str:
    for line in opening + lines[-6:]:
        m = _DATE.search(line)
        if m and len(line) <= 60:
            return m.group(0)
    return ""
