"""app.py: the answer formatting (pure, on a tiny inline report) and the served page's API.

The fast tests build hits and Replies by hand; the slow ones serve the page with the
real default Retriever (loaded once per session) and call it with gradio_client, as a
user's script would.
"""

import html
import json
import re
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest


from rag import page as app  # noqa: E402
from rag import serve  # noqa: E402
from rag.serve import Server, create_app  # noqa: E402
from rag import Hit, Passage, RagError, Retriever  # noqa: E402
from rag import Answer, Filters, Query, Reply  # noqa: E402
from rag.cite import NOT_FOUND  # noqa: E402
from rag.question import asked_kind  # noqa: E402

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


def answered(question: str, found: list[Hit], text: str | None = None, rank: int = 1) -> Reply:
    """Return the Reply whose direct answer is `text` inside passage [rank] (none if None)."""
    answer = None
    if text is not None:
        hit = found[rank - 1]
        start = hit.start + hit.text.index(text)
        answer = Answer(text, hit.source, start, start + len(text), rank)
    return Reply(question, tuple(found), answer, True, highlight=Query.of(question).highlight)


def refused(question: str, nearest: list[Hit]) -> Reply:
    return Reply(question, tuple(nearest), None, False, highlight=Query.of(question).highlight)


def stub_retriever(corpus: Path, ask=None) -> SimpleNamespace:
    """What app.py uses of a Retriever: its passages, their text as read, its corpus folder,
    ask, and its store (whose identity tells the page that the index was reopened)."""
    (corpus / SOURCE).write_text(REPORT, encoding="utf-8")
    return SimpleNamespace(passages=PASSAGES, reports={}, document_text={SOURCE: REPORT}.__getitem__,
                           store=SimpleNamespace(documents={}), config=SimpleNamespace(corpus_dir=corpus), ask=ask)


@pytest.fixture
def sections(tmp_path) -> app.Sections:
    return app.Sections.read(stub_retriever(tmp_path))


# ------------------------------------------------------------ formatting (fast)


def test_sections_span_from_first_to_last_passage_of_a_heading(sections):
    assert sections.spans[(SOURCE, ("一、主要举措",))] == (FIRST.start, SCRIPT.end)
    assert sections.spans[(SOURCE, ("二、工作设想",))] == (OTHER.start, OTHER.end)


def test_direct_answer_comes_first_with_its_span_and_passage_number(sections):
    reply = answered("不予行政处罚多少家", hits(FIRST, OTHER), "7968家")
    answer = app.answer_html(reply, sections)
    start = FIRST.start + FIRST.text.index("7968家")
    direct = (f'<p class="rag-direct">答：<mark>7968家</mark> [1]'
              f'<span class="rag-meta">（{SOURCE}:{start}-{start + 5}）</span></p>')
    assert answer.startswith(f'<div class="rag-answer">{direct}<div class="rag-hit">')
    assert REPORT[start : start + 5] == "7968家"  # the span a reader can check


def test_direct_answer_names_the_passage_it_comes_from(sections):
    reply = answered("盲盒专项检查立案多少件", hits(FIRST, OTHER), "50件", rank=2)
    answer = app.answer_html(reply, sections)
    assert "答：<mark>50件</mark> [2]" in answer
    assert answer.index("答：") < answer.index("[1] 一、主要举措")


def test_answerable_without_a_span_offers_passages_as_related(sections):
    """Passages without a direct answer were shown bare, as if they were the answer."""
    answer = app.answer_html(answered("What was not punished?", hits(FIRST)), sections)
    assert "答：" not in answer and NOT_FOUND not in answer and app.NEAREST not in answer
    assert answer.startswith(f'<div class="rag-answer"><p class="rag-note">{app.RELATED}</p><div class="rag-hit">')


def test_answer_numbers_passages_with_breadcrumb_span_and_score(sections):
    answer = app.answer_html(answered("不予行政处罚多少家", hits(FIRST, OTHER)), sections)
    assert re.findall(r"\[(\d+)\]", answer) == ["1", "2"]
    assert "[1] 一、主要举措" in answer and "[2] 二、工作设想" in answer
    assert f"{SOURCE}:{FIRST.start}-{FIRST.end}" in answer
    assert "得分 0.90" in answer and "得分 0.80" in answer
    assert answer.index("7968") < answer.index("盲盒")  # best first


def test_answer_highlights_question_terms_and_numbers(sections):
    answer = app.answer_html(answered("不予行政处罚多少家", hits(FIRST)), sections)
    text = answer.split('class="rag-text">')[1].split("</div>")[0]
    assert "<mark>不予行政处罚</mark>" in text
    assert "<mark>7968</mark>" in text


