"""Direct answers: the exact span of the report, the right one of several, or none."""

import pytest

from rag.answer import answer_first, extract_answer, judge_answerable
from rag.passage import Hit, Passage
from rag.identity import ReportIdentity
from rag.query import AnyWords, Query
from rag.question import asked_kind
from rag.scorers import holds_asked_kind


class Words(AnyWords):
    """A lexicon for tests: which words the reports hold, and English translations."""

    def __init__(self, in_corpus=lambda t: True, translate=lambda w: set()):
        self.contains, self._translate = in_corpus, translate

    def translations(self, word):
        return frozenset(self._translate(word))

    def expansions(self, tokens):
        return {t: self.translations(t) for t in tokens if self.translations(t)}


def answer_of(question, hits, in_corpus=lambda t: True, translate=lambda w: set(), **kwargs):
    return extract_answer(Query.of(question, Words(in_corpus, translate)), hits, **kwargs)


def answerable(question, hits, in_corpus):
    return judge_answerable(Query.of(question, Words(in_corpus)), hits, None)


def hit(text, rank=1, heading=("一、主要举措和成效",)):
    return Hit(rank=rank, score=0.8, passage=Passage(text, "r.txt", 100, 100 + len(text), heading))


@pytest.mark.parametrize("question, kind", [
    ("不予行政处罚多少家", "count"), ("公示率是多少", "percent"), ("什么时候举行的", "date"),
    ("党组书记是谁", "person"), ("推动制定的是哪部办法", "name"), ("报告抄送给了哪个单位", "org"),
    ("罚没款总额是多少", "amount"), ("首批启动建设几所高校", "count"), ("新建了几座水库", "count"),
    ("出口连续几年居首位", "count"), ("近几年发展怎么样", None), ("如何看待营商环境", None), ("市局是全国第几家获得审批权的", "rank"),
    ("局长叫什么名字", "person"), ("得了什么奖", "name"), ("年报公示率", "percent"), ("年报公示率？", "percent"),
    ("预付卡商家关门跑路，监管部门采取了哪些措施", None), ("一网通办做了哪些改进", None),
    ("市局出台了哪些办法", "name"),
])
def test_what_a_question_asks_for(question, kind):
    asked = asked_kind(question)
    assert (asked[0] if asked else None) == kind


def test_a_question_asking_for_measures_gets_no_title_as_its_answer():
    text = "制定《上海市场监管部门加强集成创新持续优化营商环境行动实施方案》，推出措施20项。"
    assert answer_of("针对预付卡商家关门跑路，上海市场监管部门采取了哪些措施？", [hit(text)]) is None
    assert answer_of("上海市场监管部门制定了哪个实施方案？", [hit(text)]).text.startswith("《上海市场监管部门")


def test_the_right_number_of_several_in_one_sentence():
    text = "开展盲盒专项检查，发现违法线索130条，立案50件。"
    answer = answer_of("盲盒专项检查立案多少件", [hit(text)])
    assert answer.text == "50件"
    assert (answer.start, answer.end) == (100 + text.index("50件"), 100 + text.index("50件") + 3)
    assert answer_of("盲盒专项检查发现多少条违法线索", [hit(text)]).text == "130条"


def test_the_clause_decides_between_counts_with_the_same_unit():
    text = ("与市网信办共同开展“亮剑浦江——消费场景下个人信息保护”专项执法行动，聚焦扫码点餐等五个重点领域，"
            "检查企业3355家，约谈企业216家，责令改正58家，查处各类个人信息保护案件40件。")
    assert answer_of("个人信息保护专项执法行动约谈了多少家企业", [hit(text)]).text == "216家"
    assert answer_of("个人信息保护专项执法行动中责令改正多少家", [hit(text)]).text == "58家"


def test_title_next_to_the_question_verb():
    text = ("推动《上海市社会公用计量标准器具管理办法》《上海市商品包装物减量若干规定》《上海市酒类商品产销管理条例》"
            "简易修改和《上海市经纪人条例》废止工作。")
    assert answer_of("哪部地方性条例被推动废止了", [hit(text)]).text == "《上海市经纪人条例》"


def test_date_and_person():
    text = "2023年3月8日，市局党组书记、局长倪俊南在党组扩大会议上进行2022年度专题述法。"
    assert answer_of("局长倪俊南什么时候进行的专题述法", [hit(text)]).text == "2023年3月8日"
    assert answer_of("进行专题述法的市局党组书记是谁", [hit(text)]).text == "倪俊南"


def test_no_answer_when_the_unit_differs():
    text = "开展盲盒专项检查，发现违法线索130条，立案50件。"
    assert answer_of("盲盒专项检查一共罚了多少钱", [hit(text)]) is None
    assert answer_of("盲盒专项检查处理了多少人", [hit(text)]) is None


def test_no_answer_for_a_year_the_passage_does_not_speak_of():
    text = "2023年1月—11月，共立案各类反不正当竞争案件1150件，结案970件。"
    assert answer_of("2023年立案多少件反不正当竞争案件", [hit(text)]).text == "1150件"
    assert answer_of("2024年计划立案多少件反不正当竞争案件", [hit(text)]) is None


def test_no_answer_when_the_sentence_is_about_something_else():
    text = "2019年3月至2023年11月，本市市场监管系统共对7968家经营主体不予行政处罚。"
    assert answer_of("上海市2023年的常住人口是多少", [hit(text)], in_corpus=lambda t: t in text) is None


def test_the_question_cannot_be_its_own_answer():
    text = "申报的某美容美发公司虚假宣传案等4个案例入选上海市2022年度行政执法“指导案例”。"
    answer = answer_of("入选行政执法“指导案例”的是哪个虚假宣传案", [hit(text)])
    assert answer.text == "某美容美发公司虚假宣传案"


def test_refusal_rests_on_evidence_not_on_a_missing_span():
    corpus = "2019年3月至2023年11月，本市市场监管系统共对7968家经营主体不予行政处罚。"
    hits = [hit(corpus)]

    def judge(question, present=lambda w: w in corpus):
        return judge_answerable(Query.of(question, Words(lambda t: t in corpus)), hits, None, present=present)

    # What is counted (常住人口) is never spoken of: evidence that the report does not answer.
    assert not judge("本市常住人口是多少")
    assert not judge("本市市场监管系统不予行政处罚的罚款金额是多少")  # 罚款 is never spoken of either
    # It is spoken of, only no span fitted: the passages are shown.
    assert judge("本市不予行政处罚的经营主体有多少户")
    assert judge("本市不予行政处罚的金额是多少")
    assert judge("有多少小老板犯了小错没被罚")              # other words: not refused
    assert judge("不予行政处罚制度怎么样")                 # not factual: not refused
    assert not Query.of("做了哪些改进").refusable and Query.of("哪部条例被废止").refusable
    # A passage that shares neither words nor meaning is no answer at all.
    assert not judge_answerable(Query.of("不予行政处罚多少家"), [Hit(1, 0.01, hits[0].passage)], None)


def test_a_typo_is_no_evidence_of_absence(fake_retriever):
    assert fake_retriever.store.mentions("盲盒")
    assert fake_retriever.store.mentions("盲合")       # one character off a word of the report
    assert not fake_retriever.store.mentions("常住人口")


@pytest.mark.slow
class TestOnTheReport:
    @pytest.mark.parametrize("question, span", [
        ("不予行政处罚多少家", "7968家"),
        ("公平竞争审查会审发现可能不合规的政策措施有多少件", "102件"),
        ("市局党组理论学习中心组学习党的二十大报告的专题学习是什么时候举行的", "2023年1月"),
        ("市局积极推动制定的市政府重大行政决策是哪部办法", "《上海市公益广告促进和管理办法》"),
        ("盲盒专项检查立案多少件", "50件"),
        ("盲盒專項檢查立案多少件", "50件"),
        ("去年查了多少起虚假广告？", "5010件"),                          # 起 is counted in 件
        ("市场监管部门和哪个单位一起整治扫码点餐过度收集个人信息？", "市网信办"),  # 与市网信办共同开展
        ("2023年市局处理了多少投诉举报", "154余万件"),                    # the report's own word order
        ("市局什么时候发布这份报告的？", "2024年1月5日"),                  # not 2025年 of 《纲要（2021—2025年）》
        ("上海市场监管局的局长叫什么名字？", "倪俊南"),       # a person; 市场监管局 abbreviates the title's name
        ("市局法律知识竞赛得了什么奖", "三等奖"),
        ("企业年报公示率", "96.1％"),
    ])
    def test_direct_answers(self, real_retriever, report_text, question, span):
        reply = real_retriever.ask(question, k=5)
        assert reply.answerable and reply.answer.text == span
        assert report_text[reply.answer.start:reply.answer.end] == span
        assert span in reply.hits[reply.answer.hit_rank - 1].text

    @pytest.mark.parametrize("question", [
        "上海市2023年的常住人口是多少", "2023年全市市场监管系统罚没款总额是多少？",
        "盲盒专项检查立案的50件案子一共罚了多少钱？", "2024年住宅电梯物联网覆盖率要提高到多少？",
    ])
    def test_what_the_report_does_not_say_gets_no_figure(self, real_retriever, question):
        reply = real_retriever.ask(question, k=5)
        assert reply.answer is None and len(reply.hits) == 5

    def test_a_question_about_what_the_report_never_speaks_of_is_refused(self, real_retriever):
        reply = real_retriever.ask("上海市2023年的常住人口是多少", k=5)
        assert not reply.answerable and len(reply.hits) == 5  # the nearest passages, for reference

    def test_paraphrase_is_not_refused(self, real_retriever):
        reply = real_retriever.ask("菜市场的秤不准有没有人管", k=3)
        assert reply.answerable


ELEVATORS = "强化智慧电梯建设，全市8.97万台电梯加装远程监测装置，住宅电梯物联网覆盖率44.73％。"
TRANSLATIONS = {"elevators": {"电梯"}, "remote": {"远程"}, "monitoring": {"监测"}, "devices": {"装置"}}


def translate(word):
    return TRANSLATIONS.get(word, set())


def test_an_english_question_is_answered_through_translations_of_its_words():
    question = "How many elevators were fitted with remote monitoring devices?"
    assert answer_of(question, [hit(ELEVATORS)]) is None  # no translations: no support
    answer = answer_of(question, [hit(ELEVATORS)], translate=translate)
    assert answer.text == "8.97万台"


def test_an_english_question_needs_more_of_its_words_in_the_sentence():
    # elevators, remote, monitoring are found; got, across, district, zones are not: 12 of
    # 27 weight (0.44) would do for a Chinese question, not for a translated one.
    question = "How many elevators got remote monitoring across district zones?"
    assert answer_of(question, [hit(ELEVATORS)], translate=translate) is None


def test_an_english_question_about_another_year_gets_no_answer():
    question = "How many elevators were fitted with remote monitoring devices in 2024?"
    assert answer_of(question, [hit(ELEVATORS)], translate=translate,
                          reports={"r.txt": ReportIdentity("r.txt", title_years=("2023",))}) is None


TITLE = "上海市市场监督管理局关于\n\n2023年度法治政府建设情况的报告\n"


