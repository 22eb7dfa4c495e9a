"""One grammar of spans: the chunker never cuts a span that the answer step can return."""

import pytest

from rag.chunk import chunk_report
from rag.spans import PATTERNS, find, protected_spans
from tests.paths import PROJECT_ROOT

CORPUS_FILES = sorted(p for folder in ("data", "eval/corpus") for p in (PROJECT_ROOT / folder).glob("*.txt"))
ANSWER_KINDS = (*PATTERNS, "org", "person")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_no_passage_boundary_falls_inside_an_answer_span(path):
    text = path.read_text(encoding="utf-8-sig")
    bounds = {b for p in chunk_report(text, path.name) for b in (p.start, p.end)}
    broken = [text[a:b] for a, b in find(text, ANSWER_KINDS) if any(a < x < b for x in bounds)]
    assert broken == []


@pytest.mark.parametrize("text, span", [
    ("共对7968家经营主体", "7968家"), ("检查1.07万家次", "1.07万家次"), ("公示率达96.1％。", "96.1％"),
    ("2023年1月—11月，立案", "2023年1月—11月"), ("推动《上海市经纪人条例》废止", "《上海市经纪人条例》"),
])
def test_protected_spans_hold_numbers_dates_and_titles_whole(text, span):
    start, end = text.index(span), text.index(span) + len(span)
    assert any(a <= start and end <= b for a, b in protected_spans(text))


def test_a_patterns_first_characters_lookahead_changes_none_of_its_spans():
    """count, percent, years and rank start with a lookahead of the characters their matches
    start with (a faster search); without it they must find the very same spans."""
    import re

    texts = [line for path in CORPUS_FILES for line in path.read_text(encoding="utf-8-sig").splitlines()]
    texts += ["约7968家", "近三成", "不低于5%", "超过1.2万人", "全国第二", "首家", "连续29年", "东北第3位"]
    for kind in ("count", "percent", "years", "rank"):
        source = PATTERNS[kind].pattern
        assert source.startswith("(?=["), kind
        bare = re.compile(source[source.index("])") + 2:])
        for text in texts:
            assert [m.span() for m in PATTERNS[kind].finditer(text)] == [m.span() for m in bare.finditer(text)], \
                (kind, text[:40])
