"""Scope: which reports a question is about, or why none of them can answer it.

A question that names a region is about the reports of that region: of the region itself
(深圳 → the 深圳市 report), else of the regions inside it, else of a region that contains it
(成都 → the 四川省 report, which may speak of 成都), unless reports of its siblings are indexed
(福田区 beside the 南山区 and 宝安区 reports is a gap). The most specific places named decide
(深圳南山区 → 南山区). A question whose named regions no report covers, where the reports
never even mention the name, is refused (湖南省2025年GDP目标 over reports of other provinces);
one naming a year that none of its reports speaks of is refused too (罗湖2019年… when the
罗湖 reports cover 2021–2022). A question that names a report by its year (2025年政府工作报告)
is about the reports whose title has that year. Explicit filters (report, year, region, body) narrow the
reports before any of this.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .identity import ReportIdentity
from .places import Place, find_places
from .patterns import lazy_pattern
from .query import Query
from .question import NUMBER_KINDS


@dataclass(frozen=True)
class Filters:
    """What a caller restricts the reports to; empty means no restriction."""

    reports: tuple[str, ...] = ()  # file names
    years: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # names, as written (四川, 南山区)
    bodies: tuple[str, ...] = ()  # parts of the issuing body's name

    def __bool__(self) -> bool:
        return bool(self.reports or self.years or self.regions or self.bodies)


@dataclass(frozen=True)
class Scope:
    sources: frozenset[str] | None  # the reports to search; None: all of them
    refusal: str = ""  # why the reports cannot answer, "" when they may


def scope_of(query: Query, reports: Mapping[str, ReportIdentity], mentioned: Callable[[str], bool],
             filters: Filters = Filters(),
             held: Callable[[str, Collection[str]], bool] = lambda text, sources: False) -> Scope:
    """Return the reports a question is about. `mentioned` tells whether a word occurs in
    the reports' text, `held` whether a text occurs in given reports."""
    chosen = _filtered(reports, filters)
    if not chosen:
        return Scope(frozenset(), "没有符合筛选条件的报告")
    targets = _targets(query.places)
    if targets:
        covered = {name: _covering(places, chosen) for name, places in targets.items()}
        in_scope = frozenset().union(*covered.values())
        if not in_scope:
            # A place name the reports use as part of a longer name (中山大学) may not be a
            # place at all: only then is it no grounds for refusal.
            heard = [name for name, places in targets.items()
                     if any(mentioned(query.folded[p.start : p.end + 2]) for p in places if p.end + 2 <= len(query.folded))]
            if not heard:
                return Scope(frozenset(), f"已收录的报告中没有关于{'、'.join(targets)}的报告")
        else:
            chosen = {s: r for s, r in chosen.items() if s in in_scope}
    # A year that names a report (深圳市2025年政府工作报告) picks the reports so titled, where
    # some are: the 2026 report also speaks of 2025, but it is not the report asked about.
    titled = {s: r for s, r in chosen.items() if set(query.report_years) & set(r.title_years)}
    if titled:
        chosen = titled
    # A figure asked of how things stand now (现在, 目前, 现有), with no year, is the newest
    # report's of its region: 福田区属医院现在一共有多少张病床 is the 2023 report's 2731张, not
    # the 2020 report's 2200张 (a question without a figure asked reads every report).
    if not query.years and query.asked is not None and query.asked.kind in NUMBER_KINDS and _NOW.search(query.folded):
        chosen = _newest_of_each_region(chosen)
    # A year a report writes is a year it speaks of, though the report covers another: a
    # plan's horizon (到2030年), the year before's figure as finally verified (经最终核实，2022年
    # 全市生产总值为…). A question about it gets the passages, not a refusal. (Looked for only
    # when the years would refuse: it searches the reports' text.)
    def uncovered(among: Mapping[str, ReportIdentity]) -> bool:
        return (not any(set(query.years) & set(r.years) for r in among.values())
                and not any(held(f"{y}年", list(chosen)) for y in query.years))

    if query.years and targets and uncovered(chosen):
        where = "、".join(targets)
        return Scope(frozenset(), f"已收录的{where}报告不涉及{'、'.join(query.years)}年")
    if query.years and uncovered(reports):
        return Scope(frozenset(), f"已收录的报告不涉及{'、'.join(query.years)}年")
    return Scope(frozenset(chosen) if len(chosen) < len(reports) else None)


_NOW = lazy_pattern(r"现在|目前|当前|现有|如今|截至目前|至今")


def _newest_of_each_region(reports: Mapping[str, ReportIdentity]) -> dict[str, ReportIdentity]:
    """Return the reports given in the latest year of their region's (those without a region
    or a year stay)."""
    newest: dict[str, str] = {}
    for r in reports.values():
        if r.place and r.issued_year:
            newest[r.place.name] = max(newest.get(r.place.name, ""), r.issued_year)
    return {s: r for s, r in reports.items()
            if not (r.place and r.issued_year) or r.issued_year == newest[r.place.name]}


def _filtered(reports: Mapping[str, ReportIdentity], filters: Filters) -> dict[str, ReportIdentity]:
    chosen = dict(reports)
    if filters.reports:
        chosen = {s: r for s, r in chosen.items() if s in filters.reports}
    if filters.years:
        chosen = {s: r for s, r in chosen.items() if set(filters.years) & set(r.years)}
    if filters.bodies:
        chosen = {s: r for s, r in chosen.items() if any(b in r.body for b in filters.bodies)}
    if filters.regions:
        places = [p for name in filters.regions for p in find_places(name, _regions(reports))]
        chosen = {s: r for s, r in chosen.items() if r.place and any(r.place.within(p) for p in places)}
    return chosen


def _regions(reports: Mapping[str, ReportIdentity]) -> list[Place]:
    return [r.place for r in reports.values() if r.place]


def _targets(places: Collection[Place]) -> dict[str, list[Place]]:
    """Group the named places by the name written, keeping the most specific names: a name
    none of whose places contains a place of another name (深圳 and 南山区 → 南山区)."""
    by_name: dict[str, list[Place]] = {}
    for p in places:
        by_name.setdefault(p.written or p.name, []).append(p)
    return {name: ps for name, ps in by_name.items()
            if not any(q.within(p) and q.code != p.code for p in ps for other, qs in by_name.items()
                       if other != name for q in qs)}


def _covering(places: list[Place], reports: Mapping[str, ReportIdentity]) -> set[str]:
    """Return the reports of one of the places; else those of regions inside it (深圳's
    districts for 深圳 when no 深圳市 report is indexed); else, unless the reports include
    the place's siblings (深圳's districts, but not 福田区), those of a region containing it
    (the 四川省 report for 成都)."""
    exact = {s for s, r in reports.items() if r.place and any(r.place.code == p.code for p in places)}
    if exact:
        return exact
    inside = {s for s, r in reports.items() if r.place and any(r.place.within(p) for p in places)}
    if inside:
        return inside
    siblings = any(r.place and len(r.place.code) == len(p.code) and r.place.code[:-2] == p.code[:-2]
                   for r in reports.values() for p in places)
    if siblings:
        return set()
    return {s for s, r in reports.items() if r.place and any(p.within(r.place) for p in places)}