def test_words_of_the_report_title_are_no_support_outside_the_title():
    text = "市局申报的“市场监管领域不予实施行政强制措施清单”等2个项目入选2023年度上海市法治为民办实事立项。"
    question = "上海市2023年的常住人口是多少"
    # 上海市 + 2023 looked like support once; 常住人口, what is asked about, is not in the sentence
    assert answer_of(question, [hit(text)]) is None
    assert answer_of(question, [hit(text)], reports={"r.txt": ReportIdentity("r.txt", title=TITLE)}) is None


def test_the_title_passage_itself_may_answer_with_its_own_words():
    title = hit("上海市市场监督管理局关于\n\n2023年度法治政府建设情况的报告\n\n市委，市政府，市场监管总局：", heading=())
    answer = answer_of("这份法治政府建设情况报告总结的是哪个年度的工作？", [title], reports={"r.txt": ReportIdentity("r.txt", title=TITLE)})
    assert answer.text == "2023年度"


@pytest.mark.parametrize("question, holds", [
    ("专题述法是哪一天进行的", [True, False, False]),       # 哪天: a day, not a month
    ("专题述法是什么时候进行的", [True, True, False]),
    ("立案多少件", [False, False, True]),                   # the asked unit
    ("立案多少家", [False, False, False]),
    ("谁作了专题辅导", [False, False, False]),              # persons are not favoured
])
def test_which_passages_hold_the_kind_of_thing_asked(question, holds):
    texts = ["2023年3月8日，进行专题述法。", "2023年1月，举行学习报告会。", "开展专项检查，立案50件。"]
    assert holds_asked_kind(Query.of(question), texts) == holds


@pytest.mark.parametrize("text, bodies", [
    ("与市网信办共同开展专项执法行动", ["市网信办"]),
    ("根据市委依法治市委员会、市政府、市场监管总局的部署", ["市委依法治市委员会", "市政府", "市场监管总局"]),
    ("联合市检察院、市公安局等挂牌督办", ["市检察院", "市公安局"]),
    ("依托“一网通办”推进线上线下帮办", []),                  # ways of handling things, not offices
    ("某房地产开发有限公司违法采集信息案", []),                 # anonymised
])
def test_bodies_are_cut_at_the_words_that_introduce_them(text, bodies):
    from rag.spans import org_spans

    assert [text[a:b] for a, b in org_spans(text)] == bodies


def test_a_count_in_another_unit_of_the_same_things_answers():
    text = "开展虚假违法广告专项整治，共查办各类违法广告案件5010件，检查经营主体120户。"
    assert answer_of("查了多少起违法广告案件", [hit(text)]).text == "5010件"
    assert answer_of("违法广告检查了多少家经营主体", [hit(text)]).text == "120户"
    assert answer_of("违法广告案件查了多少人", [hit(text)]) is None


def test_a_date_inside_a_title_is_not_a_date_of_anything():
    text = "围绕贯彻落实《法治政府建设实施纲要（2021—2025年）》，市局于2023年3月8日专题述法。"
    assert answer_of("市局什么时候专题述法", [hit(text)]).text == "2023年3月8日"
    alone = "围绕贯彻落实《法治政府建设实施纲要（2021—2025年）》，强化制度建设。"
    assert answer_of("市局什么时候强化制度建设", [hit(alone)]) is None


def test_counts_written_with_yu_before_wan():
    text = "依法及时处置各类诉求，共处置投诉、举报等诉求154余万件。"
    assert answer_of("处置了多少投诉举报", [hit(text)]).text == "154余万件"


def test_an_abbreviated_title_word_is_no_support_either():
    from rag.sections import names_report

    assert names_report("市场监管局", TITLE)          # 市场监督管理局, shortened
    assert names_report("2023", TITLE)
    assert not names_report("常住人口", TITLE)
    assert not names_report("法治讲座", TITLE)


# ------------------------------------------------------------ what a figure means in its sentence

def under(text, *headings):
    return Hit(rank=1, score=0.8, passage=Passage(text, "r.txt", 0, len(text), headings))


@pytest.mark.parametrize("question, span", [
    ("国家高新技术企业总量有多少家？", "1.8万家"),        # a total, not the addition before it
    ("今年新增国家高新技术企业多少家？", "1200家"),        # the addition, not the total
])
def test_totals_and_additions(question, span):
    text = "新增国家高新技术企业1200家，总量达到1.8万家。"
    assert answer_of(question, [hit(text)]).text == span


def test_a_change_answers_with_its_new_level():
    text = "产值百亿元以上的工业企业由2021年7家增加至12家。"
    assert answer_of("产值超百亿元的工业企业增加到了几家？", [hit(text)]).text == "12家"


def test_any_measure_word_in_the_question_is_the_unit():
    text = "新建成高速公路507公里，新增出口企业85个，生猪出栏6150万头，建成海外仓44座。"
    assert answer_of("新建成的高速公路有多少公里？", [hit(text)]).text == "507公里"
    assert answer_of("生猪出栏多少头？", [hit(text)]).text == "6150万头"
    assert answer_of("建成了多少座海外仓？", [hit(text)]).text == "44座"


def test_the_counted_noun_says_the_unit_when_the_question_gives_none():
    text = "已开通地铁线路增至8条，总里程45.2公里。"
    assert answer_of("已开通的地铁线路总里程是多少？", [hit(text)]).text == "45.2公里"


def test_a_figure_of_something_else_in_the_sentence_is_no_answer():
    text = "北京地区进出口总额超3.6万亿元，金融机构存贷款余额均突破6万亿元。"
    assert answer_of("北京2024年地区生产总值是多少亿元？", [hit(text)]) is None


def test_a_target_is_not_answered_by_last_years_result():
    review = under("地区生产总值增长5.1%，居民收入增长5.5%。", "一、2024年工作回顾")
    plan = under("今年发展的主要预期目标是：地区生产总值增长5%左右。", "二、2025年工作安排")
    assert answer_of("2025年地区生产总值增长目标是多少？", [review, plan]).text == "5%左右"
    assert answer_of("2024年地区生产总值增长了多少？", [plan, review]).text == "5.1%"


def test_last_year_counts_from_when_the_report_was_issued():
    from rag.identity import ReportIdentity

    report = {"r.txt": ReportIdentity("r.txt", title="2025年政府工作报告", date="2025年1月20日",
                                      title_years=("2025",))}
    review = under("生猪出栏6150万头。", "一、2024年工作回顾")
    plan = under("生猪出栏稳定在6000万头以上。", "二、2025年工作安排")
    assert answer_of("去年生猪出栏多少头？", [plan, review], reports=report).text == "6150万头"


def test_a_name_must_be_what_its_own_clause_speaks_of():
    text = "北脑二号填补国内脑机接口技术空白，全球首个通用人工智能体“通通”正式发布。"
    assert answer_of("哪个成果填补了国内脑机接口技术的空白？", [hit(text)]) is None  # 北脑二号 is unquoted
    assert answer_of("全球首个通用人工智能体叫什么名字？", [hit(text)]).text == "“通通”"


def test_a_figure_keeps_its_qualifier():
    text = "今年改造老旧小区4000个以上，城镇调查失业率5.5%左右。"
    assert answer_of("今年打算改造多少个老旧小区？", [hit(text)]).text == "4000个以上"
    assert answer_of("今年城镇调查失业率目标是多少？", [hit(text)]).text == "5.5%左右"


def test_a_clause_that_links_speaks_of_the_clause_before():
    text = "旅游业总收入首次突破百亿大关，达101.64亿元，增长10.6%。"
    assert answer_of("旅游业总收入多少钱？", [hit(text)]).text == "101.64亿元"


def test_the_counted_noun_is_the_head_of_its_phrase():
    text = "全区新增管道天然气用户8.8万户，新建燃气管道120公里。"
    assert answer_of("新增了多少管道天然气用户？", [hit(text)]).text == "8.8万户"


def test_a_quoted_name_says_whose_figure_it_is():
    text = "新增19家国家级专精特新“小巨人”企业、总数达270家，专精特新中小企业达4162家。"
    assert answer_of("国家级专精特新“小巨人”企业一共有多少家？", [hit(text)]).text == "270家"


def test_money_is_counted_in_yuan_and_growth_in_percent():
    text = "九大类民生支出129.3亿元，占财政支出比重达到70.6%，地区生产总值增长6.0%。"
    assert answer_of("九大类民生支出一共是多少？", [hit(text)]).text == "129.3亿元"
    assert answer_of("地区生产总值增长了多少？", [hit(text)]).text == "6.0%"


HEALTH = "年末共有卫生机构4985个，床位57848张；其中医院、卫生院316个，床位54229张。"
HEALTH_WORDS = {"beds": {"床位"}, "hospital": {"医院"}, "health": {"卫生"}, "institutions": {"机构"},
                "have": {"具备"}, "end": {"底"}, "grain": {"年", "谷物"}, "produce": {"产出", "出"}}


def health_words(word):
    return HEALTH_WORDS.get(word, set())


def test_an_english_question_counts_only_words_that_say_what_it_is_about():
    # have → 具备 and end → 底 are dictionary senses of words that only shape the sentence;
    # Luoyang is 洛阳 in the report (the places check reads it), 2023 the years check.
    query = Query.of("How many hospital beds did Luoyang's health institutions have at the end of 2023?",
                     Words(translate=health_words))
    assert set(query.asked.terms) == {"hospital", "beds", "health", "institutions"}
    assert query.asked.english


def test_translated_words_that_fit_two_figures_equally_give_no_figure():
    # Beds in hospitals or beds in all health institutions: the dictionary can't tell, so
    # the passages are shown without a figure rather than with a guess.
    question = "How many hospital beds did health institutions have?"
    assert answer_of(question, [hit(HEALTH)], translate=health_words) is None
    alone = "年末全市医院床位57848张。"
    assert answer_of(question, [hit(alone)], translate=health_words).text == "57848张"


def test_a_one_character_translation_is_no_support_when_a_longer_one_exists():
    # grain → 年 would find 全年 in any sentence.
    question = "How much grain did the city produce?"
    assert answer_of(question, [hit("全年港口货物吞吐量4081万吨，增长23.5%。")], translate=health_words) is None
    assert answer_of(question, [hit("全年谷物产出902.61万吨。")], translate=health_words).text == "902.61万吨"


def test_a_chinese_question_with_an_english_acronym_is_read_as_chinese():
    query = Query.of("重庆2024年全年GDP总量是多少亿元？", Words(translate=lambda w: {"地区生产总值"} if w == "gdp" else set()))
    assert not query.asked.english
    gdp = hit("2024年全年地区生产总值达到32193.15亿元、增长5.7%。")
    assert answer_of("2024年全年GDP总量是多少亿元？", [gdp],
                     translate=lambda w: {"地区生产总值"} if w == "gdp" else set()).text == "32193.15亿元"


def test_an_average_is_not_answered_by_a_total_or_a_peak():
    peak = "地铁运营里程达567.1公里，单日最高客流量突破1000万人次。"
    assert answer_of("地铁日均客流量是多少人次？", [hit(peak)]) is None
    assert answer_of("地铁单日最高客流量是多少人次？", [hit(peak)]).text == "1000万人次"
    income = "全体居民人均可支配收入45727元，增长5.1%；旅游业总收入101.64亿元。"
    assert answer_of("居民人均可支配收入是多少？", [hit(income)]).text == "45727元"


