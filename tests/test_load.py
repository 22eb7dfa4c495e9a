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


def test_the_corpus_is_every_visible_report_below_the_folder_in_path_order(tmp_path):
    from rag.load import corpus_names

    corpus, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    for path in ("a-c.txt", "a/b.txt", "a/deeper/x.PDF", ".hidden.txt", ".removed/old.txt", "a/.git/y.txt",
                 "notes.xlsx", "a/readme"):
        (corpus / path).parent.mkdir(parents=True, exist_ok=True)
        (corpus / path).write_text("正文。", encoding="utf-8")
    (elsewhere / "linked").mkdir(parents=True)
    (elsewhere / "linked" / "z.txt").write_text("正文。", encoding="utf-8")
    (elsewhere / "one.txt").write_text("正文。", encoding="utf-8")
    (corpus / "linked").symlink_to(elsewhere / "linked", target_is_directory=True)  # a folder link: not followed
    (corpus / "one-link.txt").symlink_to(elsewhere / "one.txt")  # a file link: a report
    (corpus / "gone.txt").symlink_to(elsewhere / "missing.txt")  # a broken link: nothing to read
    names = corpus_names(corpus)
    # Ordered by path parts, as the index records them: a/… before a-c.txt.
    assert names == ["a/b.txt", "a/deeper/x.PDF", "a-c.txt", "one-link.txt"]
