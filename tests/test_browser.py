"""The page in a real headless Chromium: ask, read the cited passage, open its 原文.

Starts `python app.py` on a free port (the real default Retriever) and drives Debian's
/usr/bin/chromium with Playwright (`playwright install` cannot download browsers here).
Without Chromium the tests skip, unless CI is set: CI must run them.

`python tests/test_browser.py` also measures start-up and answer times and writes
docs/screenshot.png.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "不予行政处罚多少家"

pytestmark = pytest.mark.browser


def require_browser() -> None:
    """Skip without Chromium or Playwright, or fail when CI (which must run these) is set."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "the playwright package is missing: pip install playwright"
    else:
        if CHROMIUM.exists():
            return
        why = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, log, args: tuple[str, ...] = (), env: dict | None = None) -> subprocess.Popen:
    """Run `python app.py --port PORT [ARGS]`; return once the page is served."""
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *args], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 180  # the index builds in ~15 s when missing
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}; see {log.name}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"app.py did not serve within 180 s; see {log.name}")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def open_page(browser, url: str, hosts: set | None = None):
    """Open the page and wait until the question box is ready; note hosts it loads from."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if hosts is not None:
        page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(url, wait_until="domcontentloaded")  # a Gradio page never reaches networkidle
    page.locator("#question textarea").wait_for()
    return page


def ask(page, question: str):
    """Send a question; return the new answer element once it is shown."""
    answers = page.locator("#chat .rag-answer")
    before = answers.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat .rag-answer').length > {before}")
    return answers.nth(before)


# ------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    require_browser()
    port = free_port()
    with open(tmp_path_factory.mktemp("app") / "app.log", "w+") as log:
        proc = start_app(port, log)
        yield f"http://127.0.0.1:{port}/"
        stop_app(proc)


@pytest.fixture(scope="module")
def browser(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, url):
    hosts = set()
    page = open_page(browser, url, hosts)
    page.hosts = hosts
    yield page
    page.close()


# ------------------------------------------------------------ tests


def test_answer_cites_the_passage_and_opens_its_section(page):
    answer = ask(page, QUESTION)
    direct = answer.locator(".rag-direct")
    assert direct.inner_text().startswith("答：7968家 [1]（shanghai-samr-2023-rule-of-law-report.txt:")
    assert direct.locator("mark").inner_text() == "7968家"
    assert direct.bounding_box()["y"] < answer.locator(".rag-hit").first.bounding_box()["y"]
    cited = answer.locator(".rag-hit").first
    assert cited.locator(".rag-head").inner_text().startswith("[1] 一、主要举措和成效 › ")
    passage = cited.locator(".rag-text").inner_text()
    assert "7968家" in passage
    section = cited.locator(".rag-section")
    assert not section.is_visible()

    cited.locator("summary", has_text="原文").click()
    section.wait_for(state="visible")
    marked = section.locator("mark.rag-cited")
    assert marked.is_visible() and marked.inner_text() == passage
    assert "二是强化数字赋能执法手段" in section.inner_text()  # the rest of the section


def test_question_the_report_does_not_answer_is_refused(page):
    answer = ask(page, "上海市2023年的常住人口是多少")
    text = answer.inner_text()
    assert text.startswith("报告中没有找到相关内容。\n")
    assert answer.locator(".rag-note").is_visible()
    assert answer.locator(".rag-direct").count() == 0 and "答：" not in text
    assert text.index("最接近的段落（仅供参考）") < text.index("[1] ")  # the rest only for reference


def test_follow_up_question_gets_its_own_answer(page):
    first = ask(page, QUESTION)
    second = ask(page, "盲盒专项检查立案多少件")
    assert first.locator(".rag-direct mark").inner_text() == "7968家"
    assert second.locator(".rag-direct mark").inner_text() == "50件"
    assert "7968家" in first.locator(".rag-hit").first.inner_text()
    assert "立案50件" in second.locator(".rag-hit").first.inner_text()


def test_clicking_an_example_asks_it(page):
    page.get_by_text("盲盒专项检查立案多少件", exact=True).click()
    page.locator("#chat .rag-answer").wait_for()
    assert page.locator("#chat .rag-direct").inner_text().startswith("答：50件 [1]")
    assert "立案50件" in page.locator("#chat .rag-hit").first.inner_text()


def test_markup_in_a_question_is_shown_as_text(page):
    question = '<img src=x onerror="window.pwned=1"><b>粗体</b> **星号** $$x$$ 不予行政处罚多少家'
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ask(page, question)
    user = page.locator("#chat .user-row").last
    assert user.inner_text().strip() == question
    assert user.locator("img, b, strong, .katex").count() == 0
    assert page.evaluate("window.pwned") is None and dialogs == []


def test_empty_message_does_nothing(page):
    page.locator("#question textarea").press("Enter")
    page.wait_for_timeout(1000)
    assert page.locator("#chat .message-row").count() == 0


def test_page_loads_nothing_from_other_hosts(page):
    ask(page, QUESTION)
    assert page.hosts == {page.url.split("/")[2]}


def test_a_pdf_uploaded_on_the_page_is_asked_and_its_page_shown(browser, tmp_path):
    """`python app.py --allow-upload` on a corpus of its own: upload a PDF report, ask a
    question only it answers, open 原文 and see its page with the cited lines highlighted."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt", corpus)
    if (ROOT / "index" / "manifest.json").is_file():  # its vectors are reused: a rebuild takes seconds
        shutil.copytree(ROOT / "index", index)
    port = free_port()
    with open(tmp_path / "app.log", "w+") as log:
        proc = start_app(port, log, ("--allow-upload",), {"BAOGAO_CORPUS": str(corpus), "BAOGAO_INDEX": str(index)})
        try:
            page = open_page(browser, f"http://127.0.0.1:{port}/")
            reports = page.locator("#reports .rag-report-row")
            reports.first.wait_for()  # the list is rendered after the page loads
            assert reports.count() == 1
            page.locator("#upload input[type=file]").set_input_files(str(UPLOAD))
            status = page.locator("#upload-status")
            status.get_by_text("已加入").wait_for(timeout=600_000)  # embedding its passages: seconds to minutes
            assert "（luoyang-stats-2023.pdf）" in status.inner_text()
            assert (corpus / "luoyang-stats-2023.pdf").read_bytes() == UPLOAD.read_bytes()
            page.wait_for_function("document.querySelectorAll('#reports .rag-report-row').length == 2")
            assert any("（luoyang-stats-2023.pdf）" in row for row in reports.all_inner_texts())
            assert page.locator("#reports button.rag-remove", has_text="删除").count() == 2

            answer = ask(page, "洛阳市2023年末常住人口是多少")
            assert answer.locator(".rag-direct mark").inner_text() == "707.9万人"
            cited = answer.locator(".rag-hit").first
            meta = cited.locator(".rag-meta").inner_text()
            assert "luoyang-stats-2023.pdf:" in meta and re.search(r"第\d+页", meta)
            image = cited.locator("img.rag-page")
            assert not image.is_visible()
            cited.locator("summary", has_text="原文").click()
            image.wait_for(state="visible")
            page_of_hit = re.search(r"第(\d+)页", meta).group(1)
            assert image.get_attribute("alt").endswith(f"第{page_of_hit}页")
            assert int(re.search(r"标出 (\d+) 行", image.get_attribute("title")).group(1)) >= 1
            assert image.evaluate("img => img.complete && img.naturalWidth > 500")
            # The highlight is drawn on the page: the image holds the highlight's amber pixels.
            assert image.evaluate(AMBER_PIXELS) > 100
        finally:
            stop_app(proc)


