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
    return Retriever.load(index=real_index)
