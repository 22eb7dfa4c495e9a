"""A corpus file name is text on the page, never markup or a link (issue 13, finding 6).

The name holds backticks, Markdown link brackets, a bare address and an HTML tag with a script; the page
(served in-process over the fake embedder) shows it in the report picker, in each cited
passage's source line and in the direct answer's span, and a real Chromium must find no
link, no bold text and no element made from it.
"""

import shutil

import pytest

from rag import Config, Retriever
from rag.serve import Server, create_app
from tests.conftest import REPORT, FakeEmbedder
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, ask, open_page, require_browser

pytestmark = pytest.mark.browser

NAME = "`[点我](https:evil.example)` www.evil.example <img src=x onerror=window.pwned=1> **星** _斜_.txt"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    require_browser()
    folder = tmp_path_factory.mktemp("names")
    (folder / "corpus").mkdir()
    shutil.copy(REPORT, folder / "corpus" / NAME)
    (folder / "corpus" / "other.txt").write_text("一、概况\n全市共有电梯30万台。\n", encoding="utf-8")
    retriever = Retriever.load(config=Config(corpus_dir=folder / "corpus", index_dir=folder / "index"),
                               embedder=FakeEmbedder())
    assert NAME in retriever.reports
    with Server(create_app(retriever)) as server:
        yield server.url + "/"


@pytest.fixture(scope="module")
def page(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = open_page(browser, url)
        yield page
        browser.close()


def no_markup_from_the_name(page) -> None:
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
    assert not [href for href in links if "evil" in href], links
    assert page.locator("strong:has-text('星'), em:has-text('斜'), img[src=x]").count() == 0
    assert page.evaluate("window.pwned") is None


def test_the_name_in_the_header_and_the_report_picker_is_text(page):
    page.get_by_label("只看这些报告（不选即全部）").click()
    option = page.get_by_role("option").filter(has_text="evil.example")
    option.first.wait_for()
    assert NAME in option.first.inner_text()
    page.keyboard.press("Escape")
    no_markup_from_the_name(page)


def test_the_name_in_citations_is_text(page):
    answer = ask(page, "不予行政处罚多少家")
    assert NAME in answer.inner_text()  # the source line shows the name exactly as it is
    no_markup_from_the_name(page)
