"""Make the test reports of every format from real reports' text (run from the checkout root):

    python tests/data/formats/make.py

Needs python-docx, pypdfium2, Pillow and LibreOffice (Debian: apt-get install libreoffice-writer,
fonts-noto-cjk). The files it writes are committed, so the tests need none of this.

- NAME.docx: the report as Word writes it — a Title, heading styles (Heading 1–3) on the
  headings, justified body paragraphs with a first-line indent, a page break before each
  top-level section, a running header (the report's title) and a footer `— N —`.
- NAME.pdf: that .docx exported to PDF by LibreOffice (so the running header and page
  numbers are in the text layer, as in published PDFs).
- NAME-scan.pdf: the first pages of a PDF rendered to greyscale images: a scan, no text.
- NAME.html: the report as a government site publishes it, with navigation, breadcrumbs,
  a sidebar, a footer and scripts around the article.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from rag.headings import parse_heading  # noqa: E402 (after the checkout is put on the path)

REPORTS = {
    "shanghai-samr-2023": ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt",
    "luoyang-stats-2023": ROOT / "eval" / "corpus" / "luoyang-stats-communique-2023.txt",
    "luohu-gov-2022": ROOT / "eval" / "corpus" / "shenzhen-luohu-gov-work-report-2022.txt",
}
SCAN_OF, SCAN_PAGES = "shanghai-samr-2023", 2
HTML_OF = "shanghai-samr-2023"
FONT = "Noto Serif CJK SC"
HEADING_STYLE = {3: "Heading 1", 4: "Heading 2", 5: "Heading 3"}


def paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def heading_level(line: str, following: str | None) -> str | None:
    """The Word style of a heading line: a numbered heading alone on its line, or a short
    unnumbered title over body text (2021年工作回顾)."""
    heading = parse_heading(line)
    if heading is not None and heading.body_offset >= len(line):
        return HEADING_STYLE.get(heading.rank)
    if heading is None and len(line) <= 16 and not any(c in line for c in "。，；：、,;:") \
            and following is not None and len(following) > 40:
        return "Heading 1"
    return None


def make_docx(name: str, source: Path, out: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Header", "Footer"):
        s = document.styles[style]
        s.font.name = FONT
        s.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        if style != "Title":
            s.font.size = Pt(12 if style in ("Normal", "Header", "Footer") else 14)
    lines = paragraphs(source)
    title = lines[0]
    section = document.sections[0]
    section.header.paragraphs[0].text = title
    section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    footer.add_run(" —")

    document.add_paragraph(title, style="Title")
    seen_section = False
    for i, line in enumerate(lines[1:], 1):
        style = heading_level(line, lines[i + 1] if i + 1 < len(lines) else None)
        if style == "Heading 1" and seen_section:
            document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        if style:
            seen_section = seen_section or style == "Heading 1"
            document.add_paragraph(line, style=style)
            continue
        paragraph = document.add_paragraph(line)
        if len(line) > 40:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(24)
    document.core_properties.title = title
    document.save(out)


def make_pdf(docx_path: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", "pdf", "--outdir", tmp, str(docx_path)], check=True,
                       capture_output=True, timeout=300)
        shutil.move(Path(tmp) / (docx_path.stem + ".pdf"), out)


def make_scan(pdf_path: Path, pages: int, out: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    images = [pdf[i].render(scale=150 / 72).to_pil().convert("L") for i in range(min(pages, len(pdf)))]
    pdf.close()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:], quality=60)


PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}_法治政府建设_上海市市场监督管理局</title>
<link rel="stylesheet" href="/css/common.css">
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
</head>
<body>
<div class="header">
  <div class="logo"><a href="/">上海市市场监督管理局</a></div>
  <div class="search"><form action="/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div>
</div>
<div class="nav">
  <ul><li><a href="/">首页</a></li><li><a href="/xxgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li>
  <li><a href="/hdjl/">互动交流</a></li><li><a href="/zfxxgk/">政府信息公开</a></li></ul>
</div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a> &gt; 法治政府建设</div>
<div class="main">
  <div class="sidebar">
    <h3>相关链接</h3>
    <ul><li><a href="/a.html">2022年度法治政府建设情况的报告</a></li><li><a href="/b.html">2021年度法治政府建设情况的报告</a></li></ul>
  </div>
  <div class="article">
    <h1 class="title">{title}</h1>
    <div class="info">发布日期：2024-03-28　来源：上海市市场监督管理局　<span class="share">分享到：微信 微博</span></div>
    <div class="TRS_Editor" id="zoom">
{body}
    </div>
    <div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
  </div>
</div>
<div class="footer">
  <p>主办：上海市市场监督管理局　地址：上海市徐汇区武宁南路　邮编：200000</p>
  <p>沪ICP备00000000号　网站标识码：3100000000</p>
</div>
<script src="/js/stat.js"></script>
</body>
</html>
"""


def make_html(source: Path, out: Path) -> None:
    lines = paragraphs(source)
    title = "".join(lines[:2]) if not parse_heading(lines[1]) and len(lines[1]) < 30 else lines[0]
    body = []
    for i, line in enumerate(lines):
        style = heading_level(line, lines[i + 1] if i + 1 < len(lines) else None)
        if style:
            body.append(f"      <p style=\"text-indent:2em\"><strong>{html.escape(line)}</strong></p>")
        elif len(line) <= 40:
            body.append(f"      <p style=\"text-align:center\">{html.escape(line)}</p>")
        else:
            body.append(f"      <p style=\"text-indent:2em\">{html.escape(line)}</p>")
    out.write_text(PAGE.format(title=html.escape(title), body="\n".join(body)), encoding="utf-8")


def main() -> None:
    for name, source in REPORTS.items():
        docx_path = HERE / f"{name}.docx"
        make_docx(name, source, docx_path)
        make_pdf(docx_path, HERE / f"{name}.pdf")
        print("wrote", docx_path.name, f"{name}.pdf", file=sys.stderr)
    make_scan(HERE / f"{SCAN_OF}.pdf", SCAN_PAGES, HERE / f"{SCAN_OF}-scan.pdf")
    make_html(REPORTS[HTML_OF], HERE / f"{HTML_OF}.html")
    print("wrote", f"{SCAN_OF}-scan.pdf", f"{HTML_OF}.html", file=sys.stderr)


if __name__ == "__main__":
    main()
