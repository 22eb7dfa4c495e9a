"""An archive that grows: incremental builds, resuming, add/remove, readers during an update,
staleness without reading the corpus, word presence from the postings, and approximate
search past the size where exact search is too slow."""

import json
import os
import re
import shutil
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import Config, IndexFormatError, Query, Retriever
from rag import index as index_io
from rag import load as load_step
from rag.errors import CorpusError
from rag.passage import Passage
from rag.pipeline import build_index
from rag.store import LocalStore
from tests.conftest import FakeEmbedder

EXTRA = "一、新增章节\n\n本市新增检查电动自行车门店321家，对发现的问题责令整改。"
OTHER = "一、总体情况\n\n全年查处无证经营餐饮店铺88家，并公开曝光典型案例。"


class Counting(FakeEmbedder):
    """Remembers every text it embedded; raises KeyboardInterrupt on the text `dies_on`."""

    def __init__(self, dies_on: str = ""):
        self.seen: list[str] = []
        self.dies_on = dies_on

    def embed_passages(self, texts, progress=False):
        if self.dies_on and any(self.dies_on in t for t in texts):
            raise KeyboardInterrupt  # as if the process were stopped mid-build
        self.seen.extend(texts)
        return super().embed_passages(texts, progress)


def test_only_new_or_changed_reports_are_embedded_and_removed_ones_dropped(fake_config, fake_retriever, corpus_dir):
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    counting = Counting()
    build_index(fake_config, counting)
    assert counting.seen and all("新增" in t for t in counting.seen)  # not one text of the seed report
    (corpus_dir / "extra.txt").write_text(EXTRA.replace("321家", "322家"), encoding="utf-8")
    counting.seen.clear()
    build_index(fake_config, counting)
    assert counting.seen and all("322家" in t for t in counting.seen)
    (corpus_dir / "extra.txt").unlink()
    counting.seen.clear()
    data = build_index(fake_config, counting)
    assert counting.seen == [] and "extra.txt" not in data.manifest["sources"]
    reopened = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert reopened.search("不予行政处罚多少家", k=5) == fake_retriever.search("不予行政处罚多少家", k=5)
    assert not any("32" in p.text and "电动自行车" in p.text for p in reopened.passages)


