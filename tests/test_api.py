"""The REST API beside the page (rag.api, rag.serve): routes, errors, limits, token, lanes.

Fast: a Retriever over the seed report with the fake embedder, called through Starlette's
TestClient and, once, over a real socket with httpx. Slow: the real default model, whose
answers must be exactly what `python -m rag.ask --json` prints.
"""

import json
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from rag import Config, Retriever
from rag.api import MAX_API_BODY_BYTES
from rag.lanes import Lanes
from rag.serve import (
    MAX_BODY_BYTES,
    ServeError,
    Server,
    check_exposure,
    create_app,
    is_loopback,
)
from tests.conftest import REPORT, FakeEmbedder
from tests.paths import PROJECT_ROOT

QUESTION = "不予行政处罚多少家"


@pytest.fixture(scope="module")
def fake_retriever(tmp_path_factory):
    """One index of the seed report with the fake embedder, for the whole module (the
    tests only read it)."""
    folder = tmp_path_factory.mktemp("api")
    (folder / "corpus").mkdir()
    shutil.copy(REPORT, folder / "corpus" / REPORT.name)
    return Retriever.load(config=Config(corpus_dir=folder / "corpus", index_dir=folder / "index"),
                          embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def client(fake_retriever):
    with TestClient(create_app(fake_retriever)) as client:
        yield client


def as_json(value):
    return json.loads(json.dumps(value))


def assert_error(response, status: int, *fragments: str):
    """The status, and a JSON body {"error": one line} holding each fragment."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and "\n" not in body["error"], body
    for fragment in fragments:
        assert fragment in body["error"], body
    assert "Traceback" not in body["error"] and "object has no attribute" not in body["error"]


# ------------------------------------------------------------ routes

def test_ask_gives_the_object_rag_ask_json_prints(client, fake_retriever):
    response = client.post("/api/ask", json={"question": QUESTION, "k": 3})
    assert response.status_code == 200
    assert response.json() == as_json(fake_retriever.ask(QUESTION, k=3).to_dict())
    assert [h["rank"] for h in response.json()["hits"]] == [1, 2, 3]


def test_ask_defaults_to_five_passages(client):
    assert len(client.post("/api/ask", json={"question": QUESTION}).json()["hits"]) == 5


def test_search_gives_the_passages_with_their_reports(client, fake_retriever):
    response = client.post("/api/search", json={"question": QUESTION, "k": 2})
    assert response.status_code == 200
    hits = response.json()["hits"]
    expected = fake_retriever.search(QUESTION, k=2)
    assert [(h["source"], h["start"], h["end"]) for h in hits] == [(h.source, h.start, h.end) for h in expected]
    assert hits[0]["report"]["title"] == "上海市市场监督管理局关于2023年度法治政府建设情况的报告"
    assert response.json()["question"] == QUESTION


def test_filters_keep_to_the_reports_named(client, fake_retriever):
    source = next(iter(fake_retriever.reports))
    kept = client.post("/api/ask", json={"question": QUESTION, "reports": [source], "years": ["2023"],
                                         "region": "上海"}).json()
    assert {h["source"] for h in kept["hits"]} == {source}
    elsewhere = client.post("/api/ask", json={"question": QUESTION, "region": "四川"}).json()
    assert elsewhere["answerable"] is False and elsewhere["answer"] is None
    assert elsewhere["refusal"] == "没有符合筛选条件的报告"


def test_reports_and_health(client, fake_retriever):
    [report] = client.get("/api/reports").json()["reports"]
    assert report["source"] == "shanghai-samr-2023-rule-of-law-report.txt"
    assert report["region"] == "上海市" and "2023" in report["years"]
    health = client.get("/api/health").json()
    assert health == {"status": "ok", "reports": 1, "passages": len(fake_retriever.passages),
                      "model": "fake-bigram-hash"}


def test_openapi_docs_describe_the_routes_and_load_nothing_from_elsewhere(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert re.findall(r"""(?:src|href)=["'](https?:)?//""", docs.text) == []  # no CDN
    for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)""", docs.text):
        assert client.get(asset).status_code == 200, asset
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/search", "/api/reports", "/api/health"} <= paths.keys()


def test_the_page_is_served_beside_the_api(client):
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()


# ------------------------------------------------------------ errors: one JSON line and a status

@pytest.mark.parametrize(("body", "status", "fragment"), [
    ({"question": ""}, 400, "The question is empty"),
    ({"question": "  \n"}, 400, "The question is empty"),
    ({"question": "问" * 1001}, 400, "the limit is 1000"),
    ({"question": "不予\udcff"}, 400, "not valid text"),
    ({"question": "\ud800"}, 400, "not valid text"),
    ({"question": 5}, 422, "question: Input should be a valid string (got int)"),
    ({"question": None}, 422, "question: Input should be a valid string (got NoneType)"),
    ({"question": ["不予"]}, 422, "got list"),
    ({"k": 3}, 422, "question: Field required"),
    ({"question": QUESTION, "k": 2.5}, 422, "k: Input should be a valid integer (got float)"),
    ({"question": QUESTION, "k": "5"}, 422, "k: Input should be a valid integer (got str)"),
    ({"question": QUESTION, "k": None}, 422, "(got NoneType)"),
    ({"question": QUESTION, "k": True}, 422, "(got bool)"),
    ({"question": QUESTION, "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ({"question": QUESTION, "k": 11}, 422, "k: Input should be less than or equal to 10"),
    ({"question": QUESTION, "reports": "a.txt"}, 422, "reports: Input should be a valid list"),
    ({"question": QUESTION, "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
    ([QUESTION], 422, "Input should be a valid dictionary"),
])
@pytest.mark.parametrize("route", ["/api/ask", "/api/search"])
def test_bad_requests_get_one_json_line_with_their_status(client, route, body, status, fragment):
    # json.dumps escapes lone surrogates (\udcff), as any JSON client would send them.
    response = client.post(route, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert_error(response, status, fragment)


@pytest.mark.parametrize("raw", [b"not json", b'{"question": "\xff\xfe"}', b'{"question": ', b""])
def test_bodies_that_are_not_utf8_json_get_one_line(client, raw):
    response = client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code, "JSON", "such as {\"question\"")


def test_a_60_mb_body_is_refused_before_it_is_read(client):
    big = b'{"question": "' + b"a" * (60 * 1024 * 1024) + b'"}'
    assert_error(client.post("/api/ask", content=big, headers={"Content-Type": "application/json"}),
                 413, f"over the limit of {MAX_API_BODY_BYTES:,} bytes")
    # The page's own routes, and Gradio's upload route, have the server's limit.
    assert_error(client.post("/gradio_api/upload", files={"files": ("a.txt", big)}),
                 413, f"over the limit of {MAX_BODY_BYTES:,} bytes")


def test_a_chunked_body_over_the_limit_is_refused(client):
    def chunks():
        for _ in range(100):
            yield b"a" * 1024

    assert_error(client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"}), 413)


def test_an_index_that_cannot_be_read_is_503(fake_retriever):
    from rag import IndexStaleError

    class Stale:
        def __getattr__(self, name):
            return getattr(fake_retriever, name)

        def ask(self, *args, **kwargs):
            raise IndexStaleError("The index is out of date: rebuild it with python -m rag.build")

    with TestClient(create_app(Stale())) as client:
        assert_error(client.post("/api/ask", json={"question": QUESTION}), 503, "rebuild it")


# ------------------------------------------------------------ token and exposure

@pytest.fixture(scope="module")
def guarded(fake_retriever):
    with TestClient(create_app(fake_retriever, token="s3cret-token")) as client:
        yield client


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"},
                                     {"Authorization": "Basic s3cret-token"}])
def test_with_a_token_every_api_route_needs_it(guarded, headers):
    assert_error(guarded.post("/api/ask", json={"question": QUESTION}, headers=headers), 401, "BAOGAO_API_TOKEN")
    assert_error(guarded.get("/api/reports", headers=headers), 401)
    assert_error(guarded.get("/api/health", headers=headers), 401)


def test_with_the_token_the_api_answers(guarded):
    response = guarded.post("/api/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200 and response.json()["question"] == QUESTION


def test_with_a_token_the_page_needs_a_login(guarded):
    call = guarded.post("/gradio_api/call/ask", json={"data": [QUESTION, 5, None, None, ""]})
    assert call.status_code == 401
    login = guarded.post("/login", data={"username": "me", "password": "s3cret-token"})
    assert login.status_code == 200
    assert guarded.post("/gradio_api/call/ask", json={"data": [QUESTION, 5, None, None, ""]}).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host):
    assert is_loopback(host)
    check_exposure(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.org"])
def test_another_address_needs_a_token(host):
    assert not is_loopback(host)
    with pytest.raises(ServeError, match="set BAOGAO_API_TOKEN"):
        check_exposure(host, None)
    check_exposure(host, "s3cret-token")


def test_serving_on_all_addresses_without_a_token_refuses_to_start():
    env = {k: v for k, v in __import__("os").environ.items() if k != "BAOGAO_API_TOKEN"}
    result = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--port", "1"], capture_output=True, check=False,
                            text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert "--host 0.0.0.0 lets other machines in: set BAOGAO_API_TOKEN" in line


# ------------------------------------------------------------ lanes: long questions wait apart

class Gate:
    """A retriever stand-in whose long questions wait until the test opens the gate."""

    def __init__(self, retriever):
        self.retriever, self.open, self.entered = retriever, threading.Event(), threading.Event()

    def ask(self, question, k=5, filters=None):
        if len(question) > 100:
            self.entered.set()
            assert self.open.wait(30), "the gate was never opened"
        return self.retriever.ask(question[:50], k=k, filters=filters)

    def __getattr__(self, name):
        return getattr(self.retriever, name)


def test_ordinary_questions_are_answered_while_long_ones_run(fake_retriever):
    gate = Gate(fake_retriever)
    with TestClient(create_app(gate)) as client, ThreadPoolExecutor(4) as pool:
        long = [pool.submit(client.post, "/api/ask", json={"question": "长" * 500}) for _ in range(3)]
        assert gate.entered.wait(30)
        # The long lane is busy (and two more wait in it); every ordinary question still gets
        # its answer, which it could not if they shared one queue.
        for _ in range(5):
            assert client.post("/api/ask", json={"question": QUESTION}, timeout=20).status_code == 200
        assert not any(f.done() for f in long)
        gate.open.set()
        assert [f.result().status_code for f in long] == [200, 200, 200]


def test_a_full_lane_says_busy():
    lanes = Lanes(workers=1, max_waiting_long=1)
    gate = threading.Event()
    first = lanes.submit("长" * 500, gate.wait, 30)
    from rag.lanes import Busy

    with pytest.raises(Busy, match="busy"):
        lanes.submit("长" * 500, gate.wait, 30)
    assert lanes.submit("短", lambda: "answered").result(10) == "answered"
    gate.set()
    assert first.result(10) is True
    lanes.close()


# ------------------------------------------------------------ over a real socket

def test_over_a_real_socket_twenty_clients_each_get_their_own_answer(fake_retriever):
    questions = [QUESTION, "盲盒专项检查立案多少件", "住宅电梯物联网覆盖率达到了多少？", "党组书记是谁",
                 "How many elevators were fitted?"] * 4
    expected = [as_json(fake_retriever.ask(q).to_dict()) for q in questions]
    with Server(create_app(fake_retriever)) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert server.url.startswith("http://127.0.0.1:")
        with ThreadPoolExecutor(20) as pool:
            got = list(pool.map(lambda q: http.post("/api/ask", json={"question": q}).json(), questions))
        assert got == expected
        assert_error(http.post("/api/ask", json={"question": QUESTION, "k": 2.5}), 422)


@pytest.mark.slow
def test_real_model_answers_as_the_cli_prints(real_index):
    retriever = Retriever.load(index=real_index, build_if_missing=False)
    cli = subprocess.run([sys.executable, "-m", "rag.ask", QUESTION, "--json", "-k", "3", "--index", str(real_index)], check=False,
                         capture_output=True, text=True, encoding="utf-8", cwd=PROJECT_ROOT, timeout=300)
    assert cli.returncode == 0, cli.stderr
    with Server(create_app(retriever)) as server:
        reply = httpx.post(server.url + "/api/ask", json={"question": QUESTION, "k": 3}, timeout=60).json()
    assert reply == json.loads(cli.stdout)
    assert reply["answer"]["text"] == "7968家"


def test_the_embedding_reads_at_most_the_documented_start_of_a_long_question(fake_retriever):
    """A 1,000-character question took 1.5-5.4 s to embed; the embedding now reads its first
    Config.max_embedded_chars characters (the keywords still read all of it)."""
    seen = []
    real = fake_retriever.embedder.embed_query
    fake_retriever.embedder.embed_query = lambda text: seen.append(text) or real(text)
    try:
        question = "长" * 700 + QUESTION + "多" * 291
        reply = fake_retriever.ask(question)
    finally:
        del fake_retriever.embedder.embed_query
    limit = fake_retriever.config.max_embedded_chars
    assert limit == 256 and seen == [question[:limit]]
    assert reply.question == question and reply.hits  # still answered, from every word


def test_gradio_takes_no_upload_over_1_mb(client):
    """Gradio's upload route took 50 MB files; the page has no upload control at all."""
    response = client.post("/gradio_api/upload", files={"files": ("a.txt", b"a" * 1_500_000)})
    assert response.status_code == 413, response.text
    assert client.post("/gradio_api/upload", files={"files": ("a.txt", b"a" * 1000)}).status_code == 200


def test_without_the_token_even_a_malformed_request_learns_nothing(guarded):
    assert_error(guarded.post("/api/ask", json={"k": 2.5}), 401, "needs its token")
    assert_error(guarded.post("/api/ask", content=b"not json"), 401)