def test_respectively_gives_each_subject_its_own_figure():
    text = "城镇、农村居民人均可支配收入分别增长5%、6.5%左右。"
    assert answer_of("农村居民人均可支配收入增长多少？", [hit(text)]).text == "6.5%左右"
    assert answer_of("城镇居民人均可支配收入增长多少？", [hit(text)]).text == "5%"
    # Which group, the question doesn't say: each figure belongs to one, so none is given.
    assert answer_of("居民人均可支配收入增长多少？", [hit(text)]) is None


def test_respectively_reads_figures_joined_by_a_word_and_subjects_sharing_a_lead():
    pair = "民生支出增长6.8%，城镇和农村居民人均可支配收入分别增长4.3%和7.1%，城镇调查失业率5.5%。"
    assert answer_of("农村居民人均可支配收入增长多少？", [hit(pair)]).text == "7.1%"
    assert answer_of("城镇居民人均可支配收入增长多少？", [hit(pair)]).text == "4.3%"
    # 万元GDP is both subjects' lead, not the first one's own: 水耗 is the second
    shared = "主要预期目标：本区生产总值增长8%左右；万元GDP能耗、水耗分别下降4.3%、2%；城镇登记失业率控制在3%以内。"
    assert answer_of("万元GDP水耗要下降多少？", [hit(shared)]).text == "2%"
    assert answer_of("万元GDP能耗要下降多少？", [hit(shared)]).text == "4.3%"
    # 城乡 is 城镇 and 农村; figures joined by 和 after a unit
    both = "稳步提升社会保障水平。城乡低保平均标准分别提高至778元/月、6818元/年，特困人员基本生活标准提高。"
    assert answer_of("农村低保平均标准提高到多少？", [hit(both)]).text == "6818元/年"
    assert answer_of("城镇低保平均标准提高到多少？", [hit(both)]).text == "778元/月"
    # without 分别, bare figures after one verb are each their subject's
    bare = "出台安全生产硬措施，生产安全事故起数和死亡人数下降12.5%和6.3%。"
    assert answer_of("生产安全事故死亡人数下降了多少？", [hit(bare)]).text == "6.3%"
    assert answer_of("生产安全事故起数下降了多少？", [hit(bare)]).text == "12.5%"
    # a name the question quotes tells the subjects apart (“四上”企业, not 亿元以上企业)
    total = "新增亿元以上企业108家、“四上”企业966家，总数分别达到1563家和5333家。"
    assert answer_of("“四上”企业总数是多少家？", [hit(total)]).text == "5333家"
    three = "万元GDP建设用地、水耗、电耗分别下降6.5%、3.9%和4.6%。"
    assert answer_of("万元GDP电耗下降了多少？", [hit(three)]).text == "4.6%"
    assert answer_of("万元GDP水耗下降了多少？", [hit(three)]).text == "3.9%"


def test_a_question_word_glued_to_the_noun_before_it_is_not_a_term():
    # jieba cuts 消费券叫什么名字 as 消费/券叫/什么/名字: 券叫 is in no report, and counting it
    # double would sink every sentence about the 消费券.
    text = "启动实施“消费+”行动，发放“蜀里安逸”消费券超过5亿元。"
    reports_hold = lambda w: w in text  # noqa: E731
    assert answer_of("发的消费券叫什么名字？", [hit(text)], in_corpus=reports_hold).text == "“蜀里安逸”"


def test_a_plan_is_named_by_what_stands_before_计划():
    text = "出台基础研究十年“卓粤”计划，将1/3以上的省级科技经费投向基础研究。"
    assert answer_of("出台的基础研究十年计划叫什么？", [hit(text)]).text == "“卓粤”"


def test_how_many_there_are_is_where_a_change_ended_not_where_it_started():
    text = "全职院士由8人增至11人，新增省市创新创业团队2个。"
    assert answer_of("全职院士有多少人？", [hit(text)]).text == "11人"
    assert answer_of("全职院士原来有多少人？", [hit(text)]).text == "8人"


def test_respectively_compares_subjects_on_what_sets_them_apart():
    text = "最低工资标准、最低生活保障标准分别提升至2360元/月、1300元/月。"
    assert answer_of("最低工资标准提升至多少？", [hit(text)]).text == "2360元/月"  # a figure per month, as written
    assert answer_of("最低生活保障标准提升至多少？", [hit(text)]).text == "1300元/月"
    # 标准 is in both; 低保 names neither as written: no figure rather than the wrong one.
    assert answer_of("低保标准提升至多少？", [hit(text)]) is None


def test_how_many_years_is_answered_by_a_number_of_years_only():
    text = "出口总额连续29年居内地城市首位，增长13.5%。"
    assert answer_of("出口连续多少年居内地城市首位？", [hit(text)]).text == "29年"
    assert answer_of("出口连续几年居内地城市首位？", [hit("出口总额增长13.5%，居内地城市首位。")]) is None
    other = "这几年累计对7968家企业不予行政处罚。"
    assert answer_of("这几年有多少家企业不予行政处罚？", [hit(other)]).text == "7968家"  # 这几年 says when


def test_a_target_needs_a_sentence_that_states_one_outside_a_plan_section():
    review = under("全年主要目标任务圆满完成。城镇新增就业1244万人，城镇调查失业率平均为5.2%。", "一、2023年工作回顾")
    assert answer_of("2023年城镇新增就业的预期目标是多少？", [review]) is None
    assert answer_of("2023年城镇新增就业多少人？", [review]).text == "1244万人"


def test_a_name_asked_with_叫什么_is_a_name_even_when_its_noun_is_a_plans():
    text = "持续优化“鹏程计划”人才政策，新引进人才3000人。"
    assert answer_of("大鹏新区的人才政策叫什么计划？", [hit(text)]).text == "“鹏程计划”"


def test_what_things_are_called_together_is_a_name():
    text = "电动汽车、锂电池、光伏产品“新三样”出口增长近30%。"
    assert answer_of("电动汽车、锂电池、光伏产品这三样出口产品被合称为什么？", [hit(text)]).text == "“新三样”"


def test_a_name_after_a_dash_that_restates_its_noun():
    text = "打造粤港澳大湾区首个风投创投街区——香蜜湖国际风投创投街区，吸引10家头部风投创投机构组团入驻。"
    assert answer_of("福田打造的大湾区第一个风投创投街区叫什么？", [hit(text)]).text == "香蜜湖国际风投创投街区"
    other = "打造粤港澳大湾区首个风投创投街区——吸引10家头部机构组团入驻。"
    assert answer_of("福田打造的大湾区第一个风投创投街区叫什么？", [hit(other)]) is None


def test_money_in_another_currency_is_a_figure_of_its_own_unit():
    text = "进出口总额3.54万亿元，实际利用外资109.7亿美元、增长26.3%。"
    assert answer_of("实际利用外资多少亿美元？", [hit(text)]).text == "109.7亿美元"


def test_which_line_number_is_no_date():
    assert (asked_kind("深圳第一条全自动驾驶的地铁线是几号线？") or ("",))[0] != "date"
    assert asked_kind("会议是几号召开的？")[0] == "date"


def test_个_in_the_question_accepts_the_measure_word_the_report_uses_for_the_noun():
    text = "新增公办义务教育学位3.8万座、学前教育学位6750座，新建学校12所。"
    assert answer_of("新增多少个学前教育学位？", [hit(text)]).text == "6750座"
    assert answer_of("新建多少个学校？", [hit(text)]).text == "12所"


def test_a_net_addition_is_asked_by_净增_and_read_after_it():
    text = "市场主体总量突破1600万户、五年净增608万户，其中企业超过700万户。"
    assert answer_of("五年来市场主体净增多少户？", [hit(text)]).text == "608万户"
    assert answer_of("市场主体总量有多少户？", [hit(text)]).text == "1600万户"
    assert answer_of("市场主体比五年前增加多少户？", [hit(text)]).text == "608万户"


def test_a_shorter_form_of_the_counted_noun_is_no_evidence_of_absence():
    grain = [hit("粮食播种面积1570.5万亩、总产130亿斤。")]
    spoken_of = {"粮食", "播种", "面积", "总产"}.__contains__
    assert judge_answerable(Query.of("粮食总产量是多少？", Words(spoken_of)), grain, None, present=spoken_of)
    # A rate is another figure than the count it is a rate of.
    checks = [hit("抽检食品3.2万批次，其中不合格批次126批。")]
    spoken_of = {"抽检", "食品", "合格", "批次"}.__contains__
    assert not judge_answerable(Query.of("食品抽检合格率是多少？", Words(spoken_of)), checks, None, present=spoken_of)


def test_a_noun_of_quantity_is_spoken_of_where_what_it_counts_is():
    # 就业人数 is a word of another report of the archive; this one writes 新增就业143.02万人.
    jobs = [hit("城镇新增就业143.02万人，居民人均可支配收入增长5.3%。")]
    in_corpus = {"城镇", "新增", "就业", "就业人数", "收入"}.__contains__
    spoken_of = {"城镇", "新增", "就业", "收入"}.__contains__
    assert judge_answerable(Query.of("城镇新增就业人数是多少？", Words(in_corpus)), jobs, None, present=spoken_of)
    # …but a thing the report never speaks of is still absent.
    assert not judge_answerable(Query.of("城镇失业人数是多少？", Words({"城镇", "失业", "失业人数"}.__contains__)),
                                jobs, None, present=spoken_of)


def test_a_verb_the_reports_never_use_is_no_noun_whose_absence_refuses():
    text = [hit("清理规范节庆、论坛、展会，数量分别压减75%、95%、73%。")]
    spoken_of = {"清理", "规范", "节庆", "论坛", "展会", "数量", "压减", "浙江"}.__contains__
    question = Query.of("浙江去年把各种节庆、论坛、展会砍掉了多少？", Words(spoken_of))
    assert question.asked.key_nouns == ()
    assert judge_answerable(question, text, None, present=spoken_of)


def test_a_demonstrative_is_no_word_of_the_question():
    text = "坚持和发展新时代“枫桥经验”，“六尺巷工作法”全面推广。"
    question = Query.of("那个化解矛盾的工作法叫什么？", Words())
    assert "那个" not in question.asked.terms and "那个" not in question.tokens
    assert answer_of("全面推广的那个工作法叫什么？", [hit(text)]).text == "“六尺巷工作法”"


def test_a_verb_with_its_particle_is_not_what_is_counted():
    text = "累计建设839个海外仓、总面积1210万平方米。"
    assert answer_of("累计建了多少个海外仓？", [hit(text)]).text == "839个"


def test_a_period_s_figure_answers_only_a_question_about_a_period():
    five_years = hit("“十三五”时期，地区生产总值年均增长8.0%，连续突破3000亿、4000亿大关。商事主体五年净增41.6万户。")
    last_year = hit("实现地区生产总值4744.49亿元，增长1.1%。", rank=2)
    assert answer_of("地区生产总值增长多少？", [five_years, last_year]).text == "1.1%"
    assert answer_of("“十三五”时期地区生产总值年均增长多少？", [five_years, last_year]).text == "8.0%"
    assert answer_of("五年来商事主体净增多少户？", [five_years]).text == "41.6万户"
    assert answer_of("商事主体净增多少户？", [five_years]) is None


