"""Loading a model that can't be had fails at once, in one line that says what to do."""

import socket
import time

import pytest

from rag import embed
from rag.embed import SentenceTransformerEmbedder
from rag.errors import ModelLoadError

UNCACHED_HUB_NAME = "no-such-org-rag-tests/no-such-model"


def test_a_missing_model_folder_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match="No model folder at .*no-such-model.*drop --model"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model")).embed_query("问题")


def test_an_unreachable_hub_fails_at_once(monkeypatch):
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)

    def unreachable(address, timeout):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr("socket.create_connection", unreachable)
    started = time.monotonic()
    with pytest.raises(ModelLoadError) as info:
        SentenceTransformerEmbedder(UNCACHED_HUB_NAME).embed_query("问题")
    message = str(info.value)
    assert "not in the local model cache" in message and "can't be reached" in message
    assert "drop --model" in message and "\n" not in message
    assert time.monotonic() - started < 5


def test_offline_mode_leaves_the_decision_to_the_cache(monkeypatch):
    from huggingface_hub import constants

    def must_not_probe(address, timeout):
        raise AssertionError("probed the network in offline mode")

    monkeypatch.setattr("socket.create_connection", must_not_probe)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    embed._check_reachable(UNCACHED_HUB_NAME)  # no probe, no error: loading then fails from the cache


def test_an_existing_folder_is_not_probed(tmp_path, monkeypatch):
    monkeypatch.setattr("socket.create_connection", lambda *a, **k: pytest.fail("probed"))
    embed._check_reachable(str(tmp_path))


def test_behind_a_proxy_the_hub_client_decides(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setattr("socket.create_connection", lambda *a, **k: pytest.fail("probed"))
    embed._check_reachable(UNCACHED_HUB_NAME)
