"""Stale citations. Bug: a running page kept answering from the old index after a report was
edited or deleted — it served `7968家 3491-3496` while the file held other text there.

A Retriever made by `load` (the page's, the API's) answers from the reports as they are
on disk, or says plainly that the index is out of date; it never cites an offset that no
longer matches the file.
"""

from __future__ import annotations

import html
import threading
import time
from pathlib import Path

import pytest

from rag import Config, IndexStaleError, Retriever
from rag import page as app
from rag.load import read_source
from rag.pipeline import build_index
from tests.conftest import SMALL_REPORT, FakeEmbedder

QUESTION = "不予行政处罚多少家"
# The figure changed and a paragraph put before it: every later offset moves.
EDITED = "前言：本报告在原稿之前增加了一段说明。\n\n" + SMALL_REPORT.replace("7968家", "8123家")
OTHER = "宝山区市场监督管理局2023年工作总结\n\n一、电梯安全\n\n全区电梯加装远程监测装置1200台。\n"


def load(corpus: Path, index: Path, embedder=None, **settings) -> Retriever:
    return Retriever.load(config=Config(corpus_dir=corpus, index_dir=index, **settings),
                          embedder=embedder or FakeEmbedder())


def assert_citations_match_the_files(reply_or_hits, corpus: Path) -> None:
    """Each cited passage is the file's text at its offsets, as the file is now."""
    hits = getattr(reply_or_hits, "hits", reply_or_hits)
    assert hits
    for hit in hits:
        assert read_source(corpus / hit.source).text[hit.start:hit.end] == hit.text, hit
    answer = getattr(reply_or_hits, "answer", None)
    if answer:
        assert read_source(corpus / answer.source).text[answer.start:answer.end] == answer.text


@pytest.fixture
def index_dir(small_corpus) -> Path:
    return small_corpus.parent / "index"


def test_an_edited_report_is_answered_from_its_new_text_at_once(small_corpus, index_dir):
    retriever = load(small_corpus, index_dir)  # the whole check waits a second: this must not
    before = retriever.ask(QUESTION)
    assert before.answer.text == "7968家"
    assert_citations_match_the_files(before, small_corpus)
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    after = retriever.ask(QUESTION)
    assert after.answer.text == "8123家"
    assert after.answer.start > before.answer.start
    assert_citations_match_the_files(after, small_corpus)
    assert_citations_match_the_files(retriever.search(QUESTION), small_corpus)


