"""Printed lines → paragraphs (rag/layout.py), on lines laid out by hand."""

import pytest

from rag.layout import PAGE_NUMBER, Line, assemble

FULL = 0.9  # the right margin every full line reaches


def line(text, page, top, left=0.1, right=FULL):
    return Line(text, page, (left, top, right, top + 0.02))


@pytest.mark.parametrize("text", ["— 3 —", "-3-", "- 12 -", "3", "第3页", "3/12", "第 3 页 / 共 12 页", "Page 3 of 12"])
def test_page_numbers(text):
    assert PAGE_NUMBER.match(text)


@pytest.mark.parametrize("text", ["2023年", "一、总体要求", "3.5%", "（3）"])
def test_not_page_numbers(text):
    assert not PAGE_NUMBER.match(text)


def test_headers_and_page_numbers_go_and_a_paragraph_runs_across_the_page_break():
    pages = []
    for page in (1, 2, 3):
        pages += [line("某市政府工作报告", page, 0.04, 0.4, 0.6)]
        if page == 1:
            pages += [line("某市政府工作报告", page, 0.09, 0.4, 0.6)]  # the title under the header: text
            pages += [line("一、总体要求", page, 0.12, 0.1, 0.4)]
        pages += [line(f"第{page}页正文继续写到行末，", page, 0.5),
                  line(f"第{page}页还没有写完的句子", page, 0.85)]
        pages += [line(f"— {page} —", page, 0.95, 0.45, 0.55)]
    document = assemble(pages)
    assert document.text == ("某市政府工作报告\n\n一、总体要求\n\n"
                             "第1页正文继续写到行末，第1页还没有写完的句子第2页正文继续写到行末，第2页还没有写完的句子"
                             "第3页正文继续写到行末，第3页还没有写完的句子")
    start = document.text.index("第1页还没有")
    assert document.pages(start, start + 20) == (1, 2)


def test_short_or_indented_lines_start_paragraphs_and_hyphens_are_mended():
    document = assemble([
        line("第一段写满了一整行的文字内容，", 1, 0.2),
        line("到这里结束。", 1, 0.23, right=0.4),
        line("第二段首行缩进，写满一整行文字，", 1, 0.26, left=0.15),
        line("the imple-", 1, 0.29),
        line("mentation of the Belt and", 1, 0.32),
        line("Road Initiative", 1, 0.35, right=0.5),
        line("中国-", 1, 0.38, left=0.15),
        line("东盟自由贸易区", 1, 0.41, right=0.5),
    ])
    assert document.text == ("第一段写满了一整行的文字内容，到这里结束。\n\n"
                             "第二段首行缩进，写满一整行文字，the implementation of the Belt and Road Initiative\n\n"
                             "中国-东盟自由贸易区")
    for piece in document.pieces:
        assert document.text[piece.start:piece.end].strip() == document.text[piece.start:piece.end]
