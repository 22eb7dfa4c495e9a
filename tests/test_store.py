"""The store contract, run against brute force: any store must give the same signals."""

from dataclasses import replace

import numpy as np
import pytest

from rag import Query
from rag.passage import Passage
from rag.segment import keyword_tokens
from rag.store import LocalStore
from tests.conftest import FakeEmbedder

QUESTIONS = ["不予行政处罚多少家", "盲盒专项检查", "电梯维保", "电梯"]


def brute_force(passages, sentences, owner, query, vector):
    """The signals by definition: cosines as plain dot products, BM25 from scratch."""
    emb = FakeEmbedder()
    pv = emb.embed_passages([p.match_text() for p in passages])
    sv = emb.embed_passages(sentences) if sentences else np.zeros((0, 64), np.float32)
    passage = pv @ vector
    best = passage.copy()
    for row in range(len(passages)):
        mine = sv[owner == row] @ vector
        if len(mine):
            best[row] = mine.max()
    keyword = bm25_from_scratch([keyword_tokens(p.match_text()) for p in passages], query.tokens)
    return passage, best, keyword


def bm25_from_scratch(docs, question_tokens, k1=1.2, b=0.75):
    """BM25 by its formula, a share of the question's IDF (the questions here need no translation)."""
    import math
    from collections import Counter

    avg = sum(map(len, docs)) / len(docs)
    df = Counter(t for d in docs for t in set(d))
    idf = {t: math.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5)) for t in set(question_tokens)}
    out = []
    for d in docs:
        tf = Counter(d)
        raw = sum(idf[t] * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(d) / avg)) for t in idf if tf[t])
        out.append(min(1.0, raw / sum(idf.values())))
    return np.array(out)


def index_data(passages, sentences, owner):
    from rag.index import IndexData

    emb = FakeEmbedder()
    vectors = emb.embed_passages([p.match_text() for p in passages])
    sv = emb.embed_passages(sentences) if sentences else np.zeros((0, 64), np.float32)
    return IndexData.of({}, list(passages), [keyword_tokens(p.match_text()) for p in passages], vectors, sv, owner)


def local_store(passages, sentences, owner):
    return LocalStore(index_data(passages, sentences, owner))


def index_on_disk(passages, sentences, owner):
    """The same written as an index folder and opened from it: arrays memory-mapped, rows in SQLite."""
    import tempfile
    from pathlib import Path

    from rag import index as index_io

    folder = Path(tempfile.mkdtemp(prefix="store-"))
    built = local_store(passages, sentences, owner).index_data()
    ranges = {}
    for i, p in enumerate(passages):
        ranges.setdefault(p.source, [i, i])[1] = i + 1
    index_io.write_folder(folder, replace(built, manifest={"format_version": 3, "dim": 64, "rows": ranges}))
    return index_io.load(folder)


def local_store_on_disk(passages, sentences, owner):
    return LocalStore(index_on_disk(passages, sentences, owner))


def qdrant_store(passages, sentences, owner):
    pytest.importorskip("qdrant_client", reason='the [qdrant] extra: pip install "baogao[qdrant]"')
    from rag.store_qdrant import QdrantStore, connect

    # Written from an index folder as rag.build writes it: each passage's tokens come from
    # its keyword postings.
    return QdrantStore.create(connect(":memory:"), "test", index_on_disk(passages, sentences, owner))


STORES = {"local": local_store, "local-on-disk": local_store_on_disk, "qdrant": qdrant_store}
# The most a pool of k holds: the k best by meaning and the k best by keywords (local);
# Qdrant searches passages and best sentences apart, so up to 3k.
POOL_LIMIT = {local_store: 2, local_store_on_disk: 2, qdrant_store: 3}


@pytest.fixture
def corpus(fake_retriever):
    from rag.pipeline import passage_sentences

    passages = fake_retriever.passages
    sentences, owner = passage_sentences(passages)
    return passages, sentences, owner


@pytest.mark.parametrize("make", STORES.values(), ids=STORES.keys())
def test_candidates_match_brute_force(make, corpus):
    store = make(*corpus)
    for question in QUESTIONS:
        query = Query.of(question, store)
        vector = FakeEmbedder().embed_query(question)
        cands = store.candidates(query, vector, 0.5)
        passage, best, keyword = brute_force(*corpus, query, vector)
        assert np.array_equal(cands.ids, np.arange(len(corpus[0])))
        assert np.allclose(cands.passage_cosine, passage, atol=1e-5)
        assert np.allclose(cands.sentence_cosine, best, atol=1e-5)
        assert np.allclose(cands.keyword, keyword, atol=1e-6)


@pytest.mark.parametrize("make", STORES.values(), ids=STORES.keys())
def test_a_candidate_pool_holds_the_best_by_each_signal(make, corpus):
    store = make(*corpus)
    query = Query.of("盲盒专项检查立案多少件", store)
    vector = FakeEmbedder().embed_query(query.text)
    every = store.candidates(query, vector, 0.5)
    pool = store.candidates(query, vector, 0.5, k=5)
    assert len(pool.ids) <= 5 * POOL_LIMIT[make]
    assert set(every.ids[np.argsort(-every.keyword)[:5]]) <= set(pool.ids)
    dense = every.passage_cosine + every.sentence_cosine
    assert set(every.ids[np.argsort(-dense)[:5]]) <= set(pool.ids)


