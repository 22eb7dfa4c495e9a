"""Read a government web page (.html/.htm) with lxml: the article's title and body only.

Scripts, styles, navigation, headers, footers, sidebars and forms are dropped; the article
body is the element that the site names as its content (TRS_Editor, article, content…),
else the element holding the most paragraph text. Each paragraph (p, h1–h6, li, a table
row, a div holding only text) becomes one paragraph of the text, its piece naming the
element: `p[12]`. The page's <h1> (or its <title>) heads the text when it is not in the body.
"""

from __future__ import annotations

import re
from pathlib import Path

from .document import Document
from .errors import CorpusError
from .headings import parse_heading
from .layout import paragraphs_document
from .patterns import lazy_pattern

_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "select", "button")
# Class and id words of a page's furniture (导航, 页脚, 相关链接, 分享) on government sites.
_FURNITURE = lazy_pattern(r"nav|menu|header|footer|breadcrumb|crumb|sidebar|share|related|links|position|"
                        r"toolbar|banner|copyright|search|login|print|^info$|pubdate|fontsize", re.IGNORECASE)
# Class and id words that government CMSs give the article body.
_CONTENT = lazy_pattern(r"TRS_Editor|article|content|zoom|main-?text|detail|pages_content|zw", re.IGNORECASE)
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre", "dd", "dt"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACE = lazy_pattern(r"[ \t\r\n\u00a0]+")


def read_html(path: Path) -> Document:
    """Return the article text of a saved web page and, for each paragraph, its element."""
    import lxml.html

    data = Path(path).read_bytes()
    try:
        root = lxml.html.document_fromstring(data)
    except (ValueError, lxml.etree.ParserError) as err:
        raise CorpusError(f"{path} is not a readable HTML page ({err}): save the page again as HTML.") from None
    for element in root.iter(*_DROP):
        element.drop_tree() if element.getparent() is not None else None
    for element in list(root.iter("div", "ul", "table", "section", "span")):
        if element.getparent() is not None and _FURNITURE.search(_names(element)) and not _CONTENT.search(_names(element)):
            element.drop_tree()
    body = _article(root)
    paragraphs = list(_paragraphs(body))
    title = _title(root)
    opening = re.sub(r"\s+", "", "".join(text for text, _ in paragraphs[:3]))
    if title and not opening.startswith(re.sub(r"\s+", "", title)):
        paragraphs.insert(0, (title, "h1"))
    return paragraphs_document(paragraphs, "html")


def _names(element) -> str:
    return " ".join(n for n in (element.get("class", ""), element.get("id", "")) if n)


def _article(root):
    """Return the element holding the article: the content element with the most text,
    else the element with the most text in its own paragraphs."""
    named = [e for e in root.iter("div", "article", "section", "td") if _CONTENT.search(_names(e))]
    if named:
        best = max(named, key=lambda e: len(_text(e)))
        inner = [e for e in named if e is not best and best in e.iterancestors()]
        # The innermost content element that holds nearly all of it (TRS_Editor inside article).
        while inner:
            biggest = max(inner, key=lambda e: len(_text(e)))
            if len(_text(biggest)) < 0.8 * len(_text(best)):
                break
            best = biggest
            inner = [e for e in named if e is not best and best in e.iterancestors()]
        return best
    candidates = [p.getparent() for p in root.iter("p") if p.getparent() is not None]
    if not candidates:
        return root.find("body") if root.find("body") is not None else root
    return max(set(candidates), key=lambda e: sum(len(_text(p)) for p in e.findall("p")))


def _title(root) -> str:
    h1 = root.find(".//h1")
    if h1 is not None and _text(h1):
        return _text(h1)
    title = root.find(".//title")
    return _text(title).split("_")[0].split("|")[0].strip() if title is not None else ""


def _paragraphs(element):
    """Yield (text, element name) of each paragraph under `element`, in document order."""
    counts: dict[str, int] = {}

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _BLOCKS or (tag in {"div", "td", "section", "article"} and not _has_blocks(node)):
            counts[tag] = counts.get(tag, 0) + 1
            if tag == "tr":
                cells = [_text(c) for c in node if isinstance(c.tag, str) and c.tag in ("td", "th")]
                text = " | ".join(c for c in cells if c)
            else:
                text = _text(node)
            if tag in _HEADING_TAGS - {"h1"} and text and parse_heading(text) is None:
                text = "#" * int(tag[1]) + " " + text  # a heading without a number: one by its level
            if text:
                yield text, f"{tag}[{counts[tag]}]"
            return
        if tag and node.text and node.text.strip() and tag not in ("body", "html"):
            yield _SPACE.sub(" ", node.text).strip(), f"{tag}[text]"
        for child in node:
            yield from walk(child)
            if child.tail and child.tail.strip() and tag not in ("table", "tbody", "tr"):
                yield _SPACE.sub(" ", child.tail).strip(), f"{tag}[text]"

    yield from walk(element)


def _has_blocks(node) -> bool:
    return any(isinstance(d.tag, str) and (d.tag in _BLOCKS or d.tag in {"div", "table", "section", "br"})
               for d in node.iterdescendants())


def _text(node) -> str:
    return _SPACE.sub(" ", node.text_content()).strip()