def test_an_interrupted_build_resumes_and_never_leaves_a_half_index(fake_config, fake_retriever, corpus_dir):
    before = {p.name: p.read_bytes() for p in fake_config.index_dir.iterdir()}
    (corpus_dir / "a-extra.txt").write_text(EXTRA, encoding="utf-8")
    (corpus_dir / "b-other.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build_index(fake_config, Counting(dies_on="88家"))
    assert {p.name: p.read_bytes() for p in fake_config.index_dir.iterdir()} == before  # the old index, whole
    staged = fake_config.index_dir.parent / ".index.staging"
    assert len(list(staged.glob("*.npz"))) == 1  # a-extra.txt, finished before the stop
    resumed = Counting()
    data = build_index(fake_config, resumed)
    assert any("88家" in t for t in resumed.seen)
    assert not any("321家" in t for t in resumed.seen)  # a-extra.txt was not embedded again
    assert {"a-extra.txt", "b-other.txt"} <= set(data.manifest["sources"]) and not staged.exists()


def test_a_build_goes_on_when_another_build_clears_the_staging_folder(fake_config, fake_retriever, corpus_dir,
                                                                     monkeypatch, caplog):
    # Two builds of one index at once: the one that finishes first clears the staging folder
    # while the other is keeping a shard there. The second build must still finish.
    import rag.pipeline as pipeline
    staged = fake_config.index_dir.parent / ".index.staging"
    real_replace = os.replace

    def other_build_clears_first(src, dst):
        if Path(src).parent == staged:
            shutil.rmtree(staged)
        return real_replace(src, dst)

    monkeypatch.setattr(pipeline.os, "replace", other_build_clears_first)
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with caplog.at_level("WARNING", logger="rag.pipeline"):
        data = build_index(fake_config, FakeEmbedder())
    assert "extra.txt" in data.manifest["sources"]
    assert "could not stage extra.txt" in caplog.text and not staged.exists()
    monkeypatch.undo()
    reopened = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert reopened.search("电动自行车门店", k=1)[0].source == "extra.txt"


def test_a_build_shows_progress_with_an_eta(fake_config, corpus_dir, capsys):
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build_index(fake_config, FakeEmbedder(), progress=True)
    err = capsys.readouterr().err
    assert "embedded 2/2 report(s)" in err and "ETA" in err


def test_add_and_remove_a_report(fake_retriever, corpus_dir):
    # As the page does: the file is stored in the corpus folder (rag.upload), then indexed.
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    counting = Counting()
    fake_retriever.embedder = counting
    identity = fake_retriever.add(corpus_dir / "extra.txt")
    assert identity.source == "extra.txt" and "extra.txt" in fake_retriever.reports
    assert counting.seen and all("新增" in t for t in counting.seen)  # only the added report was embedded
    assert fake_retriever.search("电动自行车门店", k=1)[0].source == "extra.txt"
    assert fake_retriever.remove("extra.txt") >= 1
    assert not (corpus_dir / "extra.txt").exists()
    assert (corpus_dir / ".removed" / "extra.txt").read_text(encoding="utf-8") == EXTRA  # set aside, not lost
    assert all(h.source != "extra.txt" for h in fake_retriever.search("电动自行车门店", k=5))


def test_add_refuses_bad_files_and_changes_nothing(fake_config, fake_retriever, corpus_dir, tmp_path):
    before = sorted(p.name for p in corpus_dir.iterdir())
    index_before = {p.name: p.read_bytes() for p in fake_config.index_dir.iterdir()}
    bad = corpus_dir / "gbk.txt"
    bad.write_bytes("一、总体情况".encode("gb18030"))
    with pytest.raises(CorpusError, match="not valid UTF-8.*iconv"):
        fake_retriever.add(bad)
    bad.unlink()
    outside = tmp_path / "other.txt"
    outside.write_text(OTHER, encoding="utf-8")
    with pytest.raises(CorpusError, match="is not inside the corpus folder"):
        fake_retriever.add(outside)
    with pytest.raises(CorpusError, match="No report named 'nope.txt' is indexed"):
        fake_retriever.remove("nope.txt")
    assert sorted(p.name for p in corpus_dir.iterdir()) == before
    assert {p.name: p.read_bytes() for p in fake_config.index_dir.iterdir()} == index_before


def test_readers_keep_answering_from_the_old_state_during_an_update(fake_config, fake_retriever, corpus_dir, tmp_path):
    # Another process's view, say, that does not look for changes during the update (a
    # reader that does reopens, correctly, to the new state once the update is done).
    reader = Retriever.load(config=replace(fake_config, recheck_seconds=3600), embedder=FakeEmbedder())
    question = "不予行政处罚多少家"
    expected = reader.search(question, k=5)
    errors, answers = [], []

    def keep_asking():
        while not done.is_set():
            try:
                answers.append(reader.search(question, k=5) == expected)
            except Exception as err:  # noqa: BLE001 — any failure is what this test looks for
                errors.append(err)

    done = threading.Event()
    thread = threading.Thread(target=keep_asking)
    thread.start()
    try:
        upload = corpus_dir / "extra.txt"
        upload.write_text(EXTRA, encoding="utf-8")
        fake_retriever.add(upload)
    finally:
        done.set()
        thread.join()
    assert errors == [] and answers and all(answers)
    assert reader.search(question, k=5) == expected  # its folder was swapped away; its files still read
    assert fake_retriever.search("电动自行车门店", k=1)[0].source == "extra.txt"


def test_an_index_in_the_old_layout_says_to_rebuild(fake_config, fake_retriever):
    manifest = fake_config.index_dir / "manifest.json"
    manifest.write_text(json.dumps(dict(json.loads(manifest.read_text(encoding="utf-8")), format_version=2)),
                        encoding="utf-8")
    with pytest.raises(IndexFormatError, match=r"older layout \(format 2, now 3\).*python -m rag.build --index"):
        Retriever.load(config=fake_config, embedder=FakeEmbedder(), build_if_missing=False)


def test_the_cli_says_one_line_for_an_old_index(tmp_path):
    from tests.test_cli import assert_one_line_error, run

    folder = tmp_path / "index"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"format_version": 2, "model": "m", "corpus_hash": "x"}),
                                          encoding="utf-8")
    (folder / "chunks.jsonl").write_text("", encoding="utf-8")
    result = run("rag.ask", "不予行政处罚多少家", "--index", str(folder))
    assert_one_line_error(result, "older layout", "python -m rag.build")


def test_an_unchanged_corpus_is_not_read_to_tell_it_is_unchanged(fake_config, fake_retriever, corpus_dir, monkeypatch):
    hashed = []
    real = load_step.content_hash
    monkeypatch.setattr(load_step, "content_hash", lambda folder, name: hashed.append(name) or real(folder, name))
    Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert hashed == []
    report = next(corpus_dir.glob("*.txt"))
    report.touch()  # a new time, the same bytes: read once, found unchanged, nothing rebuilt
    stamp = (fake_config.index_dir / "vectors.npy").stat().st_mtime_ns
    Retriever.load(config=fake_config, embedder=FakeEmbedder())
    assert hashed == [report.name] and (fake_config.index_dir / "vectors.npy").stat().st_mtime_ns == stamp


