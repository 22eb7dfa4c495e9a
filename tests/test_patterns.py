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


def test_the_character_tests_that_replace_cjk_classes_agree_with_them_on_every_character():
    r"""has_word_character and store._pieces stand in for classes over the CJK range, whose
    compiling cost every cold question 3-4 ms each; \w and \s are str.isalnum() or "_", and
    str.isspace(), on every code point."""
    import random
    import sys

    from rag.segment import has_word_character
    from rag.store import _pieces

    word, space = re.compile(r"[\w\u3400-\u9fff]"), re.compile(r"\s")
    every = [chr(code) for code in range(sys.maxunicode + 1)]
    assert [c for c in every if bool(word.match(c)) != has_word_character(c)] == []
    assert [c for c in every if bool(space.match(c)) != c.isspace()] == []
    pieces = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff\s]+")
    rng = random.Random(3)
    for _ in range(20000):
        text = "".join(rng.choice("aZ9_% \t\u3000\u3400\u4e00\u9fff\ua000家。，-²\u4dc0") for _ in range(rng.randrange(8)))
        assert _pieces(text) == pieces.findall(text), text
        assert has_word_character(text) == bool(word.search(text)), text
