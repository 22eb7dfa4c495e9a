"""The library's front: open an index, search it, ask it.

    r = Retriever.load()                 # rag.opening: open (or build) the index
    r.search("不予行政处罚多少家", k=5)    # rag.retrieve: list[Hit]
    r.ask("不予行政处罚多少家", k=5)       # + rag.answer: Reply(answer, answerable, hits)

A question is checked, then analysed once into a Query (rag.query) that every later
step reads. Answering stands above retrieval: rag.retrieve knows nothing of answers.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from .answer import Reply, extract_answer, judge_answerable
from .config import Config
from .embed import Embedder, load_embedder
from .errors import CorpusError, QuestionError
from .identity import ReportIdentity
from .opening import open_store
from .passage import Hit, Passage
from .query import Query
from .retrieve import Searcher
from .scope import Filters, Scope, scope_of
from .scorers import Fusion
from .store import LocalStore, Store


class Retriever:
    """Holds one store, the query embedder and the tuning."""

    def __init__(self, store: Store, embedder: Embedder, config: Config):
        self.config = config
        self.store = store
        self.embedder = embedder
        self._searcher = Searcher(store, embedder, config.tuning)
        self._writing = threading.Lock()  # one update at a time; searches never wait for it

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
        embedder = embedder or load_embedder(config.model, config.model_cache_dir)
        return cls(open_store(config, embedder, build_if_missing, progress), embedder, config)

    def add(self, path: str | Path) -> int:
        """Add a report file (and its NAME.meta.json sidecar, if any) to the corpus folder and
        the index, embedding only it; return its number of passages. A file already in the
        corpus folder is indexed where it is. Searches running meanwhile answer from the old
        state; a file that is not UTF-8, or whose name the corpus already uses for other
        content, raises CorpusError and nothing is copied."""
        import shutil

        from .load import META_SUFFIX, read_source

        path = Path(path)
        corpus = Path(self.config.corpus_dir)
        read_source(path)  # a file that is not a readable UTF-8 report stops here, before any copy
        inside = path.resolve().is_relative_to(corpus.resolve())
        name = path.resolve().relative_to(corpus.resolve()).as_posix() if inside else path.name
        if not inside:
            target = corpus / name
            if target.exists() and target.read_bytes() != path.read_bytes():
                raise CorpusError(f"The corpus folder {corpus} already holds a different report named {name}: "
                                  f"rename the file, or remove that report first with Retriever.remove({name!r}).")
            corpus.mkdir(parents=True, exist_ok=True)
            sidecar = path.with_name(path.name + META_SUFFIX)
            if sidecar.is_file():
                shutil.copyfile(sidecar, target.with_name(target.name + META_SUFFIX))
            shutil.copyfile(path, target)
        self._update()
        lo, hi = self.store.manifest["rows"][name]
        return hi - lo

    def remove(self, source: str) -> int:
        """Delete a report (its file name in the corpus, as `Hit.source` gives it) from the corpus
        folder, with its sidecar, and from the index; return how many passages it had. A name
        that is not an indexed report raises CorpusError and nothing is deleted."""
        from .load import META_SUFFIX

        rows = self.store.manifest.get("rows", {})
        if source not in rows:
            raise CorpusError(f"No report named {source!r} is indexed: give its file name as a hit's "
                              f"source shows it (one of {', '.join(sorted(rows)[:3])}{', …' if len(rows) > 3 else ''}).")
        path = Path(self.config.corpus_dir) / source
        path.with_name(path.name + META_SUFFIX).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        self._update()
        return rows[source][1] - rows[source][0]

    def _update(self) -> None:
        """Bring the index up to date with the corpus folder and answer from it from now on."""
        from .opening import build

        with self._writing:
            store = LocalStore(build(self.config, self.embedder))
            self.store, self._searcher = store, Searcher(store, self.embedder, self.config.tuning)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in row order."""
        return self.store.passages

    def query(self, question: str) -> Query:
        """Check the question and analyse it once against the indexed reports."""
        return Query.of(check_question(question, self.config.max_question_chars), self.store)

    @property
    def reports(self) -> dict[str, ReportIdentity]:
        """Each indexed report's identity (title, body, region, years, date), by file name."""
        return dict(self.store.reports)

    def scope(self, query: Query, filters: Filters = Filters()) -> Scope:
        """Return the reports a question is about (rag.scope), within `filters`."""
        return scope_of(query, self.store.reports, self.store.contains, filters)

    def search(self, question: str | Query, k: int = 5, fusion: Fusion | None = None,
               filters: Filters = Filters()) -> list[Hit]:
        """Return the k best passages for `question`, best first (ties: reading order),
        from the reports it names (a region, a year) within `filters`. `fusion` weighs the
        scorers (default: the hybrid of rag.config.Tuning)."""
        query = question if isinstance(question, Query) else self.query(question)
        scope = self.scope(query, filters)
        if scope.refusal:
            return self._searcher.search(query, check_k(k), fusion)
        return self._searcher.search(_within(query, scope), check_k(k), fusion, scope.sources)

    def ask(self, question: str, k: int = 5, filters: Filters = Filters()) -> Reply:
        """Return the hits for `question`, a direct answer span when one fits, and
        whether the reports answer it at all (rules in rag/answer.py and rag/scope.py)."""
        query = self.query(question)
        k = check_k(k)
        scope = self.scope(query, filters)
        tuning = self.config.tuning
        if scope.refusal:  # a region or year no report covers: the nearest passages, for reference
            hits = self._searcher.search(query, k, sources=filters.reports or None)
            return self._reply(query, hits, None, False, scope.refusal)
        hits = self._searcher.search(_within(query, scope), k, sources=scope.sources)
        answer = extract_answer(query, hits, reports=self.store.reports, tuning=tuning)
        answerable = judge_answerable(query, hits, answer, tuning,
                                      lambda word: self.store.mentions(word, scope.sources))
        return self._reply(query, hits, answer if answerable else None, answerable)

    def _reply(self, query: Query, hits: list[Hit], answer, answerable: bool, refusal: str = "") -> Reply:
        reports = {h.source: self.store.reports[h.source] for h in hits if h.source in self.store.reports}
        return Reply(query.text, tuple(hits), answer, answerable, query.translations, query.highlight,
                     refusal, reports)


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
        raise QuestionError(f"k must be a whole number of at least 1, got {k!r}.")
    return k


def check_question(question: str, limit: int = Config.max_question_chars) -> str:
    """Return the stripped question, or raise QuestionError saying what to change."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("The question is empty: type a question, e.g. 不予行政处罚多少家")
    question = question.strip()
    if len(question) > limit:
        raise QuestionError(
            f"The question has {len(question)} characters; the limit is {limit}. Shorten it "
            "to the sentence that asks what you want to know."
        )
    return question
