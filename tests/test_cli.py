"""`python -m rag.ask` and `python -m rag.build` as a person runs them."""

import json
import os
import subprocess
import sys

import pytest

from rag import ask
from tests.paths import PROJECT_ROOT


def run(*args, timeout=120):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, cwd=PROJECT_ROOT, env=env)


def assert_one_line_error(result, *fragments, after_logs=False):
    """Exit 1, nothing on stdout, one `Error: ...` line on stderr (the last, after any logs)."""
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    if not after_logs:
        assert len(lines) == 1, result.stderr
    assert lines[-1].startswith("Error: ") and sum("Error" in line for line in lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[-1]


@pytest.mark.slow
class TestAsk:
    def test_people_read_numbered_cited_passages(self, real_index):
        result = run("rag.ask", "不予行政处罚多少家", "--index", str(real_index))
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.startswith("答：7968家 [1]（shanghai-samr-2023-rule-of-law-report.txt:3491-3496）\n\n")
        out = out.split("\n\n", 1)[1]
        assert out.startswith("[1] 一、主要举措和成效 › （二）完善行政执法工作体制机制，推进严格规范公正文明执法 › 3．创新行政执法方式")
        first = out.split("\n\n[2]")[0]
        assert "7968家经营主体【不予行政处罚】" in first
        assert "shanghai-samr-2023-rule-of-law-report.txt:" in first and "score 0." in first
        assert [f"[{i}]" in out for i in range(1, 6)] == [True] * 5 and "[6]" not in out

    def test_json_parses_with_the_documented_fields(self, real_index, report_text):
        result = run("rag.ask", "盲盒專項檢查立案多少件", "--json", "-k", "3", "--index", str(real_index))
        assert result.returncode == 0, result.stderr
        assert "\\u" not in result.stdout  # UTF-8, not ASCII-escaped
        data = json.loads(result.stdout)
        assert data["question"] == "盲盒專項檢查立案多少件"
        assert data["answerable"] is True
        answer = data["answer"]
        assert answer["text"] == "50件" and answer["hit_rank"] == 1
        assert report_text[answer["start"]:answer["end"]] == "50件"
        assert [h["rank"] for h in data["hits"]] == [1, 2, 3]
        top = data["hits"][0]
        assert set(data) == {"question", "answerable", "answer", "hits", "translations", "refusal"}
        assert set(top) == {"rank", "score", "text", "source", "start", "end", "heading_path", "report"}
        assert top["report"]["title"].startswith("上海市市场监督管理局关于") and data["refusal"] == ""
        assert report_text[top["start"]:top["end"]] == top["text"] and "立案50件" in top["text"]
        assert 0 <= top["score"] <= 1

    def test_refusal_when_the_report_does_not_say(self, real_index):
        result = run("rag.ask", "上海市2023年的常住人口是多少", "-k", "2", "--index", str(real_index))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("报告中没有找到相关内容。\n\n最接近的段落（仅供参考）：\n\n[1] ")
        data = json.loads(run("rag.ask", "上海市2023年的常住人口是多少", "--json", "--index", str(real_index)).stdout)
        assert data["answerable"] is False and data["answer"] is None and len(data["hits"]) == 5

    def test_passages_without_a_direct_answer_are_labelled_related(self, real_index):
        result = run("rag.ask", "菜市场的秤不准有没有人管", "-k", "2", "--index", str(real_index))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("未摘出直接答案，以下是报告中最相关的段落：\n\n[1] ")

    @pytest.mark.parametrize("question, fragment", [("", "empty"), ("   ", "empty"),
                                                    ("问" * 1001, "limit is 1000")])
    def test_bad_questions(self, real_index, question, fragment):
        assert_one_line_error(run("rag.ask", question, "--index", str(real_index)), fragment)

    def test_missing_index_folder_is_named_and_not_created(self, tmp_path):
        missing = tmp_path / "no-index"
        result = run("rag.ask", "不予行政处罚多少家", "--index", str(missing))
        assert_one_line_error(result, "No index at", "python -m rag.build")
        assert not missing.exists()

    def test_corrupt_index_is_refused_and_untouched(self, real_index, tmp_path):
        broken = tmp_path / "broken"
        broken.mkdir()
        for f in real_index.iterdir():
            (broken / f.name).write_bytes(f.read_bytes())
        (broken / "chunks.jsonl").write_text("garbage", encoding="utf-8")
        before = {f.name: f.read_bytes() for f in broken.iterdir()}
        assert_one_line_error(run("rag.ask", "不予行政处罚多少家", "--index", str(broken)), "damaged", "rag.build")
        assert {f.name: f.read_bytes() for f in broken.iterdir()} == before

    def test_another_model_is_refused(self, real_index):
        result = run("rag.ask", "不予行政处罚多少家", "--index", str(real_index), "--model", "BAAI/bge-small-zh-v1.5")
        assert_one_line_error(result, "built with model 'intfloat/multilingual-e5-small'",
                              "python -m rag.build --model BAAI/bge-small-zh-v1.5")

    def test_unloadable_model_engine(self, real_index, monkeypatch, capsys):
        def broken_engine():
            raise OSError("libgomp.so.1: cannot open shared object file")

        monkeypatch.setattr("rag.embed._single_thread_engine", broken_engine)
        with pytest.raises(SystemExit) as exit_info:
            ask.main(["不予行政处罚多少家", "--index", str(real_index)])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("Error: Cannot load the default model's engine") and "pip install" in err[-1]

    def test_usage_error_exits_2(self):
        assert run("rag.ask").returncode == 2


@pytest.mark.slow
def test_build_with_an_unloadable_model_changes_nothing(tmp_path):
    index = tmp_path / "index"
    result = run("rag.build", "--model", str(tmp_path / "no-such-model"), "--index", str(index))
    assert_one_line_error(result, "No model folder at", "drop --model", after_logs=True)
    assert not index.exists()


def test_build_of_a_non_utf8_corpus_names_the_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report-gbk.txt").write_bytes("一、标题\n\n正文内容。".encode("gb18030"))
    result = run("rag.build", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert_one_line_error(result, "report-gbk.txt is not valid UTF-8")
    assert not (tmp_path / "index").exists()
