"""The Qdrant store ranks as the local store does: same hits, same answers, same refusals."""

import json
import sys
from dataclasses import replace

import pytest

from rag import Retriever
from rag.errors import StoreError
from tests.conftest import FakeEmbedder
from tests.paths import PROJECT_ROOT, run_python

pytest.importorskip("qdrant_client", reason='the [qdrant] extra: pip install "baogao[qdrant]"')

from rag.store_qdrant import QdrantStore, connect

SEED_SETS = [PROJECT_ROOT / "eval" / "questions.jsonl", PROJECT_ROOT / "eval" / "heldout.jsonl"]


def seed_questions() -> list[str]:
    return [json.loads(line)["question"] for path in SEED_SETS
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def over_qdrant(local: Retriever) -> Retriever:
    from rag import index as index_io

    store = QdrantStore.create(connect(":memory:"), "test", index_io.load(local.config.index_dir))
    return Retriever(store, local.embedder, local.config)


def top5(reply):
    return [(h.source, h.start, h.end) for h in reply.hits], reply.answer, reply.answerable


def test_rankings_match_the_local_store(fake_retriever):
    """Every sixth seed question, with the fake embedder (the slow test below asks all)."""
    qdrant = over_qdrant(fake_retriever)
    for question in seed_questions()[::6]:
        assert top5(qdrant.ask(question)) == top5(fake_retriever.ask(question)), question


@pytest.mark.slow
def test_top5_of_every_seed_question_is_the_local_stores(real_retriever):
    qdrant = over_qdrant(real_retriever)
    differ = [q for q in seed_questions() if top5(qdrant.ask(q)) != top5(real_retriever.ask(q))]
    assert not differ, f"{len(differ)} questions rank otherwise over Qdrant: {differ[:5]}"


def test_the_store_option_writes_a_collection_once_and_reads_it_after(fake_config, tmp_path):
    config = replace(fake_config, store="qdrant", qdrant_url=str(tmp_path / "qdrant"), qdrant_collection="reports")
    first = Retriever.load(config=config, embedder=FakeEmbedder())
    hits = [(h.source, h.start) for h in first.search("不予行政处罚多少家")]
    first.store.close()
    (fake_config.index_dir / "manifest.json").unlink()  # the second opening must not need the folder
    second = Retriever.load(config=config, embedder=FakeEmbedder(), build_if_missing=False)
    assert isinstance(second.store, QdrantStore) and len(second.store) == len(first.store)
    assert [(h.source, h.start) for h in second.search("不予行政处罚多少家")] == hits
    second.store.close()


def test_a_missing_collection_says_how_to_build_it(fake_config):
    config = replace(fake_config, store="qdrant", qdrant_url=":memory:", qdrant_collection="nothing")
    with pytest.raises(StoreError, match="rag.build --store qdrant"):
        Retriever.load(config=config, embedder=FakeEmbedder(), build_if_missing=False)


def test_a_collection_baogao_did_not_write_is_not_replaced(fake_retriever):
    from qdrant_client import models

    from rag import index as index_io

    client = connect(":memory:")
    client.create_collection("theirs", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT))
    with pytest.raises(StoreError, match="did not write it"):
        QdrantStore.create(client, "theirs", index_io.load(fake_retriever.config.index_dir))
    assert client.collection_exists("theirs")


def test_without_the_extra_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "qdrant_client", None)  # `import qdrant_client` now fails
    with pytest.raises(StoreError, match=r'pip install "baogao\[qdrant\]"'):
        connect(":memory:")


def test_the_command_without_a_url_says_what_to_give(tmp_path):
    import subprocess

    run = subprocess.run([sys.executable, "-m", "rag.ask", "不予行政处罚多少家", "--store", "qdrant",
                          "--index", str(tmp_path / "index")],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "Error: --store qdrant needs --qdrant-url: a server URL (http://localhost:6333), "
        "a folder for Qdrant's local mode, or :memory:."]
    assert not (tmp_path / "index").exists()


def test_a_question_with_no_signal_at_all_still_ranks_as_locally(fake_retriever):
    """Keyword-only fusion and a question none of whose words the reports hold: the engine
    proposes nothing, and the pool must still end (by asking for everything)."""
    from rag import Fusion

    qdrant = over_qdrant(fake_retriever)
    for question in ("zzqx wvut", "不予行政处罚多少家"):
        local = fake_retriever.search(question, k=5, fusion=Fusion.only("keyword"))
        there = qdrant.search(question, k=5, fusion=Fusion.only("keyword"))
        assert [(h.source, h.start) for h in there] == [(h.source, h.start) for h in local]