def test_the_verb_that_ends_a_statistic_s_name_is_what_is_counted():
    jobs = hit("城镇新增就业连续4年超过90万人，吸引高校毕业生就业创业连续3年超过40万人。")
    residents = hit("64个县市新增城镇常住人口30.5万人，城镇化率提高1.1个百分点。", rank=2)
    # 新增城镇常住人口 holds 城镇 and 新增 but is no 就业; the figure keeps the 超过 it is stated with.
    assert answer_of("城镇新增就业多少人？", [residents, jobs]).text == "超过90万人"
    assert answer_of("城镇新增就业多少人？", [residents]) is None


def test_a_place_in_a_ranking_is_answered_with_what_the_report_ranks():
    text = hit("区域创新能力排名跃升至全国第二，全社会研发投入强度超过3.3%。13个创新药获批上市、居全国第一。")
    assert answer_of("区域创新能力排名全国第几？", [text]).text == "全国第二"
    assert answer_of("创新药获批上市数量全国排名多少？", [text]).text == "全国第一"
    assert answer_of("生猪出栏在全国排第几？", [hit("生猪出栏6150万头，保持全国第1位。")]).text == "全国第1位"
    # 安排多少 asks for an amount, not a place
    assert answer_of("专项债券准备安排多少？", [hit("拟安排地方政府专项债券3.9万亿元，比上年增加1000亿元。")]).text == "3.9万亿元"


def test_a_percentage_keeps_the_bound_it_is_stated_with():
    text = hit("区域创新能力排名跃升至全国第二，全社会研发投入强度超过3.3%，万人发明专利拥有量74.5件。")
    assert answer_of("全社会研发投入强度是多少？", [text]).text == "超过3.3%"


def test_a_quantity_s_name_may_be_written_without_its_量():
    grain = hit("农林牧渔业总产值达到1.28万亿元。粮食播种面积1570.5万亩、总产130亿斤。")
    assert answer_of("粮食总产量是多少？", [grain]).text == "130亿斤"
    # …but no other shorter form stands for a word: 局长 is no 副局长.
    leader = hit("2023年，倪俊南任上海市市场监督管理局局长。")
    assert answer_of("市局现任副局长是谁？", [leader]) is None


def test_how_things_stand_now_is_answered_by_a_result_not_by_a_plan():
    review = hit("研发投入强度达到2.1%，新增国家级专精特新“小巨人”企业60家，总数达到450家。", heading=("一、2025年工作回顾",))
    plan = hit("加快科技创新。新增国家级专精特新“小巨人”企业50家以上。", heading=("二、2026年工作安排",))
    assert answer_of("现在有多少家国家级专精特新小巨人企业？", [plan, review]).text == "450家"
    assert answer_of("2026年新增多少家小巨人企业？", [plan, review]).text == "50家以上"


def test_a_part_named_as_a_word_beats_the_total_whose_name_holds_it():
    text = hit("外贸进出口总额达到6200亿元、增长4.5%，其中出口3900亿元。")
    assert answer_of("出口多少亿元？", [text]).text == "3900亿元"
    assert answer_of("外贸进出口总额多少？", [text]).text == "6200亿元"


def test_a_change_asked_for_is_the_change_not_the_level():
    text = hit("优良天数比例达到75.2%，比上年提高3.1个百分点；PM2.5平均浓度比2020年下降28%。")
    assert answer_of("优良天数比例比上年提高了多少？", [text]).text == "3.1个百分点"
    assert answer_of("优良天数比例是多少？", [text]).text == "75.2%"
    assert answer_of("PM2.5比2020年下降了多少？", [text]).text == "28%"


@pytest.mark.parametrize("question, years", [
    ("PM2.5比2020年下降了多少？", []), ("2024年GDP比2023年增长多少", ["2024"]),
    ("与2020年相比，2025年下降多少", ["2025"]), ("2020年与2025年分别是多少", ["2020", "2025"]),
    ("How much did PM2.5 fall in 2025 compared with 2020?", ["2025"]),
])
def test_a_year_a_change_is_measured_from_is_not_asked_about(question, years):
    assert list(Query.of(question, Words()).years) == years


def test_a_figure_of_a_year_the_sentence_names_is_not_another_year_s():
    plan = hit("“十五五”时期主要目标是：地区生产总值年均增长5%左右，到2030年研发投入强度达到2.8%。",
               heading=("二、2026年工作安排",))
    assert answer_of("2026年研发投入强度目标是多少？", [plan]) is None
    assert answer_of("到2030年研发投入强度要达到多少？", [plan]).text == "2.8%"
    # A year a change starts from is no year the figure is of.
    growth = hit("产值百亿元以上的工业企业由2021年7家增加到12家。", heading=("一、2022年工作回顾",))
    assert answer_of("2022年产值超百亿元的工业企业增加到了几家？", [growth]).text == "12家"


def test_by_how_much_is_not_answered_by_where_a_change_started_or_ended():
    text = hit("高新技术企业由9000家增加到1.5万家；森林覆盖率提高到36.5%。")
    assert answer_of("高新技术企业增加了多少家？", [text]) is None
    assert answer_of("高新技术企业现在有多少家？", [text]).text == "1.5万家"
    assert answer_of("森林覆盖率提高到多少？", [text]).text == "36.5%"


def test_a_word_of_addition_is_no_noun_of_what_is_counted():
    # jieba's dictionary tags 新建 as a place (a county): it must not stand for 基站.
    parks = "建设公园城市，实施“山海连城”计划，新建改造公园20个、碧道270公里。"
    assert answer_of("深圳2022年计划新建多少个5G基站？", [hit(parks)]) is None
    towers = "建成国家新型互联网交换中心，新建5G基站5018个、多功能智能杆7106根。"
    assert answer_of("新建了多少个5G基站？", [hit(parks), hit(towers, rank=2)]).text == "5018个"


def test_latin_words_of_the_question_count_in_the_reports_capitals():
    # Questions are read in lower case (5g, pm2.5); the reports write 5G and PM2.5.
    text = "空气质量优良率95.3%，PM2.5平均浓度连续5年下降、降至17微克/立方米。"
    assert answer_of("2022年PM2.5是多少？", [hit(text, heading=("2022年工作回顾",))]).text == "17微克/立方米"
    towers = "建成国家新型互联网交换中心，新建5G基站5018个、多功能智能杆7106根。"
    reports_words = lambda t: t != "基战"  # noqa: E731
    assert answer_of("新建了多少个5g基战？", [hit(towers)], reports_words).text == "5018个"  # a typo of 基站


def test_a_noun_phrase_counts_where_the_report_shortens_it():
    # The question writes 国家高新技术企业, the report 国高企业; 国家级…企业 is another count.
    text = ("国高企业达到7061家，连续六年全国区县级第一。国家级专精特新“小巨人”企业135家、"
            "国家级孵化器17个，均为全市第一。")
    assert answer_of("国家高新技术企业有多少家？", [hit(text)]).text == "7061家"


def test_exports_alone_do_not_answer_a_question_about_imports_and_exports():
    # 浙江's 2025 report states the year's exports and no total of trade
    text = ("全力以赴稳外贸优外资，引导企业有序出海、合理布局，货物贸易出口达3.9万亿元、增长9.5%，"
            "占全国份额提高到15.3%，服务贸易、数字贸易分别增长24.5%、14.5%。")
    assert answer_of("货物贸易进出口总额是多少？", [hit(text)]) is None
    assert answer_of("货物贸易出口是多少？", [hit(text)]).text == "3.9万亿元"


@pytest.mark.parametrize("text, parts, holds", [
    ("国高企业达到7061家", ("国家", "高新技术", "企业"), True),
    ("规上工业增加值增长5%", ("规模以上", "工业"), True),
    ("社零总额增长6%", ("社会消费品", "零售", "总额"), True),
    ("国有企业改革", ("国家", "高新技术", "企业"), False),   # 有 is no character of the phrase
    ("国家企业信用信息", ("国家", "高新技术", "企业"), False),  # nothing of 高新技术
    ("高新技术企业1.2万家", ("国家", "高新技术", "企业"), False),  # a piece of the phrase is no abbreviation
    ("固投增长10%", ("固定资产", "投资"), False),  # two characters are too few to tell
    ("货物贸易出口达3.9万亿元", ("货物贸易", "进出口"), False),  # exports: 出口 is a word of its own
    ("管道气普及率提升至95.0%", ("管道", "天然气"), True),  # the head by one character
])
def test_abbreviations_keep_a_character_of_every_word_in_order(text, parts, holds):
    from rag.segment import holds_abbreviation
    assert holds_abbreviation(text, parts) is holds


def test_a_five_year_plans_review_is_no_answer_about_the_year_after_it():
    # 深圳's 2021 report reviews the 十三五 (2016–2020): its figures are not 2021's.
    review = under("对外开放水平提升，实际利用外资383亿美元。", "一、“十三五”时期发展成就")
    assert answer_of("2021年实际利用外资多少亿美元？", [review]) is None
    # …nor about one year of the five, unless the passage names it.
    assert answer_of("2019年实际利用外资多少亿美元？", [review]) is None
    named = under("2019年实际利用外资383亿美元。", "一、“十三五”时期发展成就")
    assert answer_of("2019年实际利用外资多少亿美元？", [named]).text == "383亿美元"
    assert answer_of("实际利用外资多少亿美元？", [review]).text == "383亿美元"


def test_what_was_done_is_not_read_from_the_plan_for_that_year():
    plan = under("加快新型基础设施建设，新建5G基站5000个。", "三、2021年工作安排")
    done = under("建成国家新型互联网交换中心，新建5G基站5018个。", "一、2021年以来工作回顾")
    assert answer_of("2021年新建了多少个5G基站？", [plan, done]).text == "5018个"
    assert answer_of("2021年计划新建多少个5G基站？", [plan]).text == "5000个"
    # A title that reviews is no plan, though it says 主要工作 (a 2026 report's first part).
    review = under("地区生产总值从2020年的2.83万亿元提高到2025年的3.87万亿元。",
                   "一、“十四五”时期发展成就和2025年主要工作")
    assert answer_of("2025年地区生产总值达到了多少？", [review]).text == "3.87万亿元"


def test_five_year_plans_are_read_as_their_years():
    from rag.sections import plan_period_years
    assert plan_period_years("一、“十三五”时期发展成就") == {"2016", "2017", "2018", "2019", "2020"}
    assert plan_period_years("二、“十五五”时期主要目标任务") == {"2026", "2027", "2028", "2029", "2030"}
    assert plan_period_years("三、2021年工作安排") == set()


