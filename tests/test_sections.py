"""Whole-section questions and names that stand unquoted, as a user sees them."""

import pytest

from rag import Config, Retriever
from rag.answer import extract_answer
from rag.cite import RELATED, format_reply_text
from rag.passage import Hit, Passage
from rag.query import AnyWords, Query
from rag.sections import asked_section, section_of
from tests.conftest import FakeEmbedder

# A work report of the usual shape: a review with its problems paragraph, then the plan in
# subsections. The fake embedder knows no meaning, so only the words and the parts rank.
WORK_REPORT = """2025年江城市政府工作报告

一、2024年工作回顾

过去一年，全市经济稳中有进，地区生产总值增长5.2%，城镇新增就业8万人，居民收入稳步增长，各项事业取得新进展。

新建学校12所，改造老旧小区300个，建成口袋公园50个，群众生活持续改善，城市面貌焕然一新。

同时，我们也清醒看到，经济社会发展还面临不少困难和挑战，主要是：有效需求不足，部分企业经营困难，政府工作还有不少不足。

二、2025年工作安排

今年重点做好三个方面工作，坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，推动高质量发展。

（一）扩大有效需求

促进消费持续恢复，扩大有效投资，推动重大项目开工建设，全年完成固定资产投资增长6%左右。

（二）推动教育优质均衡发展

新建中小学10所，新增学位2万个，深化集团化办学，办好人民满意的教育，促进教育公平。

（三）保障和改善民生

实施城镇老旧小区改造，完善养老服务体系，扩大普惠托育供给，织密扎牢社会保障网，兜住兜准兜牢民生底线。
"""


