"""Reports as published — PDF, Word, web page, scan — read to the same text as their .txt,
with page numbers, and cited by exact spans of the text as read.

The files in tests/data/formats/ were made from real reports by tests/data/formats/make.py
(LibreOffice): Word files with heading styles, page breaks, a running header and `— N —`
footers, their PDF exports, a scan (pages as images) and a government web page.
"""

import json
import re
import shutil
import sys

import pytest

from rag import CorpusError, Filters, Retriever
from rag.cite import format_hits_text
from rag.load import corpus_hash, read_corpus, read_source
from tests.conftest import FakeEmbedder
from tests.paths import PROJECT_ROOT

FORMATS = PROJECT_ROOT / "tests" / "data" / "formats"
TXT = {
    "shanghai-samr-2023": PROJECT_ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt",
    "luoyang-stats-2023": PROJECT_ROOT / "eval" / "corpus" / "luoyang-stats-communique-2023.txt",
    "luohu-gov-2022": PROJECT_ROOT / "eval" / "corpus" / "shenzhen-luohu-gov-work-report-2022.txt",
}
MADE = [(name, kind) for name in TXT for kind in ("pdf", "docx")] + [("shanghai-samr-2023", "html")]


def squeeze(text: str) -> str:
    """The text without whitespace and Markdown heading marks: what must agree across formats."""
    return re.sub(r"\s+", "", re.sub(r"(?m)^#+ ", "", text))


def page_texts(pdf_path) -> list[str]:
    """Each page's raw text layer, as pypdfium2 gives it, without whitespace."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [re.sub(r"\s+", "", pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    finally:
        pdf.close()


@pytest.mark.parametrize("name,kind", MADE)
def test_every_format_reads_to_the_text_of_the_report(name, kind):
    text = read_source(FORMATS / f"{name}.{kind}").text
    assert squeeze(text) == squeeze(TXT[name].read_text(encoding="utf-8"))


def test_running_headers_and_page_numbers_are_dropped_and_broken_lines_joined():
    pdf = FORMATS / "shanghai-samr-2023.pdf"
    raw = page_texts(pdf)
    assert raw[1].endswith("—2—") and raw[1].startswith("上海市市场监督管理局关于")  # in the text layer…
    text = read_source(pdf).text
    assert not re.search(r"—\s*\d+\s*—", text)  # …but not in the text read
    assert text.count("上海市市场监督管理局关于") == 1  # the title, not the header of 12 pages
    # A paragraph that runs over several printed lines and onto the next page reads as one line.
    source = TXT["shanghai-samr-2023"].read_text(encoding="utf-8")
    long_paragraphs = [p for p in source.splitlines() if len(p) > 300]
    assert long_paragraphs and all(p.replace(" ", "") in text.replace(" ", "") for p in long_paragraphs)
    assert "2023年" in text and "2023 年" not in text  # the layout's CJK–digit spacing is not text


def test_pdf_hits_carry_the_page_they_were_printed_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FORMATS / "shanghai-samr-2023.pdf", corpus)
    r = Retriever.load(corpus=corpus, index=tmp_path / "index", embedder=FakeEmbedder())
    raw = page_texts(corpus / "shanghai-samr-2023.pdf")
    for passage in r.passages:
        assert r.document_text(passage.source)[passage.start:passage.end] == passage.text
        assert passage.pages, passage.text[:20]
        # Its first and last characters' lines are on its first and last pages.
        assert squeeze(passage.text)[:6] in raw[passage.pages[0] - 1]
        assert squeeze(passage.text)[-6:] in raw[passage.pages[-1] - 1]
    assert len({p.pages for p in r.passages}) > 10 and any(len(p.pages) == 2 for p in r.passages)
    hit = r.search("不予行政处罚多少家", k=1)[0]
    assert "7968家" in hit.text and hit.pages == (4,) and "7968" in raw[3]
    assert hit.to_dict()["page"] == 4 and "pages" not in hit.to_dict()
    shown = format_hits_text(("不予行政处罚",), [hit], reports=r.reports)
    assert "shanghai-samr-2023.pdf:" in shown and "第4页" in shown.splitlines()[1]


QUESTIONS = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
             if line.strip()]


def test_the_same_questions_find_the_same_passages_in_every_format(tmp_path):
    """Each format of the seed report, indexed alone, answers the 101 answerable evaluation
    questions with the same top-3 passages as its .txt; the PDF's with the right page."""
    found = {}
    for kind in ("txt", "pdf", "docx", "html"):
        corpus = tmp_path / kind
        corpus.mkdir()
        source = TXT["shanghai-samr-2023"] if kind == "txt" else FORMATS / f"shanghai-samr-2023.{kind}"
        shutil.copy(source, corpus / f"report.{kind}")
        r = Retriever.load(corpus=corpus, index=tmp_path / f"index-{kind}", embedder=FakeEmbedder())
        found[kind] = [[(squeeze(h.text), h.heading_path, h.pages) for h in r.search(q["question"], k=3)]
                       for q in QUESTIONS if q.get("gold")]
    assert len(found["txt"]) > 90
    for kind in ("pdf", "docx", "html"):
        same = [[t[:2] for t in a] == [t[:2] for t in b] for a, b in zip(found[kind], found["txt"])]
        assert all(same), f"{kind}: {same.count(False)} questions differ"
    raw = page_texts(FORMATS / "shanghai-samr-2023.pdf")
    for hits in found["pdf"]:
        for text, _, pages in hits:
            assert text[:6] in raw[pages[0] - 1]
    assert all(pages == () for hits in found["docx"] + found["html"] for _, _, pages in hits)