def test_the_year_that_names_the_report_is_not_the_year_asked_about():
    # 2025年政府工作报告里粮食产量 asks for what that report states: its review of 2024.
    from rag.identity import ReportIdentity

    report = {"r.txt": ReportIdentity("r.txt", title="2025年安徽省政府工作报告", region="安徽省", region_code="34", date="2025年1月20日",
                                      title_years=("2025",))}
    review = under("全省地区生产总值增长5.8%。粮食产量836.9亿斤，再创历史新高。", "一、2024年工作回顾")
    opening = hit("2025年1月20日在安徽省第十四届人民代表大会第三次会议上")
    assert answer_of("安徽2025年政府工作报告里粮食产量是多少", [review, opening], reports=report).text == "836.9亿斤"
    assert answer_of("2025年政府工作报告中去年粮食产量是多少", [review], reports=report).text == "836.9亿斤"
    # A year named apart from the report's name is still asked about.
    assert answer_of("2025年政府工作报告说2025年粮食产量是多少", [review], reports=report) is None


def test_a_figure_of_another_things_measure_is_no_answer():
    # 钢铁产量: a sentence about 汽车产量 and 新能源汽车产量 holds no figure of steel.
    text = "汽车产量继续保持40%以上增长、达357万辆，新能源汽车产量增长94.5%、达168.4万辆，产量均居全国第2位。"
    assert answer_of("钢铁产量是多少", [hit(text)]) is None
    assert answer_of("汽车产量是多少", [hit(text)]).text == "357万辆"
    wheat = "全年小麦播种面积1.1亿亩、产量825亿斤以上。"
    assert answer_of("小麦产量是多少", [hit(wheat)]).text == "825亿斤以上"
    assert answer_of("机场旅客吞吐量是多少", [hit("旅客吞吐量达6147.7万人次。")]).text == "6147.7万人次"


def test_a_figure_of_a_table_is_read_by_its_row_and_unit():
    table = hit("表3：2022年主要工业产品产量及其增长速度\n产品名称 单位 产量 比上年增长（%）\n"
                "汽车 万辆 62.1 7.1\n移动通信手持机（手机） 万台 406.3 -40.3\n")
    assert answer_of("2022年汽车产量是多少万辆？", [table]).text == "62.1"
    assert answer_of("2022年手机产量是多少万台？", [table]).text == "406.3"  # the name in brackets
    assert answer_of("新能源汽车产量是多少万辆？", [table]) is None  # another row's word
    assert answer_of("汽车产量是多少万吨？", [table]) is None  # another unit
    assert answer_of("汽车产量比上年增长多少？", [table]) is None  # a change: not from a table


@pytest.mark.parametrize("question, kind", [
    ("湖北2024年粮食总产量", "count"), ("浙江无还本续贷余额", "count"), ("湖北数字经济增加值占比", "percent"),
    ("湖北2024年规上工业增加值增速", "percent"), ("湖南2025年GDP增长目标", "percent"),
    ("营商环境", None), ("空气质量", None), ("什么是数字经济增加值", None),
])
def test_a_question_put_as_the_name_of_a_measure_asks_for_its_figure(question, kind):
    asked = asked_kind(question)
    assert (asked[0] if asked else None) == kind


def test_a_question_put_as_the_name_of_a_measure_gets_that_figure():
    text = "全年粮食产量241.5万吨，下降1.7%。其中，夏粮产量114.6万吨，下降6.4%。"
    assert answer_of("粮食产量", [hit(text)]).text == "241.5万吨"
    assert answer_of("夏粮产量", [hit(text)]).text == "114.6万吨"


def test_a_rate_is_no_count_of_its_nouns_things():
    text = "年末常住人口707.9万人，常住人口城镇化率为67.42%，比上年末提高0.94个百分点。全市出生人口5.1万人，出生率为7.20‰。"
    assert answer_of("常住人口城镇化率", [hit(text)]).text == "67.42%"
    assert answer_of("出生率是多少", [hit(text)]).text == "7.20‰"


def test_an_ascii_comma_between_chinese_clauses_parts_them():
    text = "全年城镇新增就业人员10.8万人，失业人员实现再就业2.0万人,就业困难人员实现就业0.8万人。"
    assert answer_of("失业人员再就业多少人", [hit(text)]).text == "2.0万人"


def test_a_noun_of_quantity_is_stated_by_the_figure_after_what_it_counts():
    text = "全年城镇新增就业25.3万人，城镇失业人员再就业9.0万人。农村富余劳动力向非农产业新增转移就业人数8.5万人。"
    assert answer_of("城镇新增就业人数是多少？", [hit(text)]).text == "25.3万人"


def test_a_count_no_report_writes_is_not_read_from_a_neighbouring_figure():
    text = "2024年江苏城镇新增就业143.02万人，城镇调查失业率4.5%。参加失业保险人数79.0万人，年末领取失业保险金人数1.1万人。"
    def present(word):  # the reports write 失业率 and 失业保险, never 失业人数
        return word != "失业人数"

    assert answer_of("江苏2024年城镇新增就业人数是多少", [hit(text)], in_corpus=present).text == "143.02万人"
    assert answer_of("江苏2024年城镇失业人数是多少", [hit(text)], in_corpus=present) is None
    assert answer_of("江苏2024年失业人数", [hit(text)], in_corpus=present) is None


def test_a_change_is_read_from_the_clause_that_states_it():
    text = "空气质量优良天数318天，同比增加13天。"
    assert answer_of("空气质量优良天数比上年多了多少天？", [hit(text)]).text == "13天"


def test_a_figure_per_something_answers_only_a_question_about_that_rate():
    text = "实现地区生产总值3256.24亿元。地区生产总值地均集约度达41.40亿元/平方公里。食品抽检量由4.5批次/千人提升至5.0批次/千人。"
    assert answer_of("地区生产总值是多少？", [hit(text[15:])]) is None
    assert answer_of("地区生产总值地均集约度是多少？", [hit(text)]).text == "41.40亿元/平方公里"
    assert answer_of("食品抽检量提升到每千人多少批次？", [hit(text)]).text == "5.0批次/千人"


def test_a_footnote_mark_does_not_part_a_figure_from_its_noun():
    text = "全年实现地区生产总值[2] 16907.85亿元，比上年增长2.1%。人均地区生产总值178781元，比上年增长1.8%。"
    assert answer_of("地区生产总值是多少？", [hit(text)]).text == "16907.85亿元"
    assert answer_of("人均地区生产总值是多少？", [hit(text)]).text == "178781元"


def test_a_name_asked_by_its_noun_is_not_another_things_quoted_name():
    text = "紫金山实验室发布“6G太赫兹100/200Gbps实时无线传输通信实验系统”。"
    assert answer_of("发布6G太赫兹实时无线传输通信实验系统的是哪个实验室？", [hit(text)]).text == "紫金山实验室"


def test_a_tables_part_row_answers_by_its_name_and_unit():
    text = "产品名称 计量单位 2022年 比上年增长（%）\n汽车 辆 363399 1.9\n#新能源汽车 辆 154999 184.3\n"
    assert answer_of("新能源汽车产量是多少辆？", [hit(text)]).text == "154999"


def test_a_table_answers_only_for_the_statistic_it_counts():
    # 南京's 2022 communiqué: a table of output, no figure of sales
    text = ("表2  2022年主要工业产品产量情况\n产品名称 计量单位 2022年 比上年增长（%）\n"
            "汽车 辆 363399 1.9\n#新能源汽车 辆 154999 184.3\n")
    assert answer_of("新能源汽车销量是多少辆？", [hit(text)]) is None
    assert answer_of("新能源汽车产量是多少辆？", [hit(text)]).text == "154999"
    # what a row counts may stand in a row above it (货运量 above #铁路), or in a column's title
    freight = ("表5：2022年交通运输量及其增长速度\n指标 单位 2022年 比上年增长（%）\n"
               "货运量 万吨 30125.6 -4.1\n#铁路 万吨 1210.5 2.6\n")
    assert answer_of("铁路货运量是多少万吨？", [hit(freight)]).text == "1210.5"


def test_a_tables_column_the_question_names_is_read():
    trade = hit("表5  2022年南京对主要国家、地区贸易情况\n"
                "国别和地区 出口额（亿元） 比上年增长（%） 进口额（亿元） 比上年增长（%）\n"
                "合计 3827.9 -1.8 2464.2 3.6\n# 日本 146.1 -19.1 307.9 6.5\n韩国 270.3 -2.0 494.7 19.4\n")
    assert answer_of("从韩国的进口额是多少亿元？", [trade]).text == "494.7"
    assert answer_of("对韩国的出口额是多少亿元？", [trade]).text == "270.3"
    assert answer_of("自日本的进口额是多少亿元？", [trade]).text == "307.9"


def test_rows_cut_from_their_titles_are_read_by_them():
    head = "表6  2022年各种运输方式完成旅客运输量情况\n指标 计量单位 绝对量 比上年增长（%）"
    rows = "公路 万人次 4817.25 -28.1\n水运 万人次 58.80 39.2\n民航 万人次 515.26 -37.6"
    cut_off = Hit(rank=1, score=0.8, passage=Passage(rows, "r.txt", 500, 500 + len(rows), ("七、交通",), head))
    found = answer_of("水运旅客运输量是多少万人次？", [cut_off])
    assert (found.text, found.start) == ("58.80", 500 + rows.index("58.80"))
    assert answer_of("水运货物运输量是多少万吨？", [cut_off]) is None  # another unit


def test_a_figure_of_the_whole_does_not_answer_for_its_part():
    text = ("全年供水总量18.6亿立方米，其中居民家庭用量8.9亿立方米。天然气供应量75.2亿立方米，"
            "管道燃气居民用户数785万户。")
    assert answer_of("天然气供应量中居民生活用气量是多少亿立方米？", [hit(text)]) is None
    assert answer_of("供水总量中居民家庭用量是多少亿立方米？", [hit(text)]).text == "8.9亿立方米"
    prices = "全年居民消费价格比上年上涨2.4%，其中食品烟酒类上涨2.1%，粮食上涨3.0%。"
    assert answer_of("居民消费价格中粮食价格上涨多少？", [hit(prices)]).text == "3.0%"
    assert answer_of("居民消费价格中衣着类价格上涨多少？", [hit(prices)]) is None
    table = hit("指标 单位 2022年 比上年增长（%）\n商品房新开工面积 万平方米 2717.4 -12.4\n"
                "商品房销售额 亿元 3812.8 -18.6\n")
    assert answer_of("商品房新开工面积中住宅有多少万平方米？", [table]) is None
    # 里 takes a part as 中 does, and the part may follow the question word
    teachers = "实施普通高中课程改革。补充中小学教师2.8万名，其中乡村教师9100名。"
    assert answer_of("补充的中小学教师里有多少是乡村教师？", [hit(teachers)]).text == "9100名"
    assert answer_of("补充的中小学教师里乡村教师有多少名？", [hit(teachers)]).text == "9100名"
    assert answer_of("补充了多少名中小学教师？", [hit(teachers)]).text == "2.8万名"