def test_source_view_shows_the_whole_section_with_the_passage_marked(sections):
    answer = app.answer_html(answered("不予行政处罚多少家", hits(FIRST)), sections)
    view = answer.split("<details><summary>原文</summary>")[1].split("</details>")[0]
    assert f'<mark class="rag-cited">{FIRST.text}</mark>' in view
    assert html.escape(SCRIPT.text) in view  # the rest of the section, escaped
    assert OTHER.text not in view  # not the next section


def test_refusal_says_nothing_found_and_labels_the_nearest(sections):
    answer = app.answer_html(refused("上海市2023年的常住人口是多少", hits(OTHER, FIRST, top=0.3)), sections)
    assert answer.startswith(f'<div class="rag-answer"><p class="rag-note">{NOT_FOUND}</p>'
                             f"<p>{app.NEAREST}：</p>")
    assert NOT_FOUND == "报告中没有找到相关内容。" and app.NEAREST == "最接近的段落（仅供参考）"
    assert "答：" not in answer
    assert answer.index(app.NEAREST) < answer.index("[1] 二、工作设想") < answer.index("[2] 一、主要举措")


def test_refusal_without_passages_is_the_plain_sentence(sections):
    answer = app.answer_html(refused("火星", []), sections)
    assert answer == f'<div class="rag-answer"><p class="rag-note">{NOT_FOUND}</p></div>'


def test_script_in_the_question_is_never_markup(sections):
    question = "<script>alert('x')</script>不予行政处罚"
    assert app.question_html(question) == html.escape(question)
    answer = app.answer_html(answered(question, hits(FIRST, SCRIPT)), sections)
    assert "<script" not in answer


def test_script_in_the_report_is_shown_as_text(sections):
    answer = app.answer_html(answered("页面显示什么", hits(SCRIPT)), sections)
    assert "<script" not in answer
    assert answer.count("&lt;script&gt;alert(") == 2  # as text, in the passage and 原文
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer


def test_script_in_the_direct_answer_is_shown_as_text(sections):
    reply = answered("页面显示什么", hits(SCRIPT), "<script>alert(1)</script>")
    answer = app.answer_html(reply, sections)
    assert "<script" not in answer
    assert "答：<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> [1]" in answer
    assert answer.count("&lt;script&gt;alert(") == 3  # answer line, passage and 原文


def test_bad_input_gets_a_message_not_a_search(tmp_path):
    calls = []
    retriever = stub_retriever(tmp_path, ask=lambda q, k, filters=None: calls.append(q) or refused(q, []))
    sections = app.Sections.read(retriever)
    assert app.reply(retriever, sections, "  \n ", 5, as_html=True) == app.EMPTY
    too_long = app.reply(retriever, sections, "问" * 1001, 5, as_html=True)
    assert too_long == "问题太长（1001 字），请缩短到 1000 字以内再问。"
    assert calls == []
    app.reply(retriever, sections, "问" * 1000, 5, as_html=True)
    assert calls == ["问" * 1000]


def test_reply_gives_the_library_reply_or_its_html(tmp_path):
    reply = answered("不予行政处罚多少家", hits(FIRST), "7968家")
    retriever = stub_retriever(tmp_path, ask=lambda q, k, filters=None: reply)
    sections = app.Sections.read(retriever)
    assert app.reply(retriever, sections, " 不予行政处罚多少家 ", 5, as_html=False) is reply
    shown = app.reply(retriever, sections, "不予行政处罚多少家", 5, as_html=True)
    assert shown == app.answer_html(reply, sections)


def test_library_error_is_shown_escaped(tmp_path):
    def ask(question, k, filters=None):
        raise RagError("Index <broken>: rebuild it with python -m rag.build")

    retriever = stub_retriever(tmp_path, ask)
    sections = app.Sections.read(retriever)
    shown = app.reply(retriever, sections, "不予行政处罚多少家", 5, as_html=True)
    assert shown == "出错了：Index &lt;broken&gt;: rebuild it with python -m rag.build"
    assert app.reply(retriever, sections, "x", 5, as_html=False).startswith("出错了：Index <broken>")


def test_k_is_kept_within_the_slider_range(tmp_path):
    seen = []
    retriever = stub_retriever(tmp_path, ask=lambda q, k, filters=None: seen.append(k) or refused(q, []))
    sections = app.Sections.read(retriever)
    for k in (0, 3, 50):
        app.reply(retriever, sections, "问", k, as_html=False)
    assert seen == [1, 3, app.MAX_K]


