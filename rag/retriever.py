"""The library's front: open an index, search it, ask it.

    r = Retriever.load()                 # rag.opening: open (or build) the index
    r.search("不予行政处罚多少家", k=5)    # rag.retrieve: list[Hit]
    r.ask("不予行政处罚多少家", k=5)       # + rag.answer: Reply(answer, answerable, hits)

A question is checked, then analysed once into a Query (rag.query) that every later
step reads. Answering stands above retrieval: rag.retrieve knows nothing of answers.

A Retriever made by `load` never cites offsets that no longer match the file: it notices
a report edited, added or deleted, or the index rebuilt by another process
(rag.freshness: at most once a second, and for the reports it cites on every answer),
then reopens the index (updating it when the corpus changed: only the reports edited or
added are embedded, as `add` and `remove` do) and answers from that, or, when that fails,
raises IndexStaleError saying so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from .answer import Reply, answer_first, extract_answer, judge_answerable
from .config import Config
from .document import Document
from .embed import Embedder, load_embedder
from .errors import CorpusError, IndexStaleError, QuestionError, RagError
from .freshness import Snapshot
from .identity import ReportIdentity
from .opening import open_store
from .passage import Hit, Passage
from .patterns import lazy_pattern
from .query import Query
from .retrieve import Searcher
from .scope import Filters, Scope, scope_of
from .scorers import Fusion
from .store import Store

log = logging.getLogger(__name__)
Result = TypeVar("Result", Reply, list)
Changed = TypeVar("Changed")


@dataclass(frozen=True)
class _State:
    """One opened index: what a question is answered from, swapped whole on a reload."""

    store: Store
    searcher: Searcher
    snapshot: Snapshot | None  # the corpus and index as they were when it was opened


class Retriever:
    """Holds one store, the query embedder and the tuning."""

    # How long a question waits for another thread's reopening of the index (a reload takes
    # well under a second; a rebuild with the real model seconds to a minute).
    reopen_wait = 2.0
    # The whole check of the corpus folder takes at most this share of the time between two
    # checks: once a second for a few hundred reports, less often for an archive whose check
    # (a file status per report) takes longer. Cited reports are still checked every answer.
    check_share = 0.05

    def __init__(self, store: Store, embedder: Embedder, config: Config,
                 snapshot: Snapshot | None = None, build_if_missing: bool = True):
        """`snapshot` (as `load` takes it) makes the retriever watch the corpus and the
        index for changes; without one it answers from `store` as it is."""
        self.config = config
        self.embedder = embedder
        self._state = _State(store, Searcher(store, embedder, config.tuning, config.max_embedded_chars), snapshot)
        self._build_if_missing = build_if_missing
        # One update or reopening at a time; searches never wait for it (they answer from
        # the state they started with).
        self._reopening = threading.Lock()
        self._checked_at = time.monotonic()
        self._check_cost = 0.0  # seconds the last whole check took

    @classmethod
    def load(cls, corpus: str | Path | None = None, index: str | Path | None = None,
             model: str | None = None, *, config: Config | None = None,
             embedder: Embedder | None = None, build_if_missing: bool = True,
             progress: bool = False) -> Retriever:
        """Open the index for a corpus, building it when missing or out of date.

        A corrupt index, or one built with another model, raises with the fix.
        `embedder` replaces the model named in the config (tests pass a fake).
        """
        config = config or Config()
        overrides = {k: v for k, v in (("corpus_dir", corpus), ("index_dir", index), ("model", model)) if v}
        config = replace(config, **{k: Path(v) if k != "model" else v for k, v in overrides.items()})
        if embedder is not None:
            config = replace(config, model=embedder.name)
        embedder = embedder or load_embedder(config.model, config.model_cache_dir, config.query_engine)
        # Before opening: a report edited while the index is checked or built counts as a change.
        snapshot = Snapshot.take(config.corpus_dir, config.index_dir)
        store = open_store(config, embedder, build_if_missing, progress)
        return cls(store, embedder, config, snapshot.with_index(), build_if_missing)

    @property
    def store(self) -> Store:
        """The store answers come from now (a reload replaces it)."""
        return self._state.store

    def _open(self, build_if_missing: bool) -> _State:
        """Open the index as it is on disk, first updating it when the corpus changed: only
        new or changed reports are embedded, removed ones dropped (rag.pipeline). Call with
        `_reopening` held."""
        # Before opening: a report edited while the index is updated counts as a change.
        snapshot = Snapshot.take(self.config.corpus_dir, self.config.index_dir)
        store = open_store(self.config, self.embedder, build_if_missing)
        searcher = Searcher(store, self.embedder, self.config.tuning, self.config.max_embedded_chars)
        return _State(store, searcher, snapshot.with_index() if self._state.snapshot else None)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in row order."""
        return self.store.passages

    def query(self, question: str) -> Query:
        """Check the question and analyse it once against the indexed reports."""
        return self._query(self._state, question)

    def _query(self, state: _State, question: str | Query, text: str | None = None) -> Query:
        """The question analysed once; `text`, when given, is its checked text (`_text`)."""
        if isinstance(question, Query):
            return question
        return Query.of(text if text is not None else self._text(question), state.store)

    def _text(self, question: str | Query) -> str:
        """The question's text as analysed (Query.text): what its vector is made from."""
        if isinstance(question, Query):
            return question.text
        return check_question(question, self.config.max_question_chars)

    def document(self, source: str) -> Document:
        """Return a report's text as read, with its pages (PDF) or elements (rag.document)."""
        if source not in self.store.documents:
            raise CorpusError(f"No report named {source!r} in the index: use one of "
                              f"{', '.join(sorted(self.store.documents)) or '(none)'}.")
        return self.store.documents[source]

    def document_text(self, source: str) -> str:
        """Return a report's text as read: `document_text(hit.source)[hit.start:hit.end] == hit.text`."""
        return self.document(source).text

    def add(self, path: str | Path) -> ReportIdentity:
        """Index one report file of the corpus folder (new or changed) without a rebuild:
        only it is read, chunked and embedded (rag.reports, by rag.pipeline's incremental
        build), and the index folder is swapped for the updated one. Return its identity.
        Searches running meanwhile answer from the old state. A file outside the corpus
        folder, or one that cannot be read or holds no text, raises CorpusError and the
        index is unchanged."""
        from . import (
            reports as updates,  # the build step's chunker and embedder: loaded only to add
        )

        return self._update(lambda: updates.add_report(self.config, self.embedder, Path(path)))

    def remove(self, source: str) -> int:
        """Drop a report from the index and move its file out of the corpus, into the corpus
        folder's `.removed/` (so the two stay in step and nothing is lost); return how many
        passages it had. The last report is kept."""
        from . import reports as updates

        return self._update(lambda: updates.remove_report(self.config, self.embedder, self.store, source))

    def _update(self, change: Callable[[], Changed]) -> Changed:
        """Apply `change` to the corpus and index folders under the reopening lock (no reload
        runs meanwhile), then answer from the index as it now is. Questions answered
        meanwhile read the old state whole (its files stay readable after the swap), and a
        change that fails leaves this retriever's state as it was."""
        with self._reopening:
            result = change()
            self._state = self._open(build_if_missing=True)
            self._checked_at = time.monotonic()
            return result

    @property
    def reports(self) -> dict[str, ReportIdentity]:
        """Each indexed report's identity (title, body, region, years, date), by file name."""
        return dict(self.store.reports)

    def scope(self, query: Query, filters: Filters = Filters()) -> Scope:
        """Return the reports a question is about (rag.scope), within `filters`."""
        return self._scope(self._state, query, filters)

    @staticmethod
    def _scope(state: _State, query: Query, filters: Filters) -> Scope:
        return scope_of(query, state.store.reports, state.store.contains, filters, state.store.holds)

    def search(self, question: str | Query, k: int = 5, fusion: Fusion | None = None,
               filters: Filters = Filters()) -> list[Hit]:
        """Return the k best passages for `question`, best first (ties: reading order),
        from the reports it names (a region, a year) within `filters`. `fusion` weighs the
        scorers (default: the hybrid of rag.config.Tuning)."""
        check_k(k)
        return self._fresh(lambda state: self._search(state, question, k, fusion, filters), lambda hits: hits)

    def _search(self, state: _State, question: str | Query, k: int, fusion: Fusion | None,
                filters: Filters) -> list[Hit]:
        text = self._text(question)
        vector = state.searcher.embed_soon(text, fusion)  # beside the analysis
        query = self._query(state, question, text)
        scope = self._scope(state, query, filters)
        if scope.refusal:
            return state.searcher.search(query, check_k(k), fusion, vector=vector)
        return state.searcher.search(_within(query, scope), check_k(k), fusion, scope.sources, vector)

    def ask(self, question: str, k: int = 5, filters: Filters = Filters()) -> Reply:
        """Return the hits for `question`, a direct answer span when one fits, and
        whether the reports answer it at all (rules in rag/answer.py and rag/scope.py)."""
        check_question(question, self.config.max_question_chars)
        check_k(k)
        return self._fresh(lambda state: self._ask(state, question, k, filters), lambda reply: reply.hits)

    def _ask(self, state: _State, question: str, k: int, filters: Filters) -> Reply:
        text = self._text(question)
        vector = state.searcher.embed_soon(text)  # beside the analysis
        query = self._query(state, question, text)
        scope = self._scope(state, query, filters)
        tuning = self.config.tuning
        if scope.refusal:  # a region or year no report covers: the nearest passages, for reference
            hits = state.searcher.search(query, k, sources=filters.reports or None, vector=vector)
            return self._reply(state, query, hits, None, False, scope.refusal)
        hits = state.searcher.search(_within(query, scope), k, sources=scope.sources, vector=vector)
        answer = extract_answer(query, hits, reports=state.store.reports, tuning=tuning)
        answerable = judge_answerable(query, hits, answer, tuning,
                                      lambda word: state.store.mentions(word, scope.sources))
        hits, answer = answer_first(hits, answer if answerable else None)
        return self._reply(state, query, hits, answer, answerable)

    @staticmethod
    def _reply(state: _State, query: Query, hits: list[Hit], answer, answerable: bool, refusal: str = "") -> Reply:
        reports = {h.source: state.store.reports[h.source] for h in hits if h.source in state.store.reports}
        return Reply(query.text, tuple(hits), answer, answerable, query.translations, query.highlight,
                     refusal, reports)

    # ------------------------------------------------------------------ freshness

    def _fresh(self, run: Callable[[_State], Result], cited: Callable[[Result], list[Hit]]) -> Result:
        """Run `run` on the current state, reopening the index first when the corpus or the
        index changed, and again when a report it cites changed: never an old offset."""
        state = self._current()
        result = run(state)
        why = state.snapshot.changed_among({h.source for h in cited(result)}) if state.snapshot else ""
        if not why:
            return result
        state = self._reopen(state, why)
        result = run(state)
        why = state.snapshot.changed_among({h.source for h in cited(result)})
        if why:  # edited again while it was being reopened
            raise IndexStaleError(f"The reports are being changed ({why}): ask again in a moment.")
        return result

    def _current(self) -> _State:
        """Return the state to answer from: the current one, or a reopened one when the
        whole check (run at most every `config.recheck_seconds`) finds a change."""
        state = self._state
        now = time.monotonic()
        wait = max(self.config.recheck_seconds, self._check_cost / self.check_share)
        if state.snapshot is None or now - self._checked_at < wait:
            return state
        self._checked_at = now
        why = state.snapshot.changed()
        self._check_cost = time.monotonic() - now
        return self._reopen(state, why) if why else state

    def _reopen(self, seen: _State, why: str) -> _State:
        """Open the index again (updating it when the corpus changed), once for all the
        threads that noticed the change; raise IndexStaleError when that fails, or when
        another thread has been rebuilding it for longer than `reopen_wait` seconds (one
        request waits for a rebuild, not every request of a busy server)."""
        if not self._reopening.acquire(timeout=self.reopen_wait):
            raise IndexStaleError(f"The index is out of date ({why}) and is being rebuilt: ask again in a moment.")
        try:
            if self._state is not seen:
                return self._state  # another thread reopened it meanwhile
            log.info("%s since the index was loaded: opening it again", why)
            try:  # an edited report: only it is embedded again (the update of `add` / `remove`)
                self._state = self._open(self._build_if_missing)
            except RagError as err:
                raise IndexStaleError(f"The index is out of date ({why}) and could not be reopened: {err}") from None
            self._checked_at = time.monotonic()
            return self._state
        finally:
            self._reopening.release()


