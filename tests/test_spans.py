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
