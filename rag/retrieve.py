"""Retrieve step: a Query → ranked hits, from a store's candidates and a fusion of scorers.

The store proposes candidates with raw signals (rag.store); the scorers turn them into
scores in [0, 1] and a Fusion weighs them (rag.scorers; the weights are
rag.config.Tuning). Nothing here answers or refuses: that is rag.answer, above.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from .config import Tuning
from .embed import Embedder
from .passage import Hit
from .query import Query
from .scorers import Fusion
from .store import Store


class Searcher:
    """Ranks a store's passages for a query."""

    def __init__(self, store: Store, embedder: Embedder, tuning: Tuning, embedded_chars: int | None = None):
        self.store = store
        self.embedder = embedder
        self.tuning = tuning
        self.embedded_chars = embedded_chars  # the most of a question the embedding reads

    def search(self, query: Query, k: int, fusion: Fusion | None = None,
               sources: Collection[str] | None = None) -> list[Hit]:
        """Return the k best passages of the reports in `sources` (all when None), best
        first (ties: reading order)."""
        fusion = fusion or Fusion.hybrid(self.tuning)
        wants_vector = any(fusion.weights.get(name) for name in ("dense",))
        vector = self.embedder.embed_query(query.text[:self.embedded_chars]) if wants_vector else None
        cands, fused, parts = self._fused(query, vector, fusion, k, sources)
        # Stable sort on -score keeps reading order among equal scores.
        order = np.argsort(-fused, kind="stable")[:k]
        rows = self.store.rows(cands.ids[order])
        return [Hit(rank=r + 1, score=float(fused[i]), passage=passage,
                    dense=float(parts["dense"][i]) if vector is not None else 0.0,
                    keyword=float(parts["keyword"][i]))
                for r, (i, passage) in enumerate(zip(order, rows))]

    def _fused(self, query: Query, vector, fusion: Fusion, k: int, sources: Collection[str] | None):
        """Return the candidates and their fused scores. A store that scores every passage
        anyway (pool_size None) gives them all; a store over a search engine gives a pool,
        widened until the fusion proves its top k are the top k of all passages, so the
        ranking is the same as over every passage."""
        pool = getattr(self.store, "pool_size", None)
        while True:
            if pool is not None and pool >= len(self.store):
                pool = None  # the pool would be everything: ask for everything, which is final
            cands = self.store.candidates(query, vector, self.tuning.expansion, k=pool, sources=sources)
            fused, parts = fusion.fuse(query, cands, self.store.rows, self.tuning, k)
            if pool is None or fusion.settled(cands, parts, self.tuning, k):
                return cands, fused, parts
            pool *= 4