def test_web_page_keeps_the_article_and_drops_the_site_around_it():
    text = read_source(FORMATS / "shanghai-samr-2023.html").text
    for furniture in ("当前位置", "办事服务", "ICP", "相关链接", "打印本页", "请输入关键字", "_hmt", "发布日期", "分享到"):
        assert furniture not in text, furniture
    assert text.startswith("上海市市场监督管理局关于") and "共对7968家经营主体不予行政处罚" in text


def test_word_heading_styles_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("2024年某区工作报告", style="Title")
    document.add_paragraph("过去一年工作回顾", style="Heading 1")  # no number: the style makes it a heading
    document.add_paragraph("全年地区生产总值增长百分之六，各项工作取得新进展，人民生活水平持续提高，社会大局保持稳定。")
    document.add_paragraph("一、主要经济指标", style="Heading 2")
    table = document.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("指标", "数值"), ("地区生产总值", "1234亿元")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    document.add_paragraph("以上数据为初步核算数，最终以统计部门公布为准，请各单位据此做好下一阶段工作部署，"
                           "确保全年目标任务圆满完成。")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document.save(corpus / "district.docx")
    r = Retriever.load(corpus=corpus, index=tmp_path / "index", embedder=FakeEmbedder())
    [row] = [p for p in r.passages if "1234亿元" in p.text]
    assert "地区生产总值 | 1234亿元" in row.text
    assert row.heading_path == ("过去一年工作回顾", "一、主要经济指标")
    pieces = r.document("district.docx").pieces_in(row.start, row.end)
    assert [p.element for p in pieces if "1234" in r.document_text("district.docx")[p.start:p.end]] == ["表格1 第2行"]


def test_a_file_whose_content_is_not_its_name_is_refused_with_the_right_name(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FORMATS / "luoyang-stats-2023.docx", corpus / "luoyang.pdf")
    with pytest.raises(CorpusError, match=r"luoyang\.pdf is named \.pdf but holds a Word \.docx document: "
                                          r"rename it to luoyang\.docx"):
        read_corpus(corpus)
    (corpus / "luoyang.pdf").unlink()
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorpusError, match=r"broken\.docx is named \.docx but holds binary data"):
        read_corpus(corpus)


def test_the_corpus_hash_sees_every_format(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(TXT["luoyang-stats-2023"], corpus)
    before = corpus_hash(corpus)
    for kind in ("pdf", "docx", "html"):
        shutil.copy(FORMATS / f"shanghai-samr-2023.{kind}", corpus)
        assert corpus_hash(corpus) != before
        before = corpus_hash(corpus)


def test_a_scan_without_the_ocr_extra_names_the_extra(monkeypatch):
    from rag import ocr

    monkeypatch.setitem(sys.modules, "rapidocr", None)  # as if not installed
    ocr._engine.cache_clear()
    try:
        with pytest.raises(CorpusError) as err:
            read_source(FORMATS / "shanghai-samr-2023-scan.pdf")
    finally:
        ocr._engine.cache_clear()
    message = str(err.value)
    assert "shanghai-samr-2023-scan.pdf page 1 is a scan" in message and 'pip install -e ".[ocr]"' in message
    assert "\n" not in message


@pytest.mark.slow
def test_a_scan_is_read_by_ocr():
    pytest.importorskip("rapidocr")
    import difflib

    scanned = read_source(FORMATS / "shanghai-samr-2023-scan.pdf").document
    printed = read_source(FORMATS / "shanghai-samr-2023.pdf").document
    first_two = printed.text[: max(p.end for p in printed.pieces if p.page <= 2)]
    ratio = difflib.SequenceMatcher(None, squeeze(scanned.text), squeeze(first_two), autojunk=False).ratio()
    assert ratio > 0.95, ratio
    assert {p.page for p in scanned.pieces} == {1, 2}
    assert "— 2 —" not in scanned.text and "—2—" not in squeeze(scanned.text)



def test_original_view_is_the_highlighted_page_for_a_pdf_and_the_section_otherwise(tmp_path):
    from rag.original import Sections, original_html

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FORMATS / "luoyang-stats-2023.pdf", corpus)
    shutil.copy(FORMATS / "shanghai-samr-2023.docx", corpus)
    r = Retriever.load(corpus=corpus, index=tmp_path / "index", embedder=FakeEmbedder())
    sections = Sections.read(r)
    [pdf_hit] = r.search("洛阳 年末常住人口", k=1)
    shown = original_html(r, sections, pdf_hit, "《洛阳公报》")
    assert shown.count('<img class="rag-page"') == len(pdf_hit.pages)
    lines = r.document("luoyang-stats-2023.pdf").boxes(pdf_hit.start, pdf_hit.end)
    assert len(lines) >= 2 and len(pdf_hit.text) > 60  # a passage over several printed lines: each marked
    assert f'alt="《洛阳公报》 第{pdf_hit.pages[0]}页"' in shown and f"标出 {len(lines)} 行" in shown
    assert "data:image/jpeg;base64," in shown
    [docx_hit] = r.search("不予行政处罚多少家", k=1, filters=Filters(reports=("shanghai-samr-2023.docx",)))
    shown = original_html(r, sections, docx_hit)
    assert '<mark class="rag-cited">' in shown and "<img" not in shown
    (corpus / "luoyang-stats-2023.pdf").rename(tmp_path / "moved.pdf")  # the file is gone: its text is shown
    assert '<mark class="rag-cited">' in original_html(r, sections, pdf_hit)


