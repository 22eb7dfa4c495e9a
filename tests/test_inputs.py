"""Bad inputs get one line saying what is wrong, never a traceback (issue 13, finding 3).

Each test reproduced its failure before the fix: a question with a lone surrogate or bytes
that are not UTF-8 (CLI, Python API, page API), a corpus file name that is not UTF-8,
k = 2.5 / "5" / None / True, a question that is not a string ("the question is empty"),
and stdout that is full, closed or ASCII-only.
"""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from rag import CorpusError, QuestionError, Retriever, ask
from rag import page as app
from tests.conftest import REPORT, FakeEmbedder
from tests.paths import PROJECT_ROOT


def run(*args, env=None, **kwargs):
    """Run `python -m ARGS`; `env` replaces the default PYTHONIOENCODING=utf-8."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LC_ALL")}
    env = base | (env or {"PYTHONIOENCODING": "utf-8"})
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, cwd=PROJECT_ROOT, check=False,
                          env=env, timeout=300, **kwargs)


def one_error_line(stderr: bytes) -> str:
    """Return the one `Error: ...` line of stderr; fail on a traceback or more lines."""
    text = stderr.decode("utf-8", "backslashreplace")
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, text
    return errors[0]


# ------------------------------------------------------------ the question

NOT_TEXT = ["不予\udcff处罚", "\ud800", "a\udfffb"]
NOT_STRINGS = [5, 2.5, None, ["不予行政处罚多少家"], b"\xe4\xb8\x8d", {"q": 1}, True]


@pytest.mark.parametrize("question", NOT_TEXT, ids=repr)
def test_a_question_that_is_not_text_is_refused_in_the_python_api(fake_retriever, question):
    with pytest.raises(QuestionError, match=r"not valid text: character \d+ .*send it as UTF-8"):
        fake_retriever.ask(question)
    with pytest.raises(QuestionError, match="not valid text"):
        fake_retriever.search(question)


@pytest.mark.parametrize("question", NOT_STRINGS, ids=repr)
def test_a_question_that_is_not_a_string_says_what_it_is(fake_retriever, question):
    """It was "The question is empty" for 5 or a list."""
    with pytest.raises(QuestionError) as caught:
        fake_retriever.ask(question)
    message = str(caught.value)
    assert message.startswith(f"The question must be text, got {type(question).__name__} ")
    assert "empty" not in message


@pytest.mark.parametrize("k", [2.5, "5", None, True, 0, -1])
def test_k_that_is_not_a_whole_number_of_at_least_1_is_refused(fake_retriever, k):
    with pytest.raises(QuestionError, match=f"k must be a whole number of at least 1, got {type(k).__name__}"):
        fake_retriever.ask("不予行政处罚多少家", k=k)


def test_cli_question_with_bytes_that_are_not_utf8_gets_one_line():
    """`python -m rag.ask $'\\xff\\xfe不予'` raised UnicodeEncodeError."""
    result = run("rag.ask", os.fsdecode(b"\xff\xfe" + "不予行政处罚".encode()))
    assert result.returncode == 1 and result.stdout == b""
    assert "not valid text: character 1" in one_error_line(result.stderr)


# ------------------------------------------------------------ the page's API (gradio)

@pytest.fixture
def page_reply(fake_retriever):
    sections = app.Sections.read(fake_retriever)
    return lambda question, k=5: app.reply(fake_retriever, sections, question, k, as_html=False)


@pytest.mark.parametrize("question", NOT_STRINGS[:1] + NOT_STRINGS[3:], ids=repr)
def test_page_api_says_what_a_non_string_question_is_not_a_python_message(page_reply, question):
    """It answered `'int' object has no attribute 'strip'`."""
    shown = page_reply(question)
    assert shown.startswith("出错了：The question must be text, got ")
    assert "attribute" not in shown


@pytest.mark.parametrize("k", [2.5, "5", True, [3]])
def test_page_api_refuses_k_that_is_not_a_whole_number(page_reply, k):
    assert page_reply("不予行政处罚多少家", k).startswith("出错了：k must be a whole number from 1 to 10, got ")


def test_page_api_takes_the_sliders_whole_floats(page_reply):
    assert [h.rank for h in page_reply("不予行政处罚多少家", 3.0).hits] == [1, 2, 3]


@pytest.mark.parametrize("filters", [(5, None, ""), (None, "2024", 7), (["a.txt", 3], None, "")])
def test_page_api_refuses_filters_of_the_wrong_shape(filters):
    with pytest.raises(QuestionError, match="must be a list of strings"):
        app.filters_of(*filters)


def test_page_api_question_that_is_not_text(page_reply):
    assert page_reply("\udcff不予").startswith("出错了：The question is not valid text")


# ------------------------------------------------------------ corpus file names

@pytest.fixture
def corpus_with_a_non_utf8_name(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPORT, folder / REPORT.name)
    try:
        shutil.copy(REPORT, os.path.join(os.fsencode(folder), b"report-\xff\xfe.txt"))
    except OSError as err:  # a file system that only stores UTF-8 names
        pytest.skip(f"cannot create a file name that is not UTF-8 here: {err}")
    return folder


def test_a_corpus_file_name_that_is_not_utf8_is_refused_by_name(corpus_with_a_non_utf8_name, tmp_path):
    """The build raised UnicodeEncodeError from the corpus hash."""
    with pytest.raises(CorpusError, match=r"report-\\xff\\xfe.txt is not UTF-8: rename it"):
        Retriever.load(corpus_with_a_non_utf8_name, tmp_path / "index", embedder=FakeEmbedder())
    assert not (tmp_path / "index").exists()


def test_build_cli_refuses_a_non_utf8_file_name_in_one_line(corpus_with_a_non_utf8_name, tmp_path):
    result = run("rag.build", "--corpus", str(corpus_with_a_non_utf8_name), "--index", str(tmp_path / "index"))
    assert result.returncode == 1
    assert "report-\\xff\\xfe.txt is not UTF-8" in one_error_line(result.stderr)
    assert not (tmp_path / "index").exists()


# ------------------------------------------------------------ where the answer is printed

class Stream(io.StringIO):
    def __init__(self, encoding="utf-8", fail: OSError | None = None):
        super().__init__()
        self._encoding, self._fail = encoding, fail

    @property
    def encoding(self):
        return self._encoding

    def write(self, text):
        if self._fail:
            raise self._fail
        text.encode(self._encoding)  # as a real text stream would
        return super().write(text)


@pytest.fixture
def a_reply(fake_retriever):
    return fake_retriever.ask("不予行政处罚多少家", k=2)


def test_stdout_that_cannot_show_chinese_gets_one_line_for_text(a_reply, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", Stream("ascii"))
    assert ask.write_result(a_reply, as_json=False) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: standard output takes only ascii") and "PYTHONIOENCODING=utf-8" in err


def test_stdout_that_cannot_show_chinese_still_gets_the_json(a_reply, monkeypatch):
    out = Stream("ascii")
    monkeypatch.setattr(sys, "stdout", out)
    assert ask.write_result(a_reply, as_json=True) == 0
    assert json.loads(out.getvalue()) == json.loads(json.dumps(a_reply.to_dict()))


def test_closed_stdout_gets_one_line(a_reply, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", None)
    assert ask.write_result(a_reply, as_json=True) == 1
    assert capsys.readouterr().err.startswith("Error: standard output is closed")


def test_full_stdout_gets_one_line(a_reply, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", Stream(fail=OSError(28, "No space left on device")))
    assert ask.write_result(a_reply, as_json=False) == 1
    assert capsys.readouterr().err.startswith("Error: cannot write the answer to standard output "
                                              "(No space left on device)")


@pytest.mark.slow
class TestRealStdout:
    """The same, as a person runs the command (the real model and index)."""

    def test_dev_full(self, real_index):
        with open("/dev/full", "w") as full:
            result = subprocess.run([sys.executable, "-m", "rag.ask", "不予行政处罚多少家", "--index", str(real_index)],
                                    stdout=full, stderr=subprocess.PIPE, cwd=PROJECT_ROOT, timeout=300, check=False)
        assert result.returncode == 1
        assert "No space left on device" in one_error_line(result.stderr)

    def test_closed(self, real_index):
        result = subprocess.run(f'exec {sys.executable} -m rag.ask 不予行政处罚多少家 --index "{real_index}" >&-',
                                shell=True, stderr=subprocess.PIPE, cwd=PROJECT_ROOT, timeout=300, check=False)
        assert result.returncode == 1
        assert "standard output is closed" in one_error_line(result.stderr)

    @pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C"}])
    def test_ascii_or_c_locale(self, real_index, env):
        result = run("rag.ask", "不予行政处罚多少家", "--index", str(real_index), env=env)
        if result.returncode == 0:  # LANG=C: Python reads it as UTF-8 (PEP 538/540)
            assert result.stdout.decode("utf-8").startswith("答：7968家")
        else:
            assert "PYTHONIOENCODING=utf-8" in one_error_line(result.stderr) and result.stdout == b""
        as_json = run("rag.ask", "不予行政处罚多少家", "--json", "--index", str(real_index), env=env)
        assert as_json.returncode == 0, as_json.stderr
        assert json.loads(as_json.stdout)["answer"]["text"] == "7968家"
