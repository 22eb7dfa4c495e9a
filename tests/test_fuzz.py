"""Fuzzed questions against the CLI, the Python API, the page's API and the REST routes:
every case ends in an answer or one line saying what is wrong, never a traceback
(issue 13). Questions are any text (lone surrogates, controls, NUL, over the limit), or
not text at all; k and the filters are anything JSON can carry.
"""

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag import QuestionError, Retriever, ask
from rag import page as app
from rag.serve import create_app
from tests.test_api import fake_retriever  # noqa: F401 (the module-wide fake index)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

# Any code point, surrogates included; some Chinese and report words to reach the answer step.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
WORDS = st.sampled_from(["不予行政处罚", "多少家", "2023年", "四川", "How many", "？", " ", "\n", "\x00", "７９６８"])
QUESTIONS = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.lists(st.one_of(WORDS, st.text(ANY_CHAR, max_size=3)), max_size=12).map("".join),
    st.builds(lambda n, c: c * n, st.integers(990, 1010), st.sampled_from(["问", "a", " ", "\udcff"])),
)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                        max_size=2), max_leaves=5)
JSON_NOT_QUESTIONS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                               st.lists(st.text(max_size=3), max_size=2),
                               st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
NOT_QUESTIONS = st.one_of(JSON_NOT_QUESTIONS, st.floats(), st.binary(max_size=5))
KS = st.one_of(st.integers(-3, 15), st.floats(), st.text(max_size=3), st.none(), st.booleans())


def one_line(text: str) -> None:
    assert text.strip() and "\n" not in text.strip() and "Traceback" not in text, text


# ------------------------------------------------------------ Python API

def answers_or_says_why(retriever, question, k) -> None:
    try:
        reply = retriever.ask(question, k=k)
    except QuestionError as err:
        one_line(str(err))
        return
    assert isinstance(question, str) and reply.question == question.strip()
    assert 1 <= len(reply.hits) <= k
    json.dumps(reply.to_dict(), ensure_ascii=False).encode("utf-8")  # printable as the CLI prints it


@FUZZ
@given(question=st.one_of(QUESTIONS, NOT_QUESTIONS))
def test_python_api_answers_any_question_or_raises_question_error(fake_retriever, question):  # noqa: F811
    answers_or_says_why(fake_retriever, question, 5)


@FUZZ
@given(question=st.one_of(QUESTIONS, NOT_QUESTIONS), k=KS)
def test_python_api_takes_any_k_or_raises_question_error(fake_retriever, question, k):  # noqa: F811
    answers_or_says_why(fake_retriever, question, k)


# ------------------------------------------------------------ CLI (in process, the fake index)

@FUZZ
@given(question=QUESTIONS, as_json=st.booleans())
def test_cli_prints_an_answer_or_one_error_line(fake_retriever, monkeypatch, capsys, question, as_json):  # noqa: F811
    monkeypatch.setattr(Retriever, "load", lambda *a, **kw: fake_retriever)
    capsys.readouterr()
    try:
        code = ask.main([question, *(["--json"] if as_json else [])])
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    if code == 0:
        assert out.strip() and "Traceback" not in err
        if as_json:
            assert json.loads(out)["question"] == question.strip()
    else:
        assert code in (1, 2) and out == ""
        errors = [line for line in err.splitlines() if line.startswith(("Error: ", "usage:", "python -m rag.ask: error"))]
        assert errors and "Traceback" not in err, err


# ------------------------------------------------------------ the page's API

@FUZZ
@given(question=st.one_of(QUESTIONS, NOT_QUESTIONS), k=KS, reports=st.one_of(st.none(), JSON_VALUES),
       region=st.one_of(st.just(""), JSON_VALUES))
def test_page_api_answers_or_says_what_is_wrong(fake_retriever, question, k, reports, region):  # noqa: F811
    sections = app.Sections.read(fake_retriever)
    try:
        filters = app.filters_of(reports, None, region)
    except QuestionError as err:
        one_line(str(err))
        return
    shown = app.reply(fake_retriever, sections, question, k, as_html=False, filters=filters)
    if isinstance(shown, str):
        one_line(shown)
        assert "object has no attribute" not in shown and "Error:" not in shown.split("：")[0]
    else:
        assert shown.question == question.strip()


# ------------------------------------------------------------ REST routes

@pytest.fixture(scope="module")
def client(fake_retriever):  # noqa: F811
    with TestClient(create_app(fake_retriever)) as client:
        yield client


@FUZZ
@given(route=st.sampled_from(["/api/ask", "/api/search"]), body=st.one_of(
    st.fixed_dictionaries({"question": st.one_of(QUESTIONS, JSON_NOT_QUESTIONS)},
                          optional={"k": KS, "reports": JSON_VALUES, "years": JSON_VALUES, "region": JSON_VALUES,
                                    "body": JSON_VALUES, "extra": JSON_VALUES}),
    JSON_VALUES))
def test_rest_routes_answer_or_give_one_json_line(client, route, body):
    response = client.post(route, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400, 413, 422), response.text
    data = response.json()
    if response.status_code == 200:
        assert data["question"] == body["question"].strip() and data["hits"]
    else:
        assert set(data) == {"error"}
        one_line(data["error"])


@FUZZ
@given(raw=st.binary(max_size=60))
def test_rest_routes_take_any_bytes(client, raw):
    response = client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code != 200:
        one_line(response.json()["error"])
