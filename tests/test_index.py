"""The index folder: save → load, atomic rebuilds, and refusing damaged or foreign indexes."""

import json

import faiss
import numpy as np
import pytest

from rag import (IndexCorruptError, IndexMissingError, ModelMismatchError, Retriever)
from rag import index as index_io
from rag.retrieve import _all_scores
from tests.conftest import FakeEmbedder

QUESTION = "不予行政处罚多少家"


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_save_then_load_gives_the_same_hits(fake_config, fake_retriever):
    reloaded = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert reloaded.search(QUESTION, k=5) == fake_retriever.search(QUESTION, k=5)
    files = {p.name for p in fake_config.index_dir.iterdir()}
    assert files == {"manifest.json", "vectors.faiss", "sentences.faiss", "chunks.jsonl"}


def test_manifest_describes_the_index(fake_config, fake_retriever):
    manifest = json.loads((fake_config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "fake-bigram-hash"
    assert manifest["dim"] == 64
    assert manifest["n_passages"] == len(fake_retriever.data.passages)
    assert manifest["settings"]["max_chunk_chars"] == 300
    assert len(manifest["corpus_hash"]) == 64


def test_chunk_table_row_i_is_vector_i(fake_config, fake_retriever):
    rows = (fake_config.index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    vectors = faiss.read_index(str(fake_config.index_dir / "vectors.faiss"))
    assert len(rows) == vectors.ntotal
    text = json.loads(rows[7])["text"]
    assert np.allclose(vectors.reconstruct(7), FakeEmbedder().embed_passages([fake_retriever.data.passages[7].match_text()])[0])
    assert text == fake_retriever.data.passages[7].text


def test_faiss_scores_match_brute_force(fake_retriever):
    query = FakeEmbedder().embed_query(QUESTION).reshape(1, -1)
    fast = _all_scores(fake_retriever._passage_index, query)
    assert np.allclose(fast, fake_retriever.data.vectors @ query[0], atol=1e-6)


def test_corpus_edit_triggers_a_rebuild(fake_config, fake_retriever, corpus_dir):
    (corpus_dir / "extra.txt").write_text("一、新增章节\n\n本市新增检查电动自行车门店321家。", encoding="utf-8")
    rebuilt = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert any("321家" in p.text for p in rebuilt.data.passages)


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