def test_start_up_warms_the_answer_step_for_a_who_question(monkeypatch, tmp_path):
    """Bug: start-up warmed only `search`, so the first question asking for a person
    (上海市市场监管局的党组书记是谁？) paid the part-of-speech tagger's set-up, ~0.3 s."""
    asked = []
    retriever = stub_retriever(tmp_path, ask=lambda q, k, filters=None: asked.append(q) or refused(q, []))
    monkeypatch.setattr(serve.Retriever, "load", lambda *a, **kw: retriever)
    monkeypatch.setattr(serve, "create_app", lambda *a, **kw: None)
    monkeypatch.setattr(serve.uvicorn, "run", lambda *a, **kw: None)
    assert serve.main([]) == 0
    assert asked_kind(asked[0])[0] == "person" and asked[1] == app.EXAMPLES[-1]  # and the English dictionary


# ------------------------------------------------------------ served page (slow)


@contextmanager
def serve_page(retriever):
    """Serve the page and the REST API over `retriever` on a free port; yield its URL."""
    with Server(create_app(retriever)) as server:
        yield server.url + "/"


@pytest.fixture(scope="session")
def retriever() -> Retriever:
    return Retriever.load()


@pytest.fixture(scope="module")
def url(retriever):
    with serve_page(retriever) as url:
        yield url


def ask(url: str, question: str, k: int = 5) -> dict:
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


@pytest.mark.slow
def test_api_answers_the_readme_example(url):
    reply = ask(url, "不予行政处罚多少家", 5)
    assert reply["question"] == "不予行政处罚多少家" and reply["answerable"] is True
    answer = reply["answer"]
    assert answer["text"] == "7968家" and answer["hit_rank"] == 1
    assert "7968家" in reply["hits"][0]["text"]
    assert answer["source"] == reply["hits"][0]["source"]
    assert reply["hits"][0]["start"] <= answer["start"] < answer["end"] <= reply["hits"][0]["end"]


@pytest.mark.slow
def test_api_gives_what_rag_ask_json_prints(url, retriever):
    question = "盲盒专项检查立案多少件"
    assert ask(url, question, 3) == json.loads(json.dumps(retriever.ask(question, 3).to_dict()))


@pytest.mark.slow
def test_api_refuses_what_the_report_does_not_say(url):
    reply = ask(url, "上海市2023年的常住人口是多少", 5)
    assert reply["answerable"] is False and reply["answer"] is None
    assert len(reply["hits"]) == 5  # the nearest passages, for reference


@pytest.mark.slow
def test_twenty_clients_at_once_each_get_their_own_answer(url):
    assert len(KNOWN) == 20
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = dict(zip(KNOWN, pool.map(lambda q: ask(url, q), KNOWN)))
    for question, expected in KNOWN.items():
        assert replies[question]["question"] == question
        assert expected in replies[question]["hits"][0]["text"], question


@pytest.mark.slow
def test_api_k_sets_the_number_of_passages(url):
    assert [h["rank"] for h in ask(url, "不予行政处罚多少家", 3)["hits"]] == [1, 2, 3]


@pytest.mark.slow
def test_api_empty_and_too_long_questions_get_messages(url):
    assert ask(url, "") == {"error": "请输入问题，例如：不予行政处罚多少家"}
    assert ask(url, "长" * 1001) == {"error": "问题太长（1001 字），请缩短到 1000 字以内再问。"}


def test_page_keeps_working_after_a_library_error(tmp_path):
    def ask_stub(question, k, filters=None):
        if question == "boom":
            raise RagError("Index is corrupt: rebuild it with python -m rag.build")
        return answered(question, hits(FIRST)[:k], "7968家")

    with serve_page(stub_retriever(tmp_path, ask_stub)) as url:
        assert ask(url, "boom") == {"error": "出错了：Index is corrupt: rebuild it with python -m rag.build"}
        assert ask(url, "不予行政处罚多少家")["answer"]["text"] == "7968家"


def test_the_page_and_the_api_keep_to_the_reports_chosen(tmp_path):
    seen = []
    retriever = stub_retriever(tmp_path, ask=lambda q, k, filters=None: seen.append(filters) or refused(q, []))
    sections = app.Sections.read(retriever)
    app.reply(retriever, sections, "GDP是多少", 5, as_html=False,
              filters=app.filters_of(["sc.txt"], ["2024"], " 四川 "))
    assert seen[-1] == Filters(reports=("sc.txt",), years=("2024",), regions=("四川",))
    assert app.filters_of(None, None, "") == Filters()
