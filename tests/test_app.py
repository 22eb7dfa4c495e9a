"""app.py: the answer formatting (pure, on a tiny inline report) and the served page's API.

The fast tests build hits by hand; the slow ones serve the page with the real default
Retriever (loaded once per session) and call it with gradio_client, as a user's
script would.
"""

import html
import re
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # app.py is a root script
import app  # noqa: E402
from rag import Hit, Passage, RagError, Retriever  # noqa: E402

# ------------------------------------------------------------ a tiny report

REPORT = (
    "一、主要举措\n"
    "共对7968家经营主体不予行政处罚。\n"
    "页面须显示<script>alert(1)</script>为文字。\n"
    "二、工作设想\n"
    "开展盲盒专项检查，立案50件。\n"
)
SOURCE = "report.txt"


def passage(text: str, heading: str) -> Passage:
    start = REPORT.index(text)
    return Passage(text=text, source=SOURCE, start=start, end=start + len(text), heading_path=(heading,))


FIRST = passage("共对7968家经营主体不予行政处罚。", "一、主要举措")
SCRIPT = passage("页面须显示<script>alert(1)</script>为文字。", "一、主要举措")
OTHER = passage("开展盲盒专项检查，立案50件。", "二、工作设想")
PASSAGES = [FIRST, SCRIPT, OTHER]


def hits(*passages: Passage, top: float = 0.9) -> list[Hit]:
    return [Hit(rank=i + 1, score=top - 0.1 * i, passage=p) for i, p in enumerate(passages)]


def stub_retriever(corpus: Path, search=None) -> SimpleNamespace:
    """What app.py uses of a Retriever: its passages, its corpus folder and search."""
    (corpus / SOURCE).write_text(REPORT, encoding="utf-8")
    return SimpleNamespace(data=SimpleNamespace(passages=PASSAGES),
                           config=SimpleNamespace(corpus_dir=corpus), search=search)


@pytest.fixture
def sections(tmp_path) -> app.Sections:
    return app.Sections.read(stub_retriever(tmp_path))


# ------------------------------------------------------------ formatting (fast)


def test_sections_span_from_first_to_last_passage_of_a_heading(sections):
    assert sections.spans[(SOURCE, ("一、主要举措",))] == (FIRST.start, SCRIPT.end)
    assert sections.spans[(SOURCE, ("二、工作设想",))] == (OTHER.start, OTHER.end)


def test_answer_numbers_passages_with_breadcrumb_span_and_score(sections):
    answer = app.answer_html("不予行政处罚多少家", hits(FIRST, OTHER), sections)
    assert re.findall(r"\[(\d+)\]", answer) == ["1", "2"]
    assert "[1] 一、主要举措" in answer and "[2] 二、工作设想" in answer
    assert f"{SOURCE}:{FIRST.start}-{FIRST.end}" in answer
    assert "得分 0.90" in answer and "得分 0.80" in answer
    assert answer.index("7968") < answer.index("盲盒")  # best first


def test_answer_highlights_question_terms_and_numbers(sections):
    answer = app.answer_html("不予行政处罚多少家", hits(FIRST), sections)
    text = answer.split('class="rag-text">')[1].split("</div>")[0]
    assert "<mark>不予行政处罚</mark>" in text
    assert "<mark>7968</mark>" in text


def test_source_view_shows_the_whole_section_with_the_passage_marked(sections):
    answer = app.answer_html("不予行政处罚多少家", hits(FIRST), sections)
    view = answer.split("<details><summary>原文</summary>")[1].split("</details>")[0]
    assert f'<mark class="rag-cited">{FIRST.text}</mark>' in view
    assert html.escape(SCRIPT.text) in view  # the rest of the section, escaped
    assert OTHER.text not in view  # not the next section


def test_script_in_the_question_is_never_markup(sections):
    question = "<script>alert('x')</script>不予行政处罚"
    assert app.question_html(question) == html.escape(question)
    answer = app.answer_html(question, hits(FIRST, SCRIPT), sections)
    assert "<script" not in answer


def test_script_in_the_report_is_shown_as_text(sections):
    answer = app.answer_html("页面显示什么", hits(SCRIPT), sections)
    assert "<script" not in answer
    assert answer.count("&lt;script&gt;alert(") == 2  # as text, in the passage and 原文
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer


def test_weak_top_hit_says_nothing_found_and_labels_the_nearest(sections):
    weak = hits(FIRST, OTHER, top=app.NO_ANSWER_SCORE - 0.01)
    assert app.relevant_hits(weak) == []
    assert app.relevant_hits(hits(FIRST, top=app.NO_ANSWER_SCORE)) != []
    page, text = app.answer_html("火星", weak, sections), app.answer_text("火星", weak)
    assert text.startswith(app.NO_ANSWER)
    assert f'<p class="rag-note">{app.NO_ANSWER}</p>' in page
    for answer in page, text:
        assert app.NEAREST in answer and "[1]" in answer
    assert app.answer_text("火星", []) == "报告中没有找到相关内容。"


def test_api_text_cites_like_the_cli():
    text = app.answer_text("不予行政处罚多少家", hits(FIRST))
    assert text.startswith("[1] 一、主要举措\n")
    assert f"{SOURCE}:{FIRST.start}-{FIRST.end}" in text and "7968家" in text


