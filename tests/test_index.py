"""The index folder: save → load, atomic rebuilds, and refusing damaged or foreign indexes."""

import json

import faiss
import numpy as np
import pytest

from rag import IndexCorruptError, IndexLocationError, IndexMissingError, ModelMismatchError, Retriever
from rag import Config
from rag import index as index_io
from rag.pipeline import build_index
from tests.conftest import FakeEmbedder

QUESTION = "不予行政处罚多少家"


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_save_then_load_gives_the_same_hits(fake_config, fake_retriever):
    reloaded = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert reloaded.search(QUESTION, k=5) == fake_retriever.search(QUESTION, k=5)
    files = {p.name for p in fake_config.index_dir.iterdir()}
    assert files == {"manifest.json", "vectors.faiss", "sentences.faiss", "chunks.jsonl", "tags.json", "documents.jsonl"}


def test_manifest_describes_the_index(fake_config, fake_retriever):
    manifest = json.loads((fake_config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "fake-bigram-hash"
    assert manifest["dim"] == 64
    assert manifest["n_passages"] == len(fake_retriever.passages)
    assert manifest["settings"]["max_chunk_chars"] == 300
    assert len(manifest["corpus_hash"]) == 64


def test_chunk_table_row_i_is_vector_i(fake_config, fake_retriever):
    rows = (fake_config.index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    vectors = faiss.read_index(str(fake_config.index_dir / "vectors.faiss"))
    assert len(rows) == vectors.ntotal
    text = json.loads(rows[7])["text"]
    assert np.allclose(vectors.reconstruct(7), FakeEmbedder().embed_passages([fake_retriever.passages[7].match_text()])[0])
    assert text == fake_retriever.passages[7].text


def test_corpus_edit_triggers_a_rebuild(fake_config, fake_retriever, corpus_dir):
    (corpus_dir / "extra.txt").write_text("一、新增章节\n\n本市新增检查电动自行车门店321家。", encoding="utf-8")
    rebuilt = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert any("321家" in p.text for p in rebuilt.passages)


def test_missing_index_is_built_or_refused(fake_config):
    with pytest.raises(IndexMissingError, match="python -m rag.build"):
        Retriever.load(config=fake_config, embedder=FakeEmbedder(), build_if_missing=False)
    assert not fake_config.index_dir.exists()


@pytest.mark.parametrize("damage", ["truncate_vectors", "garbage_manifest", "drop_chunk_row"])
def test_damaged_index_is_refused_and_left_alone(fake_config, fake_retriever, damage):
    folder = fake_config.index_dir
    if damage == "truncate_vectors":
        (folder / "vectors.faiss").write_bytes((folder / "vectors.faiss").read_bytes()[:100])
    elif damage == "garbage_manifest":
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    else:
        rows = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        (folder / "chunks.jsonl").write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    before = snapshot(folder)
    with pytest.raises(IndexCorruptError, match="damaged.*python -m rag.build"):
        Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert snapshot(folder) == before


def test_another_model_is_refused_with_the_fix(fake_config, fake_retriever):
    class Other(FakeEmbedder):
        name = "other-model"

    with pytest.raises(ModelMismatchError, match="built with model 'fake-bigram-hash'.*rag.build --model other-model"):
        Retriever.load(config=fake_config, embedder=Other())


def test_a_build_killed_halfway_leaves_the_old_index(fake_config, fake_retriever, corpus_dir, monkeypatch):
    before = snapshot(fake_config.index_dir)
    (corpus_dir / "extra.txt").write_text("一、新增\n\n新内容。", encoding="utf-8")
    calls = []

    def dies_on_second_file(index, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the process were stopped mid-build
        faiss.write_index.__wrapped__(index, path) if hasattr(faiss.write_index, "__wrapped__") else real(index, path)

    real = faiss.write_index
    monkeypatch.setattr(faiss, "write_index", dies_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        Retriever.load(config=fake_config, embedder=FakeEmbedder())
    monkeypatch.undo()
    assert snapshot(fake_config.index_dir) == before
    leftovers = [p.name for p in fake_config.index_dir.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    index_io.load(fake_config.index_dir)  # still loads


def test_manifest_without_files_does_not_load(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    with pytest.raises(IndexMissingError):
        index_io.load(folder)


class TestNeverDeletesUserFiles:
    """Bug: `rag.build --index DIR` replaced whatever was at DIR and exited 0 — `--index
    data` deleted the report, a folder of a user's files was emptied, a checkout lost its
    .git, an existing file was renamed to a hidden `.NAME.old-PID`."""

    def build(self, corpus_dir, index_dir):
        return Retriever.load(config=Config(corpus_dir=corpus_dir, index_dir=index_dir), embedder=FakeEmbedder())

    def test_the_corpus_folder_as_index_is_refused(self, corpus_dir):
        before = snapshot(corpus_dir)
        with pytest.raises(IndexLocationError, match="report.txt.*would delete them.*--index"):
            self.build(corpus_dir, corpus_dir)
        assert snapshot(corpus_dir) == before

    def test_a_folder_of_user_files_is_refused(self, corpus_dir, tmp_path):
        folder = tmp_path / "mine"
        (folder / ".git").mkdir(parents=True)
        (folder / "notes.docx").write_bytes(b"precious")
        with pytest.raises(IndexLocationError, match=r"\.git, notes\.docx"):
            self.build(corpus_dir, folder)
        assert (folder / "notes.docx").read_bytes() == b"precious" and (folder / ".git").is_dir()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    def test_an_existing_file_is_refused_not_renamed(self, corpus_dir, tmp_path):
        target = tmp_path / "index"
        target.write_text("a user's file", encoding="utf-8")
        with pytest.raises(IndexLocationError, match="is a file, not a folder"):
            self.build(corpus_dir, target)
        assert target.read_text(encoding="utf-8") == "a user's file"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "index"]

    def test_index_with_a_stray_user_file_is_refused(self, fake_config, fake_retriever, corpus_dir):
        (fake_config.index_dir / "keep-me.txt").write_text("x", encoding="utf-8")
        (corpus_dir / "extra.txt").write_text("一、新增\n\n新内容。", encoding="utf-8")  # forces a rebuild
        with pytest.raises(IndexLocationError, match="keep-me.txt"):
            self.build(corpus_dir, fake_config.index_dir)
        assert (fake_config.index_dir / "keep-me.txt").exists()

    def test_a_foreign_manifest_alone_is_refused(self, corpus_dir, tmp_path):
        folder = tmp_path / "other"
        folder.mkdir()
        (folder / "manifest.json").write_text('{"name": "someone else\'s"}', encoding="utf-8")
        with pytest.raises(IndexLocationError, match="not written by this project"):
            build_index(Config(corpus_dir=corpus_dir, index_dir=folder), FakeEmbedder())  # as rag.build does

    def test_empty_folder_and_own_index_are_replaced(self, fake_config, fake_retriever, corpus_dir, tmp_path):
        empty = tmp_path / "empty"
        empty.mkdir()
        assert self.build(corpus_dir, empty).passages
        (corpus_dir / "extra.txt").write_text("一、新增\n\n本市新增检查电动自行车门店321家。", encoding="utf-8")
        rebuilt = self.build(corpus_dir, fake_config.index_dir)
        assert any("321家" in p.text for p in rebuilt.passages)

    def test_a_damaged_own_index_can_still_be_rebuilt(self, fake_config, fake_retriever, corpus_dir):
        (fake_config.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
        index_io.save(fake_config.index_dir, fake_retriever.store.index_data())
        assert index_io.load(fake_config.index_dir).passages == fake_retriever.passages

    def test_the_cli_says_one_line_and_deletes_nothing(self, tmp_path):
        from tests.test_cli import assert_one_line_error, run

        data = tmp_path / "data"
        data.mkdir()
        (data / "report.txt").write_text("一、总体情况\n\n今年检查企业120家。", encoding="utf-8")
        result = run("rag.build", "--corpus", str(data), "--index", str(data))
        assert_one_line_error(result, "Refusing to replace", "report.txt")
        assert (data / "report.txt").read_text(encoding="utf-8") == "一、总体情况\n\n今年检查企业120家。"


def test_a_rebuild_embeds_only_texts_it_has_not_seen(fake_config, fake_retriever, corpus_dir):
    seen = []

    class Counting(FakeEmbedder):
        def embed_passages(self, texts, progress=False):
            seen.extend(texts)
            return super().embed_passages(texts, progress)

    extra = "一、新增章节\n\n本市新增检查电动自行车门店321家，对发现的问题责令整改，并对重点门店开展了回头看检查。"
    (corpus_dir / "extra.txt").write_text(extra, encoding="utf-8")
    rebuilt = Retriever.load(config=fake_config, embedder=Counting())
    assert len(seen) == 2 and all("电动自行车门店321家" in t for t in seen)  # its passage and its sentence
    fresh = Retriever.load(config=fake_config.__class__(corpus_dir=corpus_dir, index_dir=fake_config.index_dir.parent / "fresh"),
                           embedder=FakeEmbedder())
    query = "电动自行车门店"
    assert rebuilt.search(query, k=5) == fresh.search(query, k=5)