def test_word_presence_from_the_postings_is_a_text_search(fake_retriever):
    store = fake_retriever.store
    texts = [unicodedata.normalize("NFKC", p.match_text()).lower() for p in store.passages]
    words = ["行政处罚", "不予", "电梯", "盲盒", "吞吐量", "常住人口", "2023年", "gdp", "7968家", "市场监管总局",
             "处罚", "罚", "a级", "食品安全", "火星", "96.1%"]
    for word in words:
        assert store.contains(word) == any(word in t for t in texts), word
    assert store.mentions("行政处理")  # one character from 行政处罚: a typo is no evidence of absence
    assert not store.mentions("火星探测")


def test_latin_words_and_figures_count_where_a_keyword_starts_with_them():
    from rag.segment import keyword_tokens

    passages = [Passage("全市RGDP增长5.2%，政务APP用户2023年达到300万。", "a.txt", 0, 30, ())]
    vectors = np.ones((1, 4), np.float32) / 2
    store = LocalStore(index_io.IndexData.of({}, passages, [keyword_tokens(p.match_text()) for p in passages],
                                             vectors, vectors, np.array([0])))
    assert store.contains("app") and store.contains("rgdp") and store.contains("2023年") and store.contains("5.2%")
    assert not store.contains("gdp")  # only inside a longer word: no keyword starts with it


def test_questions_are_cut_the_same_without_loading_the_dictionary(fake_retriever, report_text):
    from rag import segment

    questions = [line for line in report_text.splitlines() if line.strip()][:80] + [
        "不予行政处罚多少家", "上海市场监管局2023年查处了多少起案件？", "電梯維保", "How many elevators?"]
    with_table = [segment._table_tokenizer(segment._word_table[0]).lcut(q) for q in questions]
    assert with_table == [segment._jieba().lcut(q) for q in questions]