def _within(query: Query, scope: Scope) -> Query:
    """Return the query to rank a scoped search with: the place names that chose the reports
    (洛阳 in 洛阳2023年有多少游客) are in every passage of them implicitly, so they no longer
    rank one passage above another (the report's title block held them all)."""
    if scope.sources is None or not query.places:
        return query
    names = {p.written for p in query.places if p.written}
    dropped = {t for t in query.tokens if any(t.lstrip("#") in name for name in names)}
    return replace(query, tokens=tuple(t for t in query.tokens if t not in dropped))


def check_k(k: int) -> int:
    """Return k, or raise QuestionError unless it is a whole number of at least 1."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise QuestionError(f"k must be a whole number of at least 1, got {_what(k)}.")
    return k


def check_question(question: str, limit: int = Config.max_question_chars) -> str:
    """Return the stripped question, or raise QuestionError saying what to change."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, got {_what(question)}: send a string, "
                            'e.g. "不予行政处罚多少家".')
    if not question.strip():
        raise QuestionError("The question is empty: type a question, e.g. 不予行政处罚多少家")
    question = question.strip()
    broken = _NOT_TEXT.search(question)
    if broken:
        # A lone surrogate: Python's stand-in for a byte that was not UTF-8 (a command line
        # in another encoding) or half of a UTF-16 pair. No step after this could encode it.
        raise QuestionError(
            f"The question is not valid text: character {broken.start() + 1} is a byte that is not "
            "UTF-8 or half of a UTF-16 pair. Retype it, or send it as UTF-8."
        )
    if len(question) > limit:
        raise QuestionError(
            f"The question has {len(question)} characters; the limit is {limit}. Shorten it "
            "to the sentence that asks what you want to know."
        )
    return question


_NOT_TEXT = lazy_pattern("[\ud800-\udfff]")


def _what(value: object) -> str:
    """Return a short description of a value of the wrong type, for an error message."""
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"