def test_bad_input_gets_a_message_not_a_search(tmp_path):
    calls = []
    retriever = stub_retriever(tmp_path, search=lambda q, k: calls.append(q) or [])
    sections = app.Sections.read(retriever)
    assert app.reply(retriever, sections, "  \n ", 5, as_html=True) == app.EMPTY
    too_long = app.reply(retriever, sections, "问" * 1001, 5, as_html=True)
    assert too_long == "问题太长（1001 字），请缩短到 1000 字以内再问。"
    assert calls == []
    app.reply(retriever, sections, "问" * 1000, 5, as_html=True)
    assert calls == ["问" * 1000]


def test_library_error_is_shown_escaped(tmp_path):
    def search(question, k):
        raise RagError("Index <broken>: rebuild it with python -m rag.build")

    retriever = stub_retriever(tmp_path, search)
    sections = app.Sections.read(retriever)
    shown = app.reply(retriever, sections, "不予行政处罚多少家", 5, as_html=True)
    assert shown == "出错了：Index &lt;broken&gt;: rebuild it with python -m rag.build"
    assert app.reply(retriever, sections, "x", 5, as_html=False).startswith("出错了：Index <broken>")


def test_k_is_kept_within_the_slider_range(tmp_path):
    seen = []
    retriever = stub_retriever(tmp_path, search=lambda q, k: seen.append(k) or [])
    sections = app.Sections.read(retriever)
    for k in (0, 3, 50):
        app.reply(retriever, sections, "问", k, as_html=False)
    assert seen == [1, 3, app.MAX_K]


# ------------------------------------------------------------ served page (slow)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(retriever):
    page = app.build_page(retriever)
    return page, app.launch(page, "127.0.0.1", free_port(), block=False)


@pytest.fixture(scope="session")
def retriever() -> Retriever:
    return Retriever.load()


@pytest.fixture(scope="module")
def url(retriever):
    page, url = serve(retriever)
    yield url
    page.close()


def ask(url: str, question: str, k: int = 5) -> str:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, k, api_name="/ask")


# Questions from eval/questions.jsonl whose answer is in the top passage.
KNOWN = {
    "不予行政处罚多少家": "7968家",
    "盲盒专项检查立案多少件": "立案50件",
    "不予行政处罚涉及的金额大概有多少？": "约7.8亿元",
    "全市企业2022年度年报公示率是多少？": "96.1％",
    "2023年1—11月反不正当竞争案件立案数是多少？": "1150件",
    "“铁拳”行动2023年前11个月立案查处了多少件案件？": "8735件",
    "虚假违法广告、互联网广告等专项整治共查办了多少件广告案件？": "5010件",
    "全市有多少台电梯加装了远程监测装置？": "8.97万台",
    "住宅电梯物联网覆盖率达到了多少？": "44.73％",
    "消费纠纷人民调解室2023年调解成功了多少件消费纠纷？": "近10万件",
    "通过在线纠纷解决机制ODR化解了多少件矛盾纠纷？": "33.8万件",
    "2023年1—11月全市公平竞争审查共审查了多少件政策措施？": "576件",
    "全系统2023年组织开展了多少次随机抽查？": "1681次",
    "信用奖惩措施清单里有多少项失信惩戒措施？": "39项",
    "上海市场监管法治建设工作每周动态一共编写了多少期？": "45期",
    "上海市市场监管局的党组书记是谁？": "倪俊南",
    "2023年哪部地方性条例被推动废止了？": "《上海市经纪人条例》",
    "学习贯彻党的二十大精神第4次学习辅导报告会请了哪位专家作辅导报告？": "郝铁川",
    "盲盒專項檢查立案多少件？": "50件",
    "個人信息保護專項行動中有多少家企業被責令改正？": "58家",
}


def first_passage(answer: str) -> str:
    """Return passage [1] of a text answer, without the 【】 around question terms."""
    return answer.split("\n\n[2]")[0].replace("【", "").replace("】", "")


@pytest.mark.slow
def test_api_answers_the_readme_example(url):
    assert "7968家" in ask(url, "不予行政处罚多少家", 5)


@pytest.mark.slow
def test_twenty_clients_at_once_each_get_their_own_answer(url):
    assert len(KNOWN) == 20
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = dict(zip(KNOWN, pool.map(lambda q: ask(url, q), KNOWN)))
    for question, expected in KNOWN.items():
        assert expected in first_passage(answers[question]), question


@pytest.mark.slow
def test_api_k_sets_the_number_of_passages(url):
    answer = ask(url, "不予行政处罚多少家", 3)
    assert "[3] " in answer and "[4] " not in answer


@pytest.mark.slow
def test_api_empty_and_too_long_questions_get_messages(url):
    assert ask(url, "") == "请输入问题，例如：不予行政处罚多少家"
    assert ask(url, "长" * 1001) == "问题太长（1001 字），请缩短到 1000 字以内再问。"


def test_page_keeps_working_after_a_library_error(tmp_path):
    def search(question, k):
        if question == "boom":
            raise RagError("Index is corrupt: rebuild it with python -m rag.build")
        return hits(FIRST)[:k]

    page, url = serve(stub_retriever(tmp_path, search))
    try:
        assert ask(url, "boom") == "出错了：Index is corrupt: rebuild it with python -m rag.build"
        assert "7968家" in ask(url, "不予行政处罚多少家")
    finally:
        page.close()