def test_approximate_search_finds_the_exact_top_10(monkeypatch):
    """Past FLAT_LIMIT an IVF index proposes the passages: its top 10 by meaning, scored
    exactly, must hold at least 99% of the exact top 10 (stand-in vectors: random, the
    hardest case for clustering)."""
    monkeypatch.setattr(index_io, "FLAT_LIMIT", 10_000)
    rng = np.random.default_rng(7)
    n, dim = 20_000, 32
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sentences = vectors[::2] + 0.1 * rng.standard_normal((n // 2, dim)).astype(np.float32)
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    owner = np.arange(0, n, 2)
    passages = [Passage(f"第{i}段", f"r{i // 100}.txt", 0, 3, ()) for i in range(n)]
    data = index_io.IndexData.of({}, passages, [[f"t{i % 50}"] for i in range(n)], vectors, sentences, owner)
    store = LocalStore(data)
    assert store._search["method"] == "ivf"
    found = []
    for q in rng.standard_normal((100, dim)).astype(np.float32):
        q /= np.linalg.norm(q)
        cands = store.candidates(Query.of("无关"), q, 0.5)
        best = cands.ids[np.argsort(-(cands.passage_cosine + cands.sentence_cosine))[:10]]
        exact_sentence = np.full(n, -1.0, np.float32)
        np.maximum.at(exact_sentence, owner, sentences @ q)
        passage = vectors @ q
        dense = passage + np.where(exact_sentence > -1, exact_sentence, passage)
        found.append(len(set(best) & set(np.argsort(-dense)[:10])) / 10)
    assert np.mean(found) >= 0.99


def test_a_large_index_is_searched_by_pool_and_says_so(fake_config, fake_retriever, corpus_dir, monkeypatch):
    monkeypatch.setattr(index_io, "FLAT_LIMIT", 500)
    pooled = Retriever.load(config=Config(corpus_dir=corpus_dir, index_dir=fake_config.index_dir.parent / "pooled"),
                            embedder=FakeEmbedder())
    manifest = json.loads((pooled.config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["search"] == {"method": "ivf", "pool": 200, "nprobe": manifest["search"]["nprobe"],
                                  "recall_at_10": manifest["search"]["recall_at_10"]}
    assert manifest["search"]["recall_at_10"] >= 0.99
    for question in ("不予行政处罚多少家", "盲盒专项检查", "电梯"):
        assert pooled.search(question, k=5) == fake_retriever.search(question, k=5)


def test_kept_reports_keep_their_text_and_pages_through_an_update(fake_config, fake_retriever, corpus_dir):
    from tests.paths import PROJECT_ROOT

    shutil.copy(PROJECT_ROOT / "tests" / "data" / "formats" / "luoyang-stats-2023.pdf", corpus_dir / "luoyang.pdf")
    build_index(fake_config, FakeEmbedder())
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    counting = Counting()
    build_index(fake_config, counting)
    assert counting.seen and all("新增" in t for t in counting.seen)  # the PDF was kept, not read or embedded
    reopened = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    hit = reopened.search("洛阳 年末常住人口多少", k=1)[0]
    assert hit.source == "luoyang.pdf" and "707.9万人" in hit.text and hit.pages
    assert reopened.document_text("luoyang.pdf")[hit.start:hit.end] == hit.text
    assert reopened.document("luoyang.pdf").pages(hit.start, hit.end) == hit.pages


def _rows_by_report(index_dir) -> tuple[dict, list, list]:
    """Return what passages.sqlite holds, independent of row order: each report's rows in
    reading order (with their folded text), the tags and the reports' texts."""
    import sqlite3

    db = sqlite3.connect(index_dir / "passages.sqlite")
    try:
        rows: dict[str, list] = {}
        for row in db.execute("SELECT source, start, end, text, heading_path, context, pages, folded FROM passages "
                              "ORDER BY source, start"):
            rows.setdefault(row[0], []).append(row[1:])
        return (rows, db.execute("SELECT * FROM tags ORDER BY word").fetchall(),
                db.execute("SELECT * FROM documents ORDER BY source").fetchall())
    finally:
        db.close()


def test_an_update_copies_kept_rows_to_what_a_fresh_build_writes(fake_config, corpus_dir, tmp_path):
    """Kept reports' rows, texts and tags are copied by SQLite, not rebuilt: after adding and
    removing reports the index holds what a build from nothing writes, and answers the same."""
    for name, text in (("a-extra.txt", EXTRA), ("b-other.txt", OTHER), ("c-more.txt", EXTRA.replace("321", "654"))):
        (corpus_dir / name).write_text(text, encoding="utf-8")
    build_index(fake_config, FakeEmbedder())
    (corpus_dir / "b-other.txt").unlink()  # a report in the middle of the rows goes
    (corpus_dir / "d-new.txt").write_text("一、新的章节\n\n新建茶叶和蜂蜜产业园7个，引进企业45家。", encoding="utf-8")
    updated = build_index(fake_config, FakeEmbedder())
    fresh_config = Config(corpus_dir=corpus_dir, index_dir=tmp_path / "fresh")
    build_index(fresh_config, FakeEmbedder())
    assert _rows_by_report(fake_config.index_dir) == _rows_by_report(fresh_config.index_dir)
    assert ("蜂蜜", "n") in _rows_by_report(fake_config.index_dir)[1]  # a word only the new report has is tagged
    assert len(updated.passages) == index_io.load(fresh_config.index_dir).manifest["n_passages"]
    places = [(p.source, p.start) for p in updated.passages]  # every row once, the removed report's none
    assert len(set(places)) == len(places) and {s for s, _ in places} == {"a-extra.txt", "c-more.txt", "d-new.txt",
                                                                          *{s for s, _ in places if s.endswith("report.txt")}}
    updated_retriever = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    fresh_retriever = Retriever.load(config=fresh_config, embedder=FakeEmbedder())
    for question in ("蜂蜜产业园有几个", "不予行政处罚多少家", "电动自行车门店"):
        # Rows are in another order (kept reports first), so only equal scores may swap.
        ours, theirs = updated_retriever.search(question, k=5), fresh_retriever.search(question, k=5)
        assert [round(h.score, 6) for h in ours] == [round(h.score, 6) for h in theirs]
        assert {(h.source, h.start, round(h.score, 6)) for h in ours if h.score > ours[-1].score + 1e-6} \
            == {(h.source, h.start, round(h.score, 6)) for h in theirs if h.score > theirs[-1].score + 1e-6}
    assert updated_retriever.ask("蜂蜜产业园有几个").answer.text == "7个"


def test_keyword_postings_of_an_index_folder_are_read_not_mapped(tmp_path):
    """A question's postings are read with pread: they score as the postings in memory do, and
    the file's pages do not stay in the process (mapped, 80 questions kept 79 MB of them)."""
    from rag.keyword import BM25

    rng = np.random.default_rng(0)
    words = [f"词{i}" for i in range(400)]
    docs = [list(rng.choice(words, size=60)) for _ in range(3000)]
    in_memory = BM25.of(docs)
    for name, array in in_memory.arrays().items():
        np.save(tmp_path / f"{name}.npy", array)
    mapped = BM25.from_arrays(*(np.asarray(np.load(tmp_path / f"{name}.npy", mmap_mode="r"))
                                for name in ("terms", "ptr", "docs", "tf", "doc_len")))
    for question in (["词1", "词7"], ["词399", "词0", "词200"], ["没有的词"]):
        assert np.array_equal(mapped.scores(question), in_memory.scores(question)), question
    smaps = Path("/proc/self/smaps")
    if smaps.exists():
        resident, current = 0, ""
        for line in smaps.read_text().splitlines():
            if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):  # a mapping's first line ends with its file
                current = line.split()[-1]
            elif line.startswith("Rss:") and current.endswith(("docs.npy", "tf.npy")):
                resident += int(line.split()[1])
        assert resident == 0