@pytest.fixture
def work_retriever(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "jiangcheng-2025.txt").write_text(WORK_REPORT, encoding="utf-8")
    return Retriever.load(config=Config(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=FakeEmbedder())


def test_a_plan_question_shows_the_plan_section_in_reading_order(work_retriever):
    reply = work_retriever.ask("2025年有什么打算", k=4)
    paths = [h.heading_path for h in reply.hits]
    assert paths[0] == ("二、2025年工作安排",)
    assert reply.hits[0].text.startswith("今年重点做好三个方面工作")
    assert [p[-1] for p in paths[1:]] == ["（一）扩大有效需求", "（二）推动教育优质均衡发展", "（三）保障和改善民生"]
    assert reply.answer is None and reply.answerable
    assert RELATED in format_reply_text(reply)


def test_a_problems_question_opens_with_the_paragraph_that_owns_up_to_them(work_retriever):
    hits = work_retriever.search("存在哪些不足", k=3)
    assert hits[0].text.startswith("同时，我们也清醒看到")
    assert hits[0].heading_path == ("一、2024年工作回顾",)


def test_a_review_question_opens_with_the_review(work_retriever):
    hits = work_retriever.search("2024年做了哪些工作", k=3)
    assert hits[0].heading_path == ("一、2024年工作回顾",)


def test_which_aspects_is_not_answered_with_a_count(work_retriever):
    reply = work_retriever.ask("2025年重点要做好哪几个方面？", k=3)
    assert reply.answer is None  # 三个 would be no answer to which aspects
    assert reply.hits[0].heading_path == ("二、2025年工作安排",)


def test_a_plan_question_about_one_topic_ranks_that_topic_first(work_retriever):
    hits = work_retriever.search("2025年在教育方面有什么打算", k=3)
    assert hits[0].heading_path[-1] == "（二）推动教育优质均衡发展"


def test_a_figure_question_about_the_plan_is_still_answered(work_retriever):
    reply = work_retriever.ask("2025年打算新建多少所中小学？", k=3)
    assert reply.answer is not None and reply.answer.text == "10所"


@pytest.mark.parametrize("question, part", [
    ("四川2025年有什么打算", "plan"), ("深圳下一步工作安排是什么", "plan"), ("重庆2025年的主要任务有哪些", "plan"),
    ("江西存在哪些不足", "problems"), ("北京当前面临的困难和挑战主要有哪些？", "problems"),
    ("北京过去一年做了哪些工作", "review"), ("过去五年的成就有哪些", "review"),
    ("今年的目标任务是什么", "plan"), ("龙岗区“十四五”发展的基本思路是什么", "plan"),
    ("去年在防灾减灾上做了哪些工作，效果如何？", "review"), ("推进河长制的效果怎么样", "review"),
    # two parts asked at once, or none: no single part answers
    ("去年做了哪些工作，今年有什么打算？", ""), ("四川2025年打算改造多少个老旧小区？", "plan"),
    ("云南持续实施的人才支持计划叫什么？", ""),
])
def test_the_part_a_question_asks_for(question, part):
    assert asked_section(question) == part


def test_a_figure_question_is_not_a_section_question():
    assert Query.of("四川2025年打算改造多少个老旧小区？").section == ""
    assert Query.of("四川2025年有什么打算").section == "plan"


@pytest.mark.parametrize("path, text, part", [
    (("二、2025年工作安排", "（一）扩大有效需求"), "促进消费。", "plan"),
    (("四、2024年工作设想",), "推进立法。", "plan"),
    (("一、主要举措和成效",), "开展检查。", "review"),
    (("三、存在不足和原因",), "能力有待提高。", "problems"),
    (("一、2024年工作回顾",), "在肯定成绩的同时，我们也清醒认识到发展中存在的短板和不足：", "problems"),
    # a problem named in passing opens no section
    (("2025年工作安排建议",), "完成全年发展目标面临诸多挑战，但也有较好的支撑。", "plan"),
    (("一、综合",), "全年地区生产总值增长5%。", ""),
    # a plan is also named as the year's 工作重点; 关于2019年工作 says no part (the review, in
    # a report of 2020, beside 关于2020年工作: only the report's year tells them apart)
    (("二、2020年工作重点", "（四）着力加快平台载体建设"), "全社会研发投入突破150亿元。", "plan"),
    (("一、关于2019年工作",), "推进立法。", ""),
])
def test_the_part_a_passage_belongs_to(path, text, part):
    assert section_of(path, text)[0] == part


def _answer(question, text):
    """The direct answer to a question (naming no place) from one passage, or None."""
    hits = [Hit(rank=1, score=0.8, passage=Passage(text, "r.txt", 0, len(text), ("一、2023年工作回顾",)))]
    found = extract_answer(Query.of(question, AnyWords()), hits)
    return found.text if found else None


@pytest.mark.parametrize("question, text, name", [
    ("哪个社区被评为全国首个国际暗夜社区？", "大鹏西涌社区获评全国首个、亚洲第二个国际暗夜社区。", "大鹏西涌社区"),
    ("建成的全国首个跟喝水有关的示范区是什么？", "建成全国首个自来水直饮示范区，市民喝上直饮水。", "自来水直饮示范区"),
    ("广州期货交易所挂牌上市的首个交易品种是什么？", "广州期货交易所首个交易品种工业硅挂牌上市。", "工业硅"),
    ("全区首个养老领域PPP项目是什么？", "建成全区首个养老领域PPP项目宝丰苑护老中心，新增养老床位140张。", "宝丰苑护老中心"),
])
def test_a_name_beside_its_noun_is_answered(question, text, name):
    assert _answer(question, text) == name


@pytest.mark.parametrize("question, text", [
    # a kind of community, not one community's name
    ("哪个社区被评为全国首个国际暗夜社区？", "加快建设智慧社区，打造一批示范社区，争创全国首个国际暗夜社区。"),
    # jieba cuts the place name 磨憨 in two: no sure start, so no name
    ("哪个口岸成为我国首个国际卫生陆港？", "磨憨铁路口岸创建成为我国首个经世卫组织认可的国际卫生陆港。"),
    # the noun's only name is the question's own words
    ("首个古代经典名方中药复方制剂叫什么？", "我省首个古代经典名方中药复方制剂获批上市。"),
])
def test_a_near_miss_gets_no_name(question, text):
    assert _answer(question, text) is None


@pytest.mark.parametrize("titles, issued, title_years, years", [
    (("一、2024年工作回顾", "（一）经济"), "2025", ("2025",), ({"2024"}, False)),   # the titles name it
    (("一、2021年以来工作回顾",), "2023", ("2023",), ({"2021"}, True)),           # …up to the report's
    (("一、过去一年工作回顾",), "2025", ("2025",), ({"2024"}, False)),             # by the report's date
    (("一、过去五年工作回顾",), "2023", ("2023",), ({"2018", "2019", "2020", "2021", "2022"}, False)),
    (("一、“十三五”时期发展成就",), "2021", ("2021",), (set(), False)),            # a period as a whole
    (("一、综合",), "2023", ("2022",), ({"2022"}, False)),                         # a communiqué's title
    ((), "", (), (set(), False)),
])
def test_the_years_a_passage_is_about_by_its_titles(titles, issued, title_years, years):
    from rag.sections import years_of_titles
    assert years_of_titles(titles, issued, title_years) == years
