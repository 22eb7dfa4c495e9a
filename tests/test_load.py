"""Reading the corpus: every report file, .txt/.md strictly UTF-8, errors that name the file."""

import pytest

from rag import CorpusError
from rag.load import corpus_hash, read_corpus


def test_reads_every_txt_and_md_file_in_name_order(corpus_dir):
    (corpus_dir / "b.md").write_text("# 标题\n\n正文。", encoding="utf-8")
    (corpus_dir / "notes.xlsx").write_bytes(b"not a report")  # not a format of reports: left alone
    names = [s.name for s in read_corpus(corpus_dir)]
    assert names == ["b.md", "shanghai-samr-2023-rule-of-law-report.txt"]


def test_report_is_read_byte_for_byte(corpus_dir, report_text):
    assert read_corpus(corpus_dir)[0].text == report_text


def test_a_file_that_is_not_utf8_is_named(corpus_dir):
    (corpus_dir / "gbk.txt").write_bytes("市场监管报告".encode("gbk"))
    with pytest.raises(CorpusError, match=r"gbk\.txt is not valid UTF-8.*iconv"):
        read_corpus(corpus_dir)


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nowhere")
    with pytest.raises(CorpusError, match=r"has no reports \(\.txt, \.md, \.pdf, \.docx, \.html, \.htm\)"):
        read_corpus(tmp_path)


def test_byte_order_mark_is_not_text(corpus_dir):
    (corpus_dir / "bom.txt").write_bytes("\ufeff一、标题".encode("utf-8"))
    assert read_corpus(corpus_dir)[0].text == "一、标题"


def test_hash_changes_with_any_edit(corpus_dir):
    before = corpus_hash(corpus_dir)
    path = next(corpus_dir.iterdir())
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert corpus_hash(corpus_dir) != before