@pytest.mark.parametrize("make", STORES.values(), ids=STORES.keys())
def test_delete_and_add_give_what_a_fresh_store_gives(make, corpus):
    passages, sentences, owner = corpus
    other = Passage("本市新增检查电动自行车门店321家。", "extra.txt", 0, 17, ("一、新增",))
    store = make(passages, sentences, owner)
    assert store.delete("no-such-report.txt") == 0
    emb = FakeEmbedder()
    store.add([other], [keyword_tokens(other.match_text())], emb.embed_passages([other.match_text()]),
              emb.embed_passages([other.text]), np.array([0]))
    expected = make([*passages, other], [*sentences, other.text], np.append(owner, len(passages)))
    query = Query.of("电动自行车门店", store)
    vector = emb.embed_query(query.text)
    got, want = store.candidates(query, vector, 0.5), expected.candidates(query, vector, 0.5)
    for field in ("passage_cosine", "sentence_cosine", "keyword"):
        assert np.allclose(getattr(got, field), getattr(want, field), atol=1e-5)
    assert store.delete("extra.txt") == 1
    fresh = make(passages, sentences, owner)
    got, want = store.candidates(query, vector, 0.5), fresh.candidates(query, vector, 0.5)
    assert store.rows(range(len(store))) == list(passages)
    for field in ("passage_cosine", "sentence_cosine", "keyword"):
        assert np.allclose(getattr(got, field), getattr(want, field), atol=1e-5)


@pytest.mark.parametrize("make", STORES.values(), ids=STORES.keys())
def test_a_pools_ceilings_bound_every_passage_left_out(make, corpus):
    store = make(*corpus)
    for question in [*QUESTIONS, "市场监管部门办理行政复议案件多少件", "2023年有什么新的法规"]:
        query = Query.of(question, store)
        vector = FakeEmbedder().embed_query(question)
        every = store.candidates(query, vector, 0.5)
        pool = store.candidates(query, vector, 0.5, k=3)
        left_out = ~np.isin(every.ids, pool.ids)
        assert left_out.any() and pool.dense_ceiling is not None
        dense = every.passage_cosine + every.sentence_cosine
        assert dense[left_out].max() <= pool.dense_ceiling + 1e-6
        assert every.keyword[left_out].max() <= pool.keyword_ceiling + 1e-6


@pytest.mark.parametrize("make", [local_store, local_store_on_disk], ids=["local", "local-on-disk"])
def test_a_clone_changes_while_the_original_keeps_answering_whole(make, corpus):
    passages, sentences, owner = corpus
    store = make(passages, sentences, owner)
    query = Query.of("不予行政处罚多少家", store)
    vector = FakeEmbedder().embed_query(query.text)
    before = store.candidates(query, vector, 0.5)
    twin = store.clone()
    source = passages[0].source
    assert twin.delete(source) == len(passages) - sum(p.source != source for p in passages)
    twin.reports["extra.txt"] = None  # its lexicon and reports are its own too
    assert len(twin) == 0 and len(store) == len(passages) and "extra.txt" not in store.reports
    after = store.candidates(query, vector, 0.5)
    assert np.array_equal(after.ids, before.ids) and np.array_equal(after.keyword, before.keyword)
    assert store.rows(range(len(store))) == list(passages)


def test_rows_read_again_are_the_rows_of_the_file_whatever_was_read_before(corpus, monkeypatch):
    """PassageRows keeps recently parsed rows: with a cache of 3 rows, every order of reads
    (repeats, evictions, one id twice in a call) still gives each id's own passage."""
    from rag import index as index_io

    monkeypatch.setattr(index_io, "RECENT_ROWS", 3)
    passages, sentences, owner = corpus
    store = local_store_on_disk(passages, sentences, owner)
    rng = np.random.default_rng(7)
    for _ in range(40):
        ids = rng.integers(0, len(passages), size=int(rng.integers(1, 6))).tolist()
        assert store.rows(ids) == [passages[i] for i in ids]


@pytest.mark.parametrize("make", [local_store, local_store_on_disk], ids=["local", "local-on-disk"])
def test_a_clone_knows_its_own_words_after_a_change(make, corpus):
    """Word presence is remembered per store: a report added to a clone is seen by the clone
    only, and a word the original was asked about before the clone does not stick to it."""
    passages, sentences, owner = corpus
    store = make(passages, sentences, owner)
    assert store.contains("不予行政处罚") and not store.contains("蓝鲸湾码头")
    twin = store.clone()
    extra = Passage(text="蓝鲸湾码头年吞吐量120万标箱。", source="extra.txt", start=0, end=16, heading_path=())
    vector = FakeEmbedder().embed_passages([extra.text])
    twin.add([extra], [keyword_tokens(extra.text)], vector, vector, np.zeros(1, dtype=np.int64))
    assert twin.contains("蓝鲸湾码头") and not store.contains("蓝鲸湾码头")
    twin.delete(passages[0].source)
    assert not twin.contains("不予行政处罚") and store.contains("不予行政处罚")


def test_a_pooled_index_reads_its_sentences_from_the_file_as_brute_force(corpus, monkeypatch):
    """Bug: a warm process over 1,000 reports held most of the 315 MB sentence file in its
    resident set (each read of a few rows mapped megabytes around them). A pooled index now
    reads the pool's sentences from the file; the cosines must be those of brute force."""
    from rag import index as index_io

    monkeypatch.setattr(index_io, "FLAT_LIMIT", len(corpus[0]) * 64)  # passages fit, sentences do not
    store = local_store_on_disk(*corpus)
    assert store.manifest["search"]["method"] == "pool" and store._sentence_file is not None
    for question in QUESTIONS:
        query = Query.of(question, store)
        vector = FakeEmbedder().embed_query(question)
        cands = store.candidates(query, vector, 0.5, k=5)
        passage, best, _ = brute_force(*corpus, query, vector)
        assert len(cands.ids) == len(corpus[0])  # a pool of 200 holds all 56
        assert np.allclose(cands.passage_cosine, passage[cands.ids], atol=1e-5)
        assert np.allclose(cands.sentence_cosine, best[cands.ids], atol=1e-5)