def test_a_deleted_report_is_never_cited(small_corpus, index_dir):
    (small_corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    retriever = load(small_corpus, index_dir)
    assert retriever.ask(QUESTION).hits[0].source == "report.txt"
    (small_corpus / "report.txt").unlink()
    after = retriever.ask(QUESTION)
    assert {h.source for h in after.hits} == {"other.txt"}
    assert after.answer is None or "7968" not in after.answer.text
    assert_citations_match_the_files(after, small_corpus)


def test_an_added_report_is_found_once_the_corpus_is_checked_again(small_corpus, index_dir):
    retriever = load(small_corpus, index_dir, recheck_seconds=0)
    (small_corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    hits = retriever.search("全区电梯加装远程监测装置多少台")
    assert hits[0].source == "other.txt"
    assert_citations_match_the_files(hits, small_corpus)


def test_the_whole_check_is_rate_limited_but_the_cited_reports_are_checked_every_time(small_corpus, index_dir):
    retriever = load(small_corpus, index_dir, recheck_seconds=3600)
    (small_corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    assert "other.txt" not in {h.source for h in retriever.search("全区电梯加装远程监测装置多少台")}
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    reply = retriever.ask(QUESTION)  # cites report.txt, which changed: reopened (other.txt with it)
    assert reply.answer.text == "8123家"
    assert_citations_match_the_files(reply, small_corpus)
    assert "other.txt" in retriever.reports


def test_a_slow_whole_check_runs_less_often_so_questions_do_not_pay_for_it(small_corpus, index_dir, monkeypatch):
    """A check that costs 0.2 s (a large archive's folder) waits 20 times that before the next."""
    from rag import freshness

    retriever = load(small_corpus, index_dir, recheck_seconds=0)
    checks = []
    real_changed = freshness.Snapshot.changed

    def slow_changed(snapshot):
        checks.append(1)
        time.sleep(0.2)
        return real_changed(snapshot)

    monkeypatch.setattr(freshness.Snapshot, "changed", slow_changed)
    for _ in range(3):
        retriever.search(QUESTION)
    assert len(checks) == 1  # then no other check for 4 s, however many questions
    (small_corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    assert retriever.search("全区电梯加装远程监测装置多少台")[0].source != "other.txt"
    monkeypatch.setattr(retriever, "check_share", 1.0)  # as if 0.2 s had been a twentieth of the time since
    assert retriever.search("全区电梯加装远程监测装置多少台")[0].source == "other.txt"


def test_an_index_rebuilt_by_another_process_is_loaded_not_built_again(small_corpus, index_dir):
    embedded = []

    class Counting(FakeEmbedder):
        def embed_passages(self, texts, progress=False):
            embedded.extend(texts)
            return super().embed_passages(texts, progress)

    retriever = load(small_corpus, index_dir, Counting(), recheck_seconds=0)
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    build_index(Config(corpus_dir=small_corpus, index_dir=index_dir), FakeEmbedder())  # `rag.build`
    embedded.clear()
    reply = retriever.ask(QUESTION)
    assert reply.answer.text == "8123家"
    assert embedded == []  # it read the new index rather than build one
    assert_citations_match_the_files(reply, small_corpus)


def test_while_one_question_waits_for_the_rebuild_the_others_are_told_it_is_out_of_date(small_corpus, index_dir):
    building, finish = threading.Event(), threading.Event()

    class Slow(FakeEmbedder):  # a rebuild with the real model takes seconds: this one, until told
        gated = False

        def embed_passages(self, texts, progress=False):
            if self.gated:
                building.set()
                finish.wait(30)
            return super().embed_passages(texts, progress)

    slow = Slow()
    retriever = load(small_corpus, index_dir, slow)
    slow.gated = True
    retriever.reopen_wait = 0.2
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    first = {}
    waiting = threading.Thread(target=lambda: first.update(reply=retriever.ask(QUESTION)))
    waiting.start()
    assert building.wait(30)
    with pytest.raises(IndexStaleError, match="out of date.*report.txt was changed.*being rebuilt"):
        retriever.ask(QUESTION)  # told while the rebuild is still under way, not after it
    assert waiting.is_alive()
    finish.set()
    waiting.join()
    assert first["reply"].answer.text == "8123家"
    assert retriever.ask(QUESTION).answer.text == "8123家"


def test_when_the_index_cannot_be_reopened_it_says_so_in_one_line(small_corpus, index_dir):
    retriever = load(small_corpus, index_dir)
    (small_corpus / "report.txt").write_bytes(SMALL_REPORT.encode("utf-8") + b"\x00" * 64)
    with pytest.raises(IndexStaleError) as caught:
        retriever.ask(QUESTION)
    message = str(caught.value)
    assert "\n" not in message
    assert "out of date" in message and "report.txt was changed" in message and "not a text report" in message
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")  # fixed: answered again
    assert retriever.ask(QUESTION).answer.text == "8123家"


def test_the_page_answers_and_shows_the_section_from_the_new_text(small_corpus, index_dir):
    retriever = load(small_corpus, index_dir)
    sections = app.LiveSections(retriever)
    assert "7968家" in app.reply(retriever, sections, QUESTION, 5, as_html=True)
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    shown = app.reply(retriever, sections, QUESTION, 5, as_html=True)
    assert "答：<mark>8123家</mark>" in shown and "7968" not in shown
    cited = retriever.ask(QUESTION).hits[0].text  # the 原文 view marks it in the file as it is now
    assert f'<mark class="rag-cited">{html.escape(cited)}</mark>' in shown
    (small_corpus / "report.txt").write_bytes(b"\x00" * 100)
    assert app.reply(retriever, sections, QUESTION, 5, as_html=True).startswith("出错了：The index is out of date")


def test_the_page_api_served_over_http_answers_from_the_edited_report(small_corpus, index_dir):
    from gradio_client import Client

    from tests.test_app import serve_page

    retriever = load(small_corpus, index_dir)
    with serve_page(retriever) as url:
        client = Client(url, verbose=False)
        before = client.predict(QUESTION, 5, api_name="/ask")
        assert before["answer"]["text"] == "7968家"
        (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
        after = client.predict(QUESTION, 5, api_name="/ask")
        assert after["answer"]["text"] == "8123家"
        text = read_source(small_corpus / "report.txt").text
        for hit in after["hits"]:
            assert text[hit["start"]:hit["end"]] == hit["text"]
        assert text[after["answer"]["start"]:after["answer"]["end"]] == "8123家"


def test_an_edited_report_under_a_running_retriever_is_the_only_one_embedded_again(small_corpus, index_dir):
    """The reopening after an edit is the incremental update of `Retriever.add` / `remove`:
    the other reports keep their vectors."""
    from tests.test_archive import Counting

    (small_corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    counting = Counting()
    retriever = load(small_corpus, index_dir, embedder=counting)
    assert any("1200台" in t for t in counting.seen)  # the first build embedded both reports
    counting.seen.clear()
    (small_corpus / "report.txt").write_text(EDITED, encoding="utf-8")
    assert retriever.ask(QUESTION).answer.text == "8123家"
    assert counting.seen, "the edited report should have been embedded again"
    assert not any("1200台" in t for t in counting.seen)  # not one text of the other report
    assert any("8123家" in t for t in counting.seen)