def test_reports_texts_and_pages_come_from_the_engine(fake_config, tmp_path):
    """A machine asking a cluster has no corpus folder: the text a citation's offsets index
    into, a PDF's pages and boxes, and a whole section's paragraphs come from Qdrant."""
    import shutil

    shutil.copy(PROJECT_ROOT / "tests" / "data" / "formats" / "luoyang-stats-2023.pdf",
                fake_config.corpus_dir / "luoyang.pdf")
    local = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    sections = ("存在哪些问题和不足", "2024年有什么打算")  # whole sections, read in reading order
    expected = [top5(local.ask(question)) for question in sections]
    local_hit = local.search("洛阳 年末常住人口多少", k=1)[0]
    local_boxes = local.document("luoyang.pdf").boxes(local_hit.start, local_hit.end)
    local_sources = sorted(local.store.documents)
    config = replace(fake_config, store="qdrant", qdrant_url=str(tmp_path / "qdrant"), qdrant_collection="reports")
    Retriever.load(config=config, embedder=FakeEmbedder()).store.close()
    shutil.rmtree(fake_config.index_dir)  # nothing local is read from here on
    remote = Retriever.load(config=config, embedder=FakeEmbedder(), build_if_missing=False)
    assert sorted(remote.store.documents) == local_sources
    hit = remote.search("洛阳 年末常住人口多少", k=1)[0]
    assert (hit.source, hit.start, hit.pages) == (local_hit.source, local_hit.start, local_hit.pages) and hit.pages
    pdf = remote.document("luoyang.pdf")
    assert pdf.kind == "pdf" and pdf.text[hit.start:hit.end] == hit.text
    assert pdf.boxes(hit.start, hit.end) == local_boxes
    assert [top5(remote.ask(question)) for question in sections] == expected
    remote.store.delete("luoyang.pdf")
    assert "luoyang.pdf" not in remote.store.documents
    with pytest.raises(KeyError):
        remote.store.documents["luoyang.pdf"]
    remote.store.close()


def test_adding_and_removing_reports_writes_only_them_and_ranks_as_a_fresh_collection(fake_config, tmp_path,
                                                                                     monkeypatch):
    """An archive over Qdrant grows without rewriting it: a report added to the corpus is the
    only one written, one removed is dropped, and the collection then ranks as one written
    from nothing (and as the local store)."""
    from rag import index as index_io
    from rag.pipeline import build_index

    (fake_config.corpus_dir / "b-other.txt").write_text(
        "一、总体情况\n\n全年查处无证经营餐饮店铺88家，并公开曝光典型案例。", encoding="utf-8")
    build_index(fake_config, FakeEmbedder())
    client = connect(str(tmp_path / "qdrant"))
    QdrantStore.write(client, "reports", index_io.load(fake_config.index_dir))
    (fake_config.corpus_dir / "b-other.txt").unlink()
    (fake_config.corpus_dir / "c-new.txt").write_text(
        "一、新的章节\n\n新建茶叶和蜂蜜产业园7个，引进企业45家。", encoding="utf-8")
    build_index(fake_config, FakeEmbedder())
    data = index_io.load(fake_config.index_dir)
    written = []
    monkeypatch.setattr(QdrantStore, "add", lambda self, passages, *rest, _add=QdrantStore.add: (
        written.extend({p.source for p in passages}), _add(self, passages, *rest))[1])
    updated = QdrantStore.write(client, "reports", data)
    assert written == ["c-new.txt"] and sorted(updated.reports) == sorted(data.manifest["reports"])
    assert "b-other.txt" not in updated.documents and updated.documents["c-new.txt"].text.startswith("一、新的章节")
    fresh = QdrantStore.create(connect(":memory:"), "fresh", data)
    local = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    for question in ["蜂蜜产业园有几个", "无证经营餐饮店铺多少家", *seed_questions()[::12]]:
        ours = top5(Retriever(updated, FakeEmbedder(), fake_config).ask(question))
        assert ours == top5(Retriever(fresh, FakeEmbedder(), fake_config).ask(question)) == top5(local.ask(question))
    assert len(updated) == len(fresh) == len(data.passages)
    client.close()


def test_a_retriever_over_a_local_qdrant_folder_adds_and_removes_reports(tmp_path):
    """Reopening after an update takes the folder's client the process already holds
    (Qdrant's local mode refuses a second one), and the exit says nothing."""
    script = (
        "import shutil, sys\n"
        "from pathlib import Path\n"
        "from rag import Config, Retriever\n"
        "from tests.conftest import FakeEmbedder\n"
        f"tmp = Path({str(tmp_path / 'archive')!r})\n"
        "corpus = tmp / 'corpus'\n"
        "corpus.mkdir(parents=True)\n"
        "shutil.copy('data/shanghai-samr-2023-rule-of-law-report.txt', corpus / 'report.txt')\n"
        "config = Config(corpus_dir=corpus, index_dir=tmp / 'index', store='qdrant',\n"
        "                qdrant_url=str(tmp / 'qdrant'), qdrant_collection='reports')\n"
        "r = Retriever.load(config=config, embedder=FakeEmbedder())\n"
        "(corpus / 'new.txt').write_text('一、新的章节\\n\\n新建茶叶和蜂蜜产业园7个，引进企业45家。', encoding='utf-8')\n"
        "r.add(corpus / 'new.txt')\n"
        "print(r.ask('蜂蜜产业园有几个').answer.text)\n"
        "print(r.remove('new.txt'), sorted(r.reports))\n"
    )
    done = run_python(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["7个", "2 ['report.txt']"]
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