def test_a_named_body_in_a_list_does_not_take_the_lists_figure():
    beds = ("建成投运市新华医院、市第二人民医院龙华医院、市中医院光明院区等8个医疗卫生项目，新增床位超9000张。")
    assert answer_of("建成投运的市新华医院有多少张床位？", [hit(beds)]) is None
    upgrade = "推进区妇幼保健院、区中医院改扩建工程，完成区疾控中心新址改造，新增床位282张。"
    assert answer_of("区中医院改扩建后新增多少张床位？", [hit(upgrade)]) is None
    alone = "区中医院改扩建工程完工，新增床位120张。"
    assert answer_of("区中医院改扩建后新增多少张床位？", [hit(alone)]).text == "120张"
    each = "天府国际机场、双流国际机场旅客吞吐量分别达4500万人次、3000万人次。"
    assert answer_of("双流国际机场旅客吞吐量是多少？", [hit(each)]).text == "3000万人次"


def test_a_thing_named_in_a_counted_list_does_not_take_the_lists_figure():
    # any thing, not only a body of a known kind: a school, a company
    schools = "完成深康学校等7所新改扩建学校，新增基础教育学位9939个。"
    assert answer_of("深康学校新增了多少个学位？", [hit(schools)]) is None
    # a word the list's own name writes too names the whole list
    assert answer_of("新改扩建学校新增了多少个学位？", [hit(schools)]).text == "9939个"
    firms = "推动磐石润企、赣锋锂业、宁德时代、金蝶国际等206个项目落地，到位注册资本455亿元。"
    assert answer_of("宁德时代落地项目的到位注册资本是多少？", [hit(firms)]) is None  # nor the list's count
    assert answer_of("落地项目的到位注册资本是多少？", [hit(firms)]).text == "455亿元"  # capital is money
    # the list's own count answers how many it holds
    parks = "新建改造中心公园、深高公园、市儿童公园等25个公园。"
    assert answer_of("新建改造了多少个公园？", [hit(parks)]).text == "25个"
    # the member named again after the list has a figure of its own
    again = "完成深康学校等7所学校，其中深康学校新增学位1200个。"
    assert answer_of("深康学校新增了多少个学位？", [hit(again)]).text == "1200个"
    # …nor a thing listed with others, without figures, before the verb of the list's figure
    exports = "推动外贸扩大规模，出口总值增长6.3%。电动汽车、锂电池、光伏产品出口表现突出、增长77.6%。"
    assert answer_of("电动汽车出口增长了多少？", [hit(exports)]) is None
    assert answer_of("出口总值增长了多少？", [hit(exports)]).text == "6.3%"
    # not when the question names the list itself, or another of its items, nor a list of figures
    villages = "盐田三村、四村和西山吓村整体搬迁签约率由61%提高至88%。"
    assert answer_of("盐田三村、四村和西山吓村整体搬迁的签约率提升到了多少？", [hit(villages)]).text == "88%"
    places = "完成学校扩建，新增学前教育、义务教育学位3600个。"
    assert answer_of("新增多少个学前教育和义务教育学位？", [hit(places)]).text == "3600个"
    deeds = "民生支出占一般公共预算支出85.2%。高质量办好十大民生实事、694项“民生微实事”。"
    assert answer_of("办理了多少项民生微实事？", [hit(deeds)]).text == "694项"
    # a list of kinds without a count: the figure counts them together, one kind asked
    kinds = "开展虚假违法广告、互联网广告、危化品广告等专项整治行动，共查办各类违法广告案件5010件。"
    assert answer_of("查了多少起虚假违法广告？", [hit(kinds)]).text == "5010件"


def test_the_passage_that_states_the_answer_is_shown_first():
    first = hit("全市新建公园20个，改造绿道100公里。", rank=1)
    second = hit("全市新建成高速公路507公里，通车总里程突破1万公里。", rank=2)
    found = answer_of("新建成的高速公路有多少公里？", [first, second])
    assert (found.text, found.hit_rank) == ("507公里", 2)
    hits, shown = answer_first([first, second], found)
    assert [h.text for h in hits] == [second.text, first.text] and [h.rank for h in hits] == [1, 2]
    assert shown.hit_rank == 1 and shown.start == found.start
    # a first passage that writes the same figure keeps its place
    same = hit("高速公路新建成507公里。", rank=1)
    assert answer_first([same, second], found) == ([same, second], found)
    assert answer_first([first, second], None) == ([first, second], None)


def test_the_year_a_change_is_measured_from_is_no_year_asked_about():
    assert Query.of("南京2022年粮食播种面积比上年增加多少", Words()).asked.relative == ()
    assert Query.of("去年粮食产量是多少", Words()).asked.relative == (-1,)


def test_a_change_asked_for_is_not_a_level_and_shows_its_direction():
    text = "全年粮食播种面积207.32万亩，比上年增加2.44万亩；粮食总产量99.03万吨，增产0.6%。全年居民消费价格比上年同期下降0.2%。"
    assert answer_of("粮食播种面积增加了多少", [hit(text)]).text == "2.44万亩"
    assert answer_of("粮食播种面积是多少", [hit(text)]).text == "207.32万亩"
    assert answer_of("粮食总产量增加了多少", [hit(text)]).text == "0.6%"
    # a fall, asked as a rise: the answer says which way
    assert answer_of("居民消费价格涨了多少", [hit(text)]).text == "下降0.2%"


def test_a_figure_of_a_longer_name_is_not_its_heads():
    text = "国内生产总值增长5%左右；粮食产量1.3万亿斤以上；单位国内生产总值能耗降低2.5%左右。"
    assert answer_of("国内生产总值预期增长多少？", [hit(text)]).text == "5%左右"
    assert answer_of("单位国内生产总值能耗降低多少？", [hit(text)]).text == "2.5%左右"
    assert answer_of("国内生产总值预期增长多少？", [hit(text[text.index("单位"):])]) is None
    # …but a thing the question itself names after it is what is counted
    text = "2023年1月—11月，共立案查处案件8735件，依法移送司法机关172件。"
    assert answer_of("2023年前11个月立案查处了多少件案件？", [hit(text)]).text == "8735件"


def test_a_target_is_said_before_its_figure_or_right_after_it():
    review = "2024年地区生产总值达13.7万亿元、增长5.8%、增量全国第一，顺利完成全年经济社会发展主要目标任务。"
    assert answer_of("2024年地区生产总值增长预期目标是多少？", [hit(review)]) is None  # a result, not a target
    planned = "2024年初提出地区生产总值增长5%左右，实际增长5.8%。"
    assert answer_of("2024年地区生产总值增长预期目标是多少？", [hit(planned)]).text == "5%左右"


def test_words_of_the_question_are_not_its_answer():
    text = "选出25位法律专家作为新一届市局法律顾问，为重大行政决策提供法律意见。"
    assert answer_of("市场监管局新聘的25位法律顾问分别是谁？", [hit(text)]) is None


def test_a_total_is_written_without_its_total_word():
    text = "年末全市轨道交通运营线路12条，新增地铁线路长度22.4公里，总长达449公里。"
    assert answer_of("地铁线网总长度达到多少公里？", [hit(text)]).text == "449公里"


@pytest.mark.parametrize("question", ["2024年新建成的山城绿道有多长？", "山城绿道新建了多长"])
def test_how_long_asks_for_a_length(question):
    assert asked_kind(question)[0] == "count"
    text = "2024年建成山城步道90公里、山城绿道157公里，城市更新提质增效。"
    assert answer_of(question, [hit(text)]).text == "157公里"


def test_the_reports_own_place_is_no_word_a_sentence_must_repeat():
    from rag.places import find_places

    region = find_places("黔东南苗族侗族自治州")[0]
    report = ReportIdentity("r.txt", title="黔东南苗族侗族自治州2023年国民经济和社会发展统计公报",
                            region=region.name, region_code=region.code, title_years=("2023",))
    text = "互联网出州宽带4160Gbps；光缆长度36.28公里，5G基站数量累计达到10588个，移动电话普及率126.5部/百人。"
    found = answer_of("黔东南州截至2023年末累计建成了多少个5G基站？", [hit(text, heading=("六、交通运输和邮政通信",))],
                      reports={"r.txt": report})
    assert found.text == "10588个"


def test_a_verb_or_a_place_before_the_measured_noun_names_no_other_thing():
    text = "外资外贸稳中提质。实现进出口总额1186.55亿美元，绝对值排名全市各区第一。"
    assert answer_of("2015年外贸进出口总额是多少？", [hit(text, heading=("一、2015年工作回顾",))]).text == "1186.55亿美元"
    text = "全年全市进出口总额6052亿元，同比增长11.9%。"
    assert answer_of("外贸进出口总额是多少？", [hit(text)]).text == "6052亿元"
    # …while another thing's name still does (汽车产量 is no 钢铁产量)
    assert answer_of("钢铁产量是多少？", [hit("汽车产量62.1万辆，产量居全国第8位。")]) is None


def test_a_list_after_fen_bie_ends_at_its_clause_and_reads_as_its_verb_says():
    text = ("全年地区生产总值增长5.7%，服务业增加值增长6.8%，工业投资、民间投资分别增长11.2%、8.1%，"
            "社会消费品零售总额增长3.6%。")
    assert answer_of("民间投资增长了多少？", [hit(text)]).text == "8.1%"
    assert answer_of("工业投资增长了多少？", [hit(text)]).text == "11.2%"
    # the subjects may be the list of the clause before
    text = "高技术制造业、装备制造业增加值分别增长12.5%、13.1%，占规模以上工业比重分别提高到21.7%、33.6%。"
    assert answer_of("装备制造业增加值占规上工业的比重提高到了多少？", [hit(text)]).text == "33.6%"
    assert answer_of("高技术制造业增加值增长了多少？", [hit(text)]).text == "12.5%"
    # a question naming several subjects of the list asks the whole list: no one figure answers it
    text = "深入纠治“指尖上的形式主义”，清理规范节庆、论坛、展会，数量分别压减75%、95%、73%。"
    assert answer_of("节庆、论坛、展会砍掉了多少？", [hit(text)]) is None
    assert answer_of("展会压减了多少？", [hit(text)]).text == "73%"


def test_a_figure_of_the_whole_year_or_of_another_quarter_answers_no_question_about_one():
    text = ("顶住经济下行压力，克服二季度增速回落影响，实现三季度增长4.6%、追平全国，四季度增长5.6%，"
            "全年增长4.8%、总量达5.3万亿元。")
    assert answer_of("第二季度经济增长了多少？", [hit(text)]) is None
    assert answer_of("三季度经济增长了多少？", [hit(text)]).text == "4.6%"
    assert answer_of("四季度经济增长了多少？", [hit(text)]).text == "5.6%"
    prices = "全年居民消费价格比上年上涨2.2%，其中食品价格上涨2.8%。"
    assert answer_of("12月份居民消费价格同比上涨多少？", [hit(prices)]) is None
    # a month written bare after its year is the period asked too, unless it dates an event
    exports = "2024年全省地区生产总值57761亿元、增长5.5%，出口增长5.3%。"
    assert answer_of("福建2024年12月出口增长了多少？", [hit(exports)]) is None
    assert answer_of("2024年12月的出口增长了多少？", [hit(exports)]) is None
    assert answer_of("2024年出口增长了多少？", [hit(exports)]).text == "5.3%"
    metro = "2023年3月开通的地铁4号线全长42公里。"
    assert answer_of("2023年3月开通的地铁4号线全长多少公里？", [hit(metro)]).text == "42公里"
    assert answer_of("居民消费价格上涨多少？", [hit(prices)]).text == "2.2%"
    # the period may be named in the clause before the figure
    cases = "2023年1月—11月，共立案查处案件8735件，依法移送司法机关172件。"
    assert answer_of("前11个月立案查处了多少件案件？", [hit(cases)]).text == "8735件"


