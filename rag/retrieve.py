"""Retrieve step: a Query → ranked hits, from a store's candidates and a fusion of scorers.

The store proposes candidates with raw signals (rag.store); the scorers turn them into
scores in [0, 1] and a Fusion weighs them (rag.scorers; the weights are
rag.config.Tuning). Nothing here answers or refuses: that is rag.answer, above.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from .config import Tuning
from .embed import Embedder
from .passage import Hit, Passage
from .query import Query
from .scorers import Fusion
from .sections import names_report, section_of
from .store import QueryVector, Store, vector_now


class Searcher:
    """Ranks a store's passages for a query."""

    def __init__(self, store: Store, embedder: Embedder, tuning: Tuning, embedded_chars: int | None = None):
        self.store = store
        self.embedder = embedder
        self.tuning = tuning
        self.embedded_chars = embedded_chars  # the most of a question the embedding reads

    def embed_soon(self, text: str, fusion: Fusion | None = None) -> Callable[[], np.ndarray | None]:
        """Start embedding the question `text` on a worker thread; return what waits for its
        vector (None when `fusion` gives meaning no weight). The embedding is most of a warm
        question's time and both engines release the GIL, so the question's analysis and its
        keyword scores are made on this thread meanwhile, by whoever calls this first."""
        fusion = fusion or Fusion.hybrid(self.tuning)
        if not fusion.weights.get("dense"):
            return lambda: None
        return _embedding_workers().submit(self.embedder.embed_query, text[:self.embedded_chars]).result

    def search(self, query: Query, k: int, fusion: Fusion | None = None,
               sources: Collection[str] | None = None, vector: QueryVector = None) -> list[Hit]:
        """Return the k best passages of the reports in `sources` (all when None), best
        first (ties: reading order). `vector`: the question's, from `embed_soon` (started
        before the question was analysed); embedded here when not given."""
        fusion = fusion or Fusion.hybrid(self.tuning)
        vector = vector if vector is not None else self.embed_soon(query.text, fusion)
        cands, fused, parts = self._fused(query, vector, fusion, k, sources)
        vector = vector_now(vector)
        # Stable sort on -score keeps reading order among equal scores.
        ranked = np.argsort(-fused, kind="stable")
        hits = self._hits(cands, fused, parts, ranked[:k], vector is not None)
        if query.section:
            anchor = self._best_of_part(query, vector, fusion, sources, cands, fused)
            return (anchor and self._whole_section(query, vector, fusion, k, hits, anchor)) or hits
        return hits

    def _hits(self, cands, fused, parts, order, dense: bool) -> list[Hit]:
        rows = self.store.rows(cands.ids[order])
        return [Hit(rank=r + 1, score=float(fused[i]), passage=passage,
                    dense=float(parts["dense"][i]) if dense else 0.0, keyword=float(parts["keyword"][i]))
                for r, (i, passage) in enumerate(zip(order, rows))]

    def _best_of_part(self, query: Query, vector, fusion: Fusion, sources: Collection[str] | None,
                      cands, fused, batch: int = 64) -> Passage | None:
        """Return the best-ranked passage of all (not only of a store's pool) that belongs to
        the part of a report the question asks for (rag.sections); None when none does."""
        if getattr(self.store, "pool_size", None) is not None:
            cands, fused, _ = self._fused(query, vector, fusion, len(self.store), sources)
        ranked = np.argsort(-fused, kind="stable")
        for at in range(0, len(ranked), batch):
            for passage in self.store.rows(cands.ids[ranked[at : at + batch]]):
                if section_of(passage.heading_path, passage.text)[0] == query.section:
                    return passage
        return None

    def _whole_section(self, query: Query, vector, fusion: Fusion, k: int, hits: list[Hit],
                       anchor: Passage) -> list[Hit] | None:
        """For a question asking for a whole part of a report (2025年有什么打算, 存在哪些不足: no
        topic but the report's own names), return that part's passages as a reader meets them:
        its best passage of its own text first, then the first passage of each of its
        subsections, then the rest in reading order; a part without subsections (存在不足和原因,
        the paragraph that opens 清醒看到…) in reading order from its start; after a short part,
        the other hits as ranked. The part is the one `anchor`, its best passage, is in; None
        when the question names a topic (在教育方面有什么打算), which is ranked as it is."""
        report = self.store.reports.get(anchor.source)
        names = f"{report.title}\n{report.body}" if report else ""
        if not all(names_report(word, names) for word in query.section_topic):
            return None
        cands, fused, parts = self._fused(query, vector, fusion, len(self.store), [anchor.source])
        rows = self.store.rows(cands.ids)
        order = sorted(range(len(rows)), key=lambda i: rows[i].start)
        _, depth = section_of(anchor.heading_path, anchor.text)
        if depth < 0:  # a paragraph of its own: the passages it was cut into
            text = self.store.documents[anchor.source].text
            at = next(n for n, i in enumerate(order) if rows[i].start == anchor.start)
            chosen = [order[at]]
            for i in order[at + 1 :]:
                before = rows[chosen[-1]]
                if rows[i].heading_path != before.heading_path or "\n" in text[before.end : rows[i].start]:
                    break
                chosen.append(i)
        else:
            prefix = anchor.heading_path[: depth + 1]
            members = [i for i in order if rows[i].heading_path[: depth + 1] == prefix]
            own = [i for i in members if len(rows[i].heading_path) == depth + 1]
            firsts = list({rows[i].heading_path[: depth + 2]: i for i in reversed(members) if i not in own}.values())
            firsts.sort(key=lambda i: rows[i].start)
            best_own = [max(own, key=lambda i: fused[i])] if own else []
            chosen = best_own + firsts
            chosen += [i for i in members if i not in chosen]
        section = self._hits(cands, fused, parts, np.array(chosen[:k], dtype=int), vector is not None)
        shown = {(h.source, h.start) for h in section}
        rest = [h for h in hits if (h.source, h.start) not in shown]  # a short part: the ranking goes on
        return [replace(h, rank=r + 1) for r, h in enumerate((section + rest)[:k])]

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
            fused, parts = fusion.fuse(query, cands, self.store.rows, self.tuning, k, self.store.reports)
            if pool is None or fusion.settled(query, cands, parts, self.tuning, k):
                return cands, fused, parts
            pool *= 4


_workers: ThreadPoolExecutor | None = None
_workers_made = threading.Lock()


def _embedding_workers() -> ThreadPoolExecutor:
    """The threads questions are embedded on: one a core, so that a server's concurrent
    questions are embedded side by side as they were on their own threads."""
    global _workers
    with _workers_made:
        if _workers is None:
            _workers = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="embed-question")
        return _workers
