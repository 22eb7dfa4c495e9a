"""Adding and removing reports on an open index (what the page's upload control does):
the file is checked by its content, stored only in the corpus folder under a safe name,
indexed without a rebuild, and removed again from both."""

import shutil

import pytest

from rag import CorpusError, Retriever
from rag import page as app
from rag.upload import MAX_UPLOAD_BYTES, check_upload, safe_name, store_upload
from tests.conftest import FakeEmbedder
from tests.paths import PROJECT_ROOT

FORMATS = PROJECT_ROOT / "tests" / "data" / "formats"
PDF = FORMATS / "luoyang-stats-2023.pdf"


def test_a_stored_upload_stays_in_the_corpus_folder_under_a_safe_name(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = PDF.read_bytes()
    for client_name in ("../../etc/passwd.pdf", "..\\..\\windows\\报告 2023.pdf", ".hidden.pdf", "/abs/path/x.pdf"):
        stored = store_upload(corpus, data, client_name)
        assert stored.parent == corpus.resolve() and not stored.name.startswith(".")
        assert stored.read_bytes() == data and stored.suffix == ".pdf"
    assert sorted(p.name for p in corpus.iterdir()) == ["hidden.pdf", "passwd.pdf", "x.pdf", "报告-2023.pdf"]
    again = store_upload(corpus, data, "passwd.pdf")
    assert again.name == "passwd-2.pdf"  # an existing report is never overwritten
    assert not list((tmp_path / "etc").glob("*")) if (tmp_path / "etc").exists() else True


def test_the_type_comes_from_the_content_not_the_name():
    assert check_upload(PDF.read_bytes(), "report.pdf") == "pdf"
    assert check_upload(PDF.read_bytes(), "no-suffix") == "pdf"
    assert safe_name("no-suffix", "pdf") == "no-suffix.pdf"
    docx = (FORMATS / "luoyang-stats-2023.docx").read_bytes()
    with pytest.raises(CorpusError, match=r"report\.pdf is named \.pdf but holds a Word \.docx document: "
                                          r"rename it to report\.docx"):
        check_upload(docx, "report.pdf")
    with pytest.raises(CorpusError, match=r"evil\.pdf holds binary data, not a report"):
        check_upload(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "evil.pdf")
    with pytest.raises(CorpusError, match=r"notes\.txt is not UTF-8 text: convert it.*iconv"):
        check_upload("市场监管".encode("gbk"), "notes.txt")
    assert check_upload("<!DOCTYPE html><html><body><p>正文</p></body></html>".encode(), "page.htm") == "html"
    assert safe_name("a.md", "txt") == "a.md" and safe_name("a.txt", "txt") == "a.txt"


def test_size_limit_and_empty_files(tmp_path):
    with pytest.raises(CorpusError, match=r"big\.txt is 2\.0 MB; the limit is 1 MB"):
        check_upload(b"a" * (2 << 20), "big.txt", limit=1 << 20)
    with pytest.raises(CorpusError, match="empty"):
        check_upload(b"  \n", "blank.txt")
    assert MAX_UPLOAD_BYTES == 20 << 20


@pytest.fixture
def retriever(fake_config):
    return Retriever.load(config=fake_config, embedder=FakeEmbedder())


def test_an_added_report_is_searched_at_once_and_kept_without_a_rebuild(retriever, fake_config, caplog):
    before = len(retriever.passages)
    stored = shutil.copy(PDF, fake_config.corpus_dir / "luoyang.pdf")
    identity = retriever.add(stored)
    assert identity.title.startswith("2023年洛阳市国民经济和社会发展统计公报")  # its own title line, with its ①
    hit = retriever.search("洛阳 年末常住人口多少", k=1)[0]
    assert hit.source == "luoyang.pdf" and "707.9万人" in hit.text and hit.pages
    assert retriever.document_text("luoyang.pdf")[hit.start:hit.end] == hit.text
    assert len(retriever.passages) > before
    caplog.clear()
    caplog.set_level("INFO")  # the opening step says at INFO when it updates an index
    reopened = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert not any(w in caplog.text for w in ("Rebuilding", "Updating", "building it"))  # the saved index is current
    assert [p.text for p in reopened.passages] == [p.text for p in retriever.passages]
    assert reopened.search("洛阳 年末常住人口多少", k=1)[0].pages == hit.pages


def test_a_removed_report_leaves_the_index_and_the_corpus(retriever, fake_config, caplog):
    retriever.add(shutil.copy(PDF, fake_config.corpus_dir / "luoyang.pdf"))
    removed = retriever.remove("luoyang.pdf")
    assert removed > 0 and not (fake_config.corpus_dir / "luoyang.pdf").exists()
    # Set aside, not deleted: the file is still there to put back, and no build reads it.
    assert (fake_config.corpus_dir / ".removed" / "luoyang.pdf").read_bytes() == PDF.read_bytes()
    assert {p.source for p in retriever.passages} == {"shanghai-samr-2023-rule-of-law-report.txt"}
    assert "luoyang.pdf" not in retriever.reports
    caplog.clear()
    caplog.set_level("INFO")  # the opening step says at INFO when it updates an index
    Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert not any(w in caplog.text for w in ("Rebuilding", "Updating", "building it"))
    with pytest.raises(CorpusError, match="is the only report indexed"):
        retriever.remove("shanghai-samr-2023-rule-of-law-report.txt")
    with pytest.raises(CorpusError, match="No report named 'nothing.pdf'"):
        retriever.remove("nothing.pdf")


def test_a_file_outside_the_corpus_folder_is_not_added(retriever, tmp_path):
    with pytest.raises(CorpusError, match="is not inside the corpus folder"):
        retriever.add(PDF)


def test_the_page_stores_indexes_and_reports_an_upload(retriever, fake_config, tmp_path):
    upload = tmp_path / "upload" / "洛阳统计公报.pdf"  # where the browser's file lands
    upload.parent.mkdir()
    shutil.copy(PDF, upload)
    message = app.add_upload(retriever, str(upload))
    assert message.startswith("已加入《2023年洛阳市国民经济和社会发展统计公报①》（洛阳统计公报.pdf）")
    assert (fake_config.corpus_dir / "洛阳统计公报.pdf").is_file()
    scan = tmp_path / "upload" / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 broken")
    message = app.add_upload(retriever, str(scan))
    assert message.startswith("未能加入：") and "scan.pdf" in message
    assert not (fake_config.corpus_dir / "scan.pdf").exists()  # what could not be indexed is not kept
    assert app.remove_report(retriever, "洛阳统计公报.pdf").startswith("已删除 洛阳统计公报.pdf")


def test_questions_answered_during_an_add_read_the_old_index_whole(retriever, fake_config, monkeypatch):
    before = [p.text for p in retriever.passages]
    old_store = retriever.store
    retriever.add(shutil.copy(PDF, fake_config.corpus_dir / "luoyang.pdf"))
    assert [p.text for p in old_store.passages] == before  # a search holding it saw no half-added rows
    from rag import reports

    def failing_save(store, config):
        raise OSError("disk full")

    monkeypatch.setattr(reports, "_save", failing_save)
    now = [p.text for p in retriever.passages]
    with pytest.raises(OSError):
        retriever.remove("luoyang.pdf")
    assert [p.text for p in retriever.passages] == now  # a change that failed left nothing half-done
    assert "luoyang.pdf" in retriever.reports and (fake_config.corpus_dir / "luoyang.pdf").exists()