@pytest.mark.parametrize("question, kind", [
    ("九大类民生支出占一般公共预算支出的比重是多少？", "percent"), ("服务业占比多少", "percent"),
    ("比重提高到了多少", "percent"), ("战略性新兴产业增加值有多大？", "count"), ("对经济的影响有多大", None),
    ("最大直径盾构机是哪台？", "name"), ("全球最大直径智能盾构机叫啥？", "name"), ("对应的是哪份文件", "name"),
])
def test_more_ways_of_asking(question, kind):
    assert (asked_kind(question) or (None,))[0] == kind


def test_industry_above_the_size_threshold_is_another_statistic_than_all_industry():
    text = "全年全市工业增加值1751.6亿元，比上年增长1.3%。规模以上工业增加值增长0.2%。"
    assert answer_of("规模以上工业增加值是多少亿元？", [hit(text)]) is None
    assert answer_of("规上工业增加值增长了多少？", [hit(text)]).text == "0.2%"
    assert answer_of("工业增加值是多少亿元？", [hit(text)]).text == "1751.6亿元"


def test_a_list_closed_by_deng_names_its_subjects():
    text = ("分行业看，电气机械和器材制造业增加值增长14.4%。新能源汽车、集成电路、工业机器人等绿色、智能产品"
            "产量增长较快，分别比上年增长7.2%、61.6%、27.6%。")
    assert answer_of("集成电路产量比上年增长多少？", [hit(text)]).text == "61.6%"
    assert answer_of("工业机器人产量比上年增长多少？", [hit(text)]).text == "27.6%"


def test_how_a_change_is_asked_is_not_what_changed():
    text = ("按常住地分，城镇居民人均消费支出46552元，增长6.7%；农村居民人均消费支出27811元，增长9.8%。"
            "全年全体居民人均消费支出43182元，比上年增长7.1%。")
    query = Query.of("农村居民人均消费支出比上年增长了百分之几？", Words())
    assert not any(t.startswith("百分之") for t in query.asked.terms)  # a question word, no topic
    assert answer_of("农村居民人均消费支出比上年增长了百分之几？", [hit(text)]).text == "9.8%"


def test_a_place_the_dictionary_lacks_is_one_word_of_the_question():
    terms = Query.of("坪山区2024年规上工业总产值超过了多少？", Words()).asked.terms
    assert "坪山区" in terms and "山区" not in terms


def test_a_statistic_named_by_a_long_modifier_is_not_another_ones():
    text = ("确保项目投资增速快于GDP增速、制造业投资增速快于面上投资增速，全省经营主体数量增长5%，其中企业数增长5%。"
            "加强主责主业和投资管理，省属国有企业研发投入年均增幅高于全省平均2个百分点以上。")
    plan = hit(text, heading=("二、2025年目标任务和重点工作",))
    assert answer_of("2025年全省固定资产投资增长目标是多少？", [plan]) is None
    stated = hit("全年全州500万元及以上固定资产投资比上年增长1.2%。其中：第一产业投资下降3.1%。")
    assert answer_of("全省固定资产投资增长多少", [stated]).text == "1.2%"


def test_an_aside_in_brackets_after_the_question_word_is_not_what_is_counted():
    text = "国家级制造业单项冠军企业从6家增加至11家，国家级专精特新“小巨人”企业从26家增加至41家，国家高新技术企业突破1000家。"
    question = "国家级专精特新“小巨人”企业由26家增至多少家（区政府工作报告）？"
    assert answer_of(question, [hit(text)]).text == "41家"


def test_a_line_drawn_by_a_figure_is_no_figure_of_anything():
    text = "累计消除监测对象返贫致贫风险70.6万人，人均纯收入1万元以下且有劳动能力的脱贫户和监测户基本实现动态清零。"
    assert answer_of("农村居民人均可支配收入达到多少元？", [hit(text)]) is None
    assert answer_of("人均纯收入是多少元？", [hit(text)]) is None


def test_a_figure_per_square_kilometre_is_asked_by_di_jun():
    text = "2022年全区实现GDP超5500亿元，经济总量居全市第二，地均GDP70.75亿元/平方公里，居全国前列。"
    assert answer_of("2022年每平方公里土地产出的GDP（地均GDP）是多少？", [hit(text)]).text == "70.75亿元/平方公里"


def test_a_five_year_plans_review_states_where_things_stood_in_its_last_year():
    text = "医疗卫生事业快速发展，新增病床位2.5万张，三甲医院从10家增加到22家，居民人均预期寿命达83.5岁。"
    review = hit(text, heading=("一、“十三五”时期发展成就", "（八）社会民生事业实现跨越式发展"))
    assert answer_of("2020年居民人均预期寿命是多少岁？", [review]).text == "83.5岁"
    assert answer_of("2019年居民人均预期寿命是多少岁？", [review]) is None


def test_how_long_in_time_asks_for_a_span_of_time():
    query = Query.of("义务教育学校课间时长调整到多久？", Words())
    assert "多久" not in query.asked.terms and "分钟" in query.asked.units
    text = "义务教育学校课间时长调整到15分钟，新增中小学学位3万个。"
    assert answer_of("义务教育学校课间时长调整到多久？", [hit(text)]).text == "15分钟"


def test_a_figure_of_another_statistic_does_not_answer():
    text = "全年地区生产总值达5.2万亿元、增长5.1%，一般公共预算收入保持平稳。"
    assert answer_of("一般公共预算收入是多少亿元？", [hit(text)]) is None
    listed = "城乡居民人均可支配收入分别达6.6万元和3.2万元，一般公共预算收入稳中有升。"
    assert answer_of("一般公共预算收入是多少亿元？", [hit(listed)]) is None
    stated = hit("一般公共预算收入达4100亿元，增长3.5%。")
    assert answer_of("一般公共预算收入是多少亿元？", [stated]).text == "4100亿元"
    assert answer_of("地区生产总值是多少亿元？", [hit("规上工业总产值达706.4亿元，地区生产总值增长8%。")]) is None


def test_a_running_total_is_not_how_many_were_added():
    text = "2024年新增公共充电桩2.1万个，累计建成超充站1030座、换电站151座。"
    assert answer_of("2024年新建了多少座超充站？", [hit(text)]) is None
    both = "2024年新建超充站320座，累计建成超充站1030座。"
    assert answer_of("2024年新建了多少座超充站？", [hit(both)]).text == "320座"
    assert answer_of("一共建成了多少座超充站？", [hit(both)]).text == "1030座"


def test_a_share_is_asked_by_bizhong_and_a_change_is_no_share():
    text = "规模以上工业增加值增长0.2%，其中高新技术产业增加值增长1.5%。"
    assert answer_of("高新技术产业增加值占规模以上工业的比重是多少？", [hit(text)]) is None
    stated = "高新技术产业增加值增长1.5%，占规模以上工业比重46.8%。"
    assert answer_of("高新技术产业增加值占规模以上工业的比重是多少？", [hit(stated)]).text == "46.8%"


def test_a_statistic_qualified_otherwise_than_the_question_is_another_one():
    text = "集中式光伏并网和在建规模均居全国前列，电力总装机突破1.5亿千瓦、绿电占比超90%。"
    assert answer_of("集中式光伏并网装机是多少万千瓦？", [hit(text)]) is None
    stated = "新增光伏并网装机1200万千瓦，电力总装机突破1.5亿千瓦。"
    assert answer_of("光伏并网装机新增了多少万千瓦？", [hit(stated)]).text == "1200万千瓦"
    homes = "商品房销售面积2773.0万平方米，其中住宅销售面积2013.6万平方米。"
    assert answer_of("商品房新开工面积中住宅有多少万平方米？", [hit(homes)]) is None
    assert answer_of("住宅销售面积是多少万平方米？", [hit(homes)]).text == "2013.6万平方米"
    # …but a slip of one character is no other qualifier.
    retail = "全年实现社会消费品零售总额9096.5亿元，下降1.7%。"
    slip = answer_of("社会消废品零售总额是多少？", [hit(retail)], in_corpus=lambda t: t != "废品")
    assert slip.text == "9096.5亿元"

def test_a_total_in_a_clause_of_its_own_is_the_total_of_the_figure_before_it():
    text = ("新增上市企业7家、全市第二，总量46家；新增国家级专精特新“小巨人”企业34家，总量81家；"
            "新增专精特新企业624家，总量1568家。")
    assert answer_of("上市企业总量是多少家？", [hit(text)]).text == "46家"
    assert answer_of("专精特新“小巨人”企业总量是多少家？", [hit(text)]).text == "81家"


def test_an_english_question_asks_for_a_total_in_its_own_words():
    labs = "新增全国重点实验室15家、总数达36家，新建省实验室2家。"
    words = {"national": {"全国"}, "key": {"重点"}, "laboratories": {"实验室"}}.get
    total = answer_of("How many national key laboratories are there in total?", [hit(labs)],
                      translate=lambda w: words(w, set()))
    assert total.text == "36家"


def test_a_noun_that_frames_the_question_is_not_the_part_that_asks():
    # 总额 is a cue for an amount; here it only says of what total the asked figure is a part
    text = "固定资产投资总额实现808亿元，其中社会投资694亿元、增长23%。"
    assert answer_of("固定资产投资总额中，社会投资是多少亿元？", [hit(text)]).text == "694亿元"
    text = "全市货物进出口总额5659.9亿元，比上年下降9.0%。其中，出口3333.1亿元、下降11.8%。"
    assert answer_of("进出口总额里，出口那一块是多少钱？", [hit(text)]).text == "3333.1亿元"
    assert answer_of("进出口总额是多少？", [hit(text)]).text == "5659.9亿元"


def test_a_list_of_figures_names_each_by_its_own_words_and_shares_its_subject():
    text = "完成核心区平房申请式退租，老旧小区改造开工742个、完工548个，启动危旧楼房改建。"
    assert answer_of("老旧小区改造完工了多少个？", [hit(text)]).text == "548个"
    assert answer_of("老旧小区改造开工了多少个？", [hit(text)]).text == "742个"
    text = "向区政协通报情况，办理人大代表建议232件、政协提案127件，答复率100%。"
    assert answer_of("办理了多少件政协提案？", [hit(text)]).text == "127件"
    assert answer_of("办理了多少件人大代表建议？", [hit(text)]).text == "232件"
    # a member written with reading words only is the same thing read otherwise, not another
    text = "新增国家级专精特新“小巨人”企业296家、总数达1025家。"
    assert answer_of("国家级专精特新“小巨人”企业一共有几家？", [hit(text)]).text == "1025家"
    assert answer_of("新增了几家国家级专精特新“小巨人”企业？", [hit(text)]).text == "296家"
    # a clause after ， whose verb alone leads to its figure is a member too: its subject is before
    text = "完成新开工及筹集保障性安居工程项目10878套，竣工3498套；城镇登记失业率控制在3%以内。"
    assert answer_of("保障性安居工程竣工了多少套？", [hit(text)]).text == "3498套"
    assert answer_of("新开工及筹集保障性安居工程项目多少套？", [hit(text)]).text == "10878套"
    # …but not a clause that reads the same thing (总长达) nor one after a list of its own
    text = "全年新增地铁线路长度22.4公里，总长达449公里。"
    assert answer_of("地铁线网总长度达到多少公里？", [hit(text)]).text == "449公里"