@pytest.mark.slow
def test_rag_ask_answers_from_a_folder_of_pdf_word_and_web_reports(tmp_path):
    import os
    import subprocess

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("luohu-gov-2022.pdf", "luoyang-stats-2023.docx", "shanghai-samr-2023.html"):
        shutil.copy(FORMATS / name, corpus)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    args = [sys.executable, "-m", "rag.ask", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    build = subprocess.run([sys.executable, "-m", "rag.build", *args[3:]], check=False, capture_output=True, text=True,
                           cwd=PROJECT_ROOT, env=env, timeout=1200)
    assert build.returncode == 0, build.stderr
    out = subprocess.run([*args, "罗湖区2021年地区生产总值是多少", "-k", "2"], check=False, capture_output=True, text=True,
                         cwd=PROJECT_ROOT, env=env, timeout=300).stdout
    assert out.startswith("答：2571.67亿元 [1]（luohu-gov-2022.pdf:")
    assert re.search(r"\n    luohu-gov-2022\.pdf:\d+-\d+  《[^》]+》 第1页  score", out)
    reply = json.loads(subprocess.run([*args, "不予行政处罚多少家", "--json"], check=False, capture_output=True, text=True,
                                      cwd=PROJECT_ROOT, env=env, timeout=300).stdout)
    assert reply["answer"]["text"] == "7968家" and reply["hits"][0]["source"] == "shanghai-samr-2023.html"
    assert "page" not in reply["hits"][0]
    reply = json.loads(subprocess.run([*args, "洛阳年末常住人口多少", "--json"], check=False, capture_output=True, text=True,
                                      cwd=PROJECT_ROOT, env=env, timeout=300).stdout)
    assert reply["hits"][0]["source"] == "luoyang-stats-2023.docx" and "707.9万人" in reply["hits"][0]["text"]


NUMBERING = """<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>"""


def test_word_automatic_numbering_is_read_as_shown(tmp_path):
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(NUMBERING))
    numbering.append(parse_xml('<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                               'w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int, style: str) -> None:
        paragraph = document.add_paragraph(text, style=style)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    body = "全年完成各项目标任务，经济运行稳中向好，民生福祉持续改善，社会大局和谐稳定，人民群众获得感不断增强。"
    numbered("主要成效", 0, "Heading 1")
    numbered("经济发展", 1, "Heading 2")
    document.add_paragraph(body)
    numbered("民生保障", 1, "Heading 2")
    document.add_paragraph(body)
    numbered("工作安排", 0, "Heading 1")
    numbered("稳增长", 1, "Heading 2")
    document.add_paragraph(body)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document.save(corpus / "numbered.docx")
    text = read_source(corpus / "numbered.docx").text
    for heading in ("一、主要成效", "（一）经济发展", "（二）民生保障", "二、工作安排", "（一）稳增长"):
        assert f"\n{heading}\n" in f"\n{text}\n", heading
    r = Retriever.load(corpus=corpus, index=tmp_path / "index", embedder=FakeEmbedder())
    assert [p.heading_path for p in r.passages] == [("一、主要成效", "（一）经济发展"), ("一、主要成效", "（二）民生保障"),
                                                   ("二、工作安排", "（一）稳增长")]
