"""rag.patterns: a pattern written `lazy_pattern(...)` behaves as `re.compile(...)` and
compiles only when first used."""

import copy
import re

from rag.patterns import lazy_pattern


def test_a_lazy_pattern_compiles_on_first_use_and_then_answers_as_the_compiled_one():
    lazy = lazy_pattern(r"((?:19|20)\d{2})\s*年", re.I)
    assert "search" not in vars(lazy)  # nothing compiled yet
    compiled = re.compile(r"((?:19|20)\d{2})\s*年", re.I)
    text = "2019年3月至2023 年11月"
    assert lazy.search(text).group(1) == "2019"
    assert lazy.findall(text) == compiled.findall(text) == ["2019", "2023"]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.sub("", text) == compiled.sub("", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (compiled.pattern, compiled.flags, compiled.groups)
    assert "search" in vars(lazy)  # later uses read the compiled pattern's methods directly


def test_a_lazy_pattern_can_be_copied_before_and_after_its_first_use():
    fresh, used = lazy_pattern(r"\d+家"), lazy_pattern(r"\d+家")
    used.search("7968家")
    for pattern in (fresh, used):
        assert copy.deepcopy(pattern).search("共7968家").group() == "7968家"