def test_a_body_renamed_in_official_use_is_found_under_either_name():
    # 市场主体 became 经营主体 in 2023: a question in the old name asks about the new one
    text = "深化信用体系建设，依法依规帮助6.8万家经营主体修复信用，新增个体工商户12万户。"
    assert answer_of("让多少家市场主体摆脱了失信？", [hit(text)]).text == "6.8万家"


def test_the_noun_asked_after_the_question_word_names_the_figure_right_after_it():
    text = "新增统筹安排52.3亿元资金支持稳增长。筹措30.5亿元撬动“桂惠贷”新增贷款2317.3亿元，惠及经营主体12万户。"
    assert answer_of("“桂惠贷”撬动了多少新增贷款？", [hit(text)]).text == "2317.3亿元"


def test_a_target_that_a_result_met_is_not_what_was_done():
    text = "建设筹集公共住房44万套，超额完成“十三五”时期40万套的目标任务。"
    assert answer_of("“十三五”期间建设筹集了多少套公共住房？", [hit(text)]).text == "44万套"
    # a count of tasks is asked by naming them
    text = "政府工作报告确定的127项重点任务全部完成。"
    assert answer_of("政府工作报告确定了多少项重点任务？", [hit(text)]).text == "127项"


def test_the_words_after_the_count_word_say_whose_things_are_counted():
    text = "新增上市企业12家，上市企业总数达216家。"
    assert answer_of("新增了多少家国家高新技术企业？", [hit(text)]) is None
    assert answer_of("新增了多少家上市企业？", [hit(text)]).text == "12家"


def test_town_and_country_residents_are_statistics_of_their_own():
    text = "全体居民人均可支配收入增长5%，农村居民人均可支配收入增长6.1%，均跑赢城镇居民。"
    assert answer_of("城镇居民人均可支配收入增长了多少？", [hit(text)]) is None
    assert answer_of("农村居民人均可支配收入增长了多少？", [hit(text)]).text == "6.1%"


def test_exports_are_not_imports_and_exports():
    text = "全省进出口总额突破7000亿元，增速中部领先。"
    assert answer_of("出口总额是多少亿元？", [hit(text)]) is None
    assert answer_of("进出口总额是多少亿元？", [hit(text)]).text == "7000亿元"


def test_two_subjects_joined_by_he_each_have_their_figure_after_fen_bie():
    text = "先进制造业和高技术制造业增加值占规模以上工业比重分别提高到55%、29.5%，金融业增加值达1.1万亿元。"
    assert answer_of("高技术制造业增加值占规模以上工业的比重是多少？", [hit(text)]).text == "29.5%"
    assert answer_of("先进制造业增加值占规模以上工业的比重是多少？", [hit(text)]).text == "55%"


def test_a_share_written_as_a_fraction_answers_how_large_a_share():
    text = "外贸进出口增长6.8%，跨境电商平台进出口增长20.1%，船舶海工出口规模占全国1/3。"
    assert answer_of("船舶海工出口在全国大概占多大份额？", [hit(text)]).text == "1/3"
    text = "推行“提前申报”，进口查验通关时间压缩三分之二。"
    assert answer_of("进口查验通关时间压缩了多少？", [hit(text)]).text == "三分之二"


def test_the_last_count_word_is_the_one_that_asks():
    text = "先后出台纾困“十条”等3个政策，累计拨付资金10.68亿元，惠及企业1.4万家。"
    assert answer_of("出台的几个纾困“十条”政策一共拨付了多少资金？", [hit(text)]).text == "10.68亿元"
    assert answer_of("先后出台了几个纾困政策？", [hit(text)]).text == "3个"


def test_a_part_in_brackets_after_a_figure_is_its_own_figure():
    text = "建成轨道交通线路14条（含有轨电车2条）、运营里程459.4公里（含有轨电车16.71公里）。"
    assert answer_of("轨道交通运营里程中，有轨电车占了多少公里？", [hit(text)]).text == "16.71公里"
    assert answer_of("轨道交通运营里程是多少公里？", [hit(text)]).text == "459.4公里"


def test_a_verb_of_change_names_nothing_of_what_changed():
    text = ("战略性新兴产业产值占规上工业比重43.6%、提高0.7个百分点，"
            "高技术制造业增加值占规上工业比重16.1%、提高2.1个百分点。")
    assert answer_of("高技术制造业增加值在规上工业中的占比提高了几个百分点？", [hit(text)]).text == "2.1个百分点"
    assert answer_of("战略性新兴产业产值占规上工业的比重提高了几个百分点？", [hit(text)]).text == "0.7个百分点"


def test_a_change_reads_past_a_clause_that_names_nothing_to_the_figure_before_it():
    text = ("全年实现地区生产总值（GDP）19917.0亿元，按可比价格计算，比上年增长8.6%。"
            "按常住人口计算，人均地区生产总值94622元，增长6.7%。")
    assert answer_of("地区生产总值比上年增长多少？", [hit(text)]).text == "8.6%"


def test_a_statistic_the_dictionary_tags_as_a_verb_is_still_what_is_measured():
    text = "经济体量从建区时的78亿元发展到如今的9500亿元左右，利用专项债4.9亿元，获一般债额度1亿元。"
    assert answer_of("一般公共预算收入是多少亿元？", [hit(text)]) is None
    assert answer_of("居民人均可支配收入是多少？", [hit("人均GDP超过23万元，同比增长9.0%。")]) is None
    text = "一般公共预算收入45.2亿元，增长5.1%；获一般债额度1亿元。"
    assert answer_of("一般公共预算收入是多少亿元？", [hit(text)]).text == "45.2亿元"


def test_the_clause_that_names_more_of_the_question_is_the_statistic_asked():
    text = "战略性新兴产业增加值222.69亿元，其中高端装备制造产业增加值增长15.5%、新一代电子信息产业增加值增长36.5%。"
    assert answer_of("高端装备制造产业增加值是多少亿元？", [hit(text)]) is None
    assert answer_of("战略性新兴产业增加值是多少亿元？", [hit(text)]).text == "222.69亿元"
    assert answer_of("高端装备制造产业增加值增长了多少？", [hit(text)]).text == "15.5%"
    text = "全年城镇新增就业人员10.8万人，失业人员实现再就业2.0万人，就业困难人员实现就业0.8万人。"
    assert answer_of("就业困难人员实现就业多少万人？", [hit(text)]).text == "0.8万人"
    text = "梳理地方性法规、政府规章执法条款适用频次和兜底条款，共涉及地方性法规11部，排摸执法条款187条。"
    assert answer_of("兜底条款梳理中一共排摸了多少条执法条款？", [hit(text)]).text == "187条"
    text = "今年经济社会发展的主要预期目标是：经济增长6%左右；城镇调查失业率5.5%左右。"
    assert answer_of("经济增长的预期目标是多少？", [hit(text)]).text == "6%左右"


def test_a_figure_of_town_or_country_residents_is_no_figure_of_all_residents():
    text = "全州城镇常住居民人均可支配收入40867元，比上年增长4.0%。全州农村常住居民人均可支配收入14239元，比上年增长8.3%。"
    assert answer_of("城乡合计的居民人均可支配收入是多少元？", [hit(text)]) is None
    assert answer_of("居民人均可支配收入是多少元？", [hit(text)]) is None
    assert answer_of("农村居民人均可支配收入是多少元？", [hit(text)]).text == "14239元"
    assert answer_of("城里人人均可支配收入是多少元？", [hit(text)]).text == "40867元"
    text = "全体居民人均可支配收入47948元，增长4.1%；城镇居民人均可支配收入54897元。"
    assert answer_of("全体居民人均可支配收入是多少？", [hit(text)]).text == "47948元"


def test_a_body_the_question_names_must_be_named_before_its_figure():
    text = ("全年新开通5条国际货运航线，旅客、货邮吞吐量分别达4447.2万人次和64.9万吨，"
            "双流国际机场旅客吞吐量4011.7万人次，居全国第二；天府国际机场正式通航投运，旅客吞吐量435.5万人次。")
    assert answer_of("双流国际机场货邮吞吐量是多少万吨？", [hit(text)]) is None
    assert answer_of("天府国际机场旅客吞吐量是多少？", [hit(text)]).text == "435.5万人次"
    assert answer_of("全市货邮吞吐量是多少万吨？", [hit(text)]).text == "64.9万吨"
    text = "全市普通中学277所，在校学生31.69万人；地铁实现客运量10.96亿人次。"
    assert answer_of("南京大学在校学生有多少人？", [hit(text)]) is None
    assert answer_of("地铁1号线客运量是多少亿人次？", [hit(text)]) is None
    assert answer_of("地铁客运量是多少亿人次？", [hit(text)]).text == "10.96亿人次"


def test_a_citys_own_port_is_named_by_the_report():
    shenzhen = {"r.txt": ReportIdentity("r.txt", title="2024年深圳市政府工作报告", region="深圳市", region_code="440300")}
    text = "港口集装箱吞吐量2988万标箱，增长5%。"
    assert answer_of("深圳港集装箱吞吐量是多少标箱？", [hit(text)], reports=shenzhen).text == "2988万标箱"
    assert answer_of("盐田港集装箱吞吐量是多少标箱？", [hit(text)], reports=shenzhen) is None


def test_a_noun_qualified_by_another_word_than_the_questions_is_another_things():
    text = "高速公路，建成临沂至滕州等15个项目，高速公路通车里程突破9300公里。"
    assert answer_of("高铁通车里程是多少公里？", [hit(text)]) is None
    assert answer_of("高速公路通车里程是多少公里？", [hit(text)]).text == "9300公里"
    # 总 of a total, and a word the report takes as read, qualify nothing
    text = "全年全市实现旅游总收入2187.3亿元，按可比口径增长10.6%。"
    assert answer_of("旅游收入是多少亿元？", [hit(text)]).text == "2187.3亿元"
    # nor a year or a time glued to the words before the noun (2022年全社会 → 年全)
    text = "2022年，全社会研发投入90.06亿元，增长27.9%。"
    assert answer_of("2022年全社会研发投入一共多少钱？", [hit(text)]).text == "90.06亿元"


def test_a_question_word_glued_to_a_verb_is_no_noun_the_reports_lack():
    days = [hit("空气质量优良天数占比97.8%、提升5.7个百分点。")]
    spoken_of = {"空气", "质量", "优良", "天数", "占比", "天气", "日子", "比例", "好"}.__contains__
    question = "一年里好天气的日子占多大比例？"
    assert judge_answerable(Query.of(question, Words(spoken_of)), days, None, present=spoken_of)
