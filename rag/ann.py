"""Approximate search for large indexes: a FAISS IVF index over the passage vectors.

Exact search reads every vector per question, which past rag.index.FLAT_LIMIT floats costs
more than a question should. An inverted-file index (IVF) clusters the passage vectors and
reads only the `nprobe` nearest clusters. HNSW was measured first and dropped: building it
over 30,000 vectors of 384 dimensions took 89 s on two cores, and it cannot remove vectors.

`nprobe` is chosen at build, not guessed: the smallest that finds, for sample questions
(passage vectors with noise), at least 99% of the exact top 10 among its top POOL — the
candidates that the store then scores exactly. The recall measured is kept in the manifest.
"""

from __future__ import annotations

import numpy as np

TARGET_RECALL = 0.99
SAMPLE_QUERIES = 200


def build_ivf(vectors: np.ndarray, pool: int = 200, seed: int = 0) -> tuple[object, int, float]:
    """Return (IVF index over `vectors`, nprobe, recall@10 of its top `pool` against exact)."""
    import faiss

    n, dim = vectors.shape
    nlist = int(max(16, min(4 * np.sqrt(n), n // 39, 1024)))
    rng = np.random.default_rng(seed)
    train = np.ascontiguousarray(vectors[np.sort(rng.choice(n, size=min(n, 40 * nlist), replace=False))],
                                 dtype=np.float32)
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = 10  # clusters only have to be good enough for nprobe to be small
    ivf.train(train)
    for lo in range(0, n, 100_000):
        ivf.add(np.ascontiguousarray(vectors[lo: lo + 100_000], dtype=np.float32))
    queries = sample_queries(vectors, SAMPLE_QUERIES, rng)
    exact = exact_top(vectors, queries, 10)
    for nprobe in (1, 2, 4, 8, 16, 32, 64, 128, 256, nlist):
        ivf.nprobe = min(nprobe, nlist)
        got = recall(exact, ivf.search(queries, pool)[1])
        if got >= TARGET_RECALL or nprobe >= nlist:
            return ivf, int(ivf.nprobe), got
    raise AssertionError("unreachable: nprobe = nlist is exact")


def sample_queries(vectors: np.ndarray, count: int, rng) -> np.ndarray:
    """Return questions near the corpus: passage vectors with noise, re-normalised."""
    picked = np.asarray(vectors[np.sort(rng.choice(len(vectors), size=min(count, len(vectors)), replace=False))],
                        dtype=np.float32)
    noisy = picked + rng.normal(scale=0.5 / np.sqrt(vectors.shape[1]), size=picked.shape).astype(np.float32)
    return np.ascontiguousarray(noisy / np.linalg.norm(noisy, axis=1, keepdims=True), dtype=np.float32)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Return each query's k best rows by inner product, by reading every vector."""
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    best_scores = np.zeros((len(queries), 0), dtype=np.float32)
    for lo in range(0, len(vectors), 50_000):
        scores = queries @ np.asarray(vectors[lo: lo + 50_000], dtype=np.float32).T
        rows = np.broadcast_to(np.arange(lo, lo + scores.shape[1]), scores.shape)
        best_scores = np.concatenate([best_scores, scores], axis=1)
        best_rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


def recall(exact: np.ndarray, found: np.ndarray) -> float:
    """Return the share of the exact rows that are among the rows found, over all queries."""
    return float(np.mean([len(set(e) & set(f)) / len(e) for e, f in zip(exact, found)]))