UPLOAD = ROOT / "tests" / "data" / "formats" / "luoyang-stats-2023.pdf"
AMBER_PIXELS = """img => {
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] > 80 && d[i + 1] < 170 && d[i + 2] < 80) n++;  // the amber edge
  return n;
}"""


# ------------------------------------------------------------ measurements


def measure(screenshot: Path) -> None:
    """Print start-up and answer times; write a screenshot of an answered question."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log, sync_playwright() as p:
        started = time.monotonic()
        proc = start_app(port, log)
        served = time.monotonic() - started
        try:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = open_page(browser, url)
            ask(page, QUESTION)
            first = time.monotonic() - started
            warm = []
            for question in ["盲盒专项检查立案多少件", "住宅电梯物联网覆盖率达到了多少？",
                             "上海市市场监管局的党组书记是谁？", "2024年有哪些工作设想？", QUESTION]:
                sent = time.monotonic()
                ask(page, question)
                warm.append(time.monotonic() - sent)
            page.close()

            page = open_page(browser, url)
            answer = ask(page, QUESTION)
            answer.locator(".rag-hit").first.locator("summary").click()
            page.wait_for_timeout(500)
            page.screenshot(path=str(screenshot), full_page=True)
            browser.close()
        finally:
            stop_app(proc)
    print(f"python app.py → page served: {served:.1f} s")
    print(f"python app.py → first answer shown in the browser: {first:.1f} s")
    print(f"warm question → answer shown (median of {len(warm)}): {statistics.median(warm):.3f} s"
          f"  (all: {', '.join(f'{t:.3f}' for t in warm)})")
    print(f"screenshot: {screenshot}")


if __name__ == "__main__":
    measure(ROOT / "docs" / "screenshot.png")
