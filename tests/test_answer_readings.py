"""What a figure is, read from its sentence: a gap to another's, the end of a change in a
list, a scope that excludes the asked one, units the measure-word list lacks."""

import pytest

from rag.query import Query
from rag.sections import section_of, years_of_titles
from rag.spans import PATTERNS
from tests.test_answer import Words, answer_of, hit

GAP = "传统产业加快改造升级，制造业技改投资增速23.9%，高于全国15.9个百分点。"


def test_a_gap_to_another_figure_answers_only_a_question_about_the_gap():
    assert answer_of("制造业技改投资增速比全国高出多少？", [hit(GAP)]).text == "15.9个百分点"
    assert answer_of("制造业技改投资增长了多少？", [hit(GAP)]).text == "23.9%"
    # the gap alone is stated: no growth of 外资 is
    assert answer_of("实际利用外资增长了多少？", [hit("利用外资稳中提质，实际利用外资增速高于全国30.6个百分点。")]) is None
    target = "规模以上工业增加值增长4.0%，高于年初目标任务3.5个百分点。"
    assert answer_of("规模以上工业增加值增速比年初目标高出多少？", [hit(target)]).text == "3.5个百分点"


def test_each_figure_of_a_list_of_changes_is_read_as_the_start_or_the_end():
    text = ("困难残疾人生活补贴、重度残疾人护理补贴标准分别从每人每月202元、270元提高到209元、280元。"
            "集中供养孤儿基本生活保障省定最低标准从每人每月2295元提高到2375元。")
    assert answer_of("困难残疾人生活补贴标准要提高到每人每月多少钱？", [hit(text)]).text == "209元"
    assert answer_of("重度残疾人护理补贴标准提高到每人每月多少钱？", [hit(text)]).text == "280元"


def test_a_figure_whose_words_name_the_other_scope_is_not_the_asked_ones():
    text = ("城市居民最低生活保障人数5.57万人；月人均保障标准719元，比上年增长8.0%。"
            "农村最低生活保障人数17.68万人，年人均保障标准6078元，比上年增长15.0%。")
    assert answer_of("城市居民最低生活保障的月人均保障标准是多少？", [hit(text)]).text == "719元"
    assert answer_of("农村最低生活保障的年人均保障标准是多少？", [hit(text)]).text == "6078元"
    trade = "全年货物进口额1.2万亿元，增长3.1%。"
    assert answer_of("货物出口额是多少？", [hit(trade)]) is None
    assert answer_of("货物进出口额是多少？", [hit("货物进出口额2.5万亿元。")]).text == "2.5万亿元"


def test_percent_asked_as_bai_fen_zhi_ji_reads_the_measured_noun():
    text = "地区生产总值迈上14万亿元新台阶。进出口总额突破9万亿元、增长9.8%。"
    assert answer_of("地区生产总值增长了百分之几？", [hit(text)]) is None
    assert answer_of("进出口总额增长了百分之几？", [hit(text)]).text == "9.8%"


@pytest.mark.parametrize("text, spans", [
    ("全省算力总规模达到15EFlops，长虹", ["15EFlops"]), ("智算规模达8.7万P，", ["8.7万P"]),
    ("带宽4160Gbps；", ["4160Gbps"]), ("建成5G基站", []), ("4A级景区", []), ("PM2.5浓度", []),
    ("智算规模保持全国第1位，", []), ("保持全国第12位，", []), ("第十二届", []),
    ("中华人民共和国成立75周年", []), ("其中入境游客111万、增长", ["111万"]), ("参与人次超630万，", ["超630万"]), ("新增5家", ["5家"]),
])
def test_counts_in_latin_units_in_wan_alone_and_not_ranks(text, spans):
    assert [m.group() for m in PATTERNS["count"].finditer(text)] == spans


def test_people_counted_in_wan_alone_answer_a_question_about_people_only():
    text = "旅游市场持续火热，接待游客1.1亿人次，其中入境游客111万、增长115.6%。"
    assert answer_of("接待入境游客多少人？", [hit(text)]).text == "111万"
    assert answer_of("入境游客消费多少元？", [hit(text)]) is None


def test_a_review_titled_by_its_themes_is_about_the_year_before_the_report():
    themed = ("一、牢记殷殷嘱托，在接续奋斗中新福建建设取得新成效",)
    assert years_of_titles(themed, "2025", ("2025",)) == ({"2024"}, False)
    assert years_of_titles(("一、2024年工作回顾",), "2025", ("2025",)) == ({"2024"}, False)
    assert years_of_titles(("二、2025年工作安排",), "2025", ("2025",)) == ({"2025"}, False)
    assert years_of_titles(("（一）坚持自立自强",), "2025", ("2025",)) == ({"2025"}, False)


def test_a_count_of_people_is_no_amount_of_money():
    text = "将小规模纳税人增值税起征点从月销售额3万元提高到15万元。"
    assert answer_of("有多少纳税人得到好处？", [hit(text)]) is None
    assert answer_of("有多少纳税人受益？", [hit("提高个人所得税专项附加扣除标准，惠及纳税人6600万人。")]).text == "6600万人"


def test_a_year_asked_without_a_target_word_is_answered_by_its_review_not_its_plan():
    plan = hit("2023年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人左右。", rank=1,
               heading=("二、对今年政府工作的建议",))
    review = hit("城镇新增就业1244万人，城镇调查失业率平均值5.2%。", rank=2, heading=("一、2023年工作回顾",))
    assert answer_of("2023年城镇新增就业多少人？", [plan, review]).text == "1244万人"


def test_the_state_councils_proposals_for_the_year_are_its_plan():
    assert section_of(("二、对今年政府工作的建议",), "") == ("plan", 0)
    assert section_of(("一、存在的问题和建议",), "") == ("problems", 0)


POST = "全年邮政业务总量189.3亿元，比上年增长24.4%；快递业务收入165.7亿元，增长18.9%；快递业务量18.3亿件，增长27.4%。"


def test_a_change_in_a_clause_of_its_own_is_that_of_the_figure_before_it():
    assert answer_of("快递业务量比上年增长了百分之几？", [hit(POST)]).text == "27.4%"
    assert answer_of("快递业务收入比上年增长了多少？", [hit(POST)]).text == "18.9%"


def test_the_noun_before_a_comparison_base_is_what_changed():
    text = "重大工程投资完成2383亿元、增长5.6%。实际使用外资175亿美元左右。"
    assert answer_of("实际使用外资比上年增长了多少？", [hit(text)]) is None
    invest = "工业投资2338.3亿元、增长43.0%。高技术制造业投资增长64.0%，新开工10个重大工业项目。"
    assert answer_of("工业投资比上年增长了多少？", [hit(invest)]).text == "43.0%"


def test_a_change_of_a_share_is_no_gap_to_another_figure():
    river = "全区优良河道长度比例提高28.2%，达到85.8%，提升幅度全市第一。"
    assert answer_of("优良河道长度比例提高了多少？", [hit(river)]).text == "28.2%"


def test_one_particulate_is_no_other():
    text = "PM2.5年均浓度29微克/立方米，全年空气质量达标天数比率为81.6%。"
    assert answer_of("PM10年均浓度是多少微克/立方米？", [hit(text)]) is None
    assert answer_of("PM2.5年均浓度是多少微克/立方米？", [hit(text)]).text == "29微克/立方米"


def test_typed_words_and_brackets_do_not_hide_what_is_counted():
    port = "2023年全市港口货物吞吐量4081万吨，同比增长23.5%。"
    typed = answer_of("港口货物吞土量是多少？", [hit(port)], in_corpus=lambda t: t != "吞土量")  # a typo: no report word
    assert typed.text == "4081万吨"
    crops = "中草药材、园林水果产量分别增长1.9%、6.2%、2.7%。"
    assert answer_of("手机产量比上年增长（%）是多少？", [hit(crops)]) is None


def test_how_many_there_are_is_no_count_of_those_added():
    text = "国高企业达到7061家，连续六年全国区县级第一。"
    assert answer_of("新增了多少家国高企业？", [hit(text)]) is None
    assert answer_of("国高企业有多少家？", [hit(text)]).text == "7061家"
    # grain is weighed, not measured in 亩
    assert answer_of("全市地里一共收了多少粮食？", [hit("全年全市粮食种植面积744.8万亩。")]) is None


def test_new_energy_is_no_addition():
    text = "新能源汽车产量达到95.3万辆，集成电路产量增长1倍多。"
    assert answer_of("新能源汽车产量是多少？", [hit(text)]).text == "95.3万辆"
    assert answer_of("新增新能源汽车多少辆？", [hit(text)]) is None
    assert not Query.of("How many new energy vehicles did Chongqing produce?", Words()).asked.wants_new


def test_a_thing_counted_only_with_others_gets_no_figure_not_even_a_weaker_one():
    text = ("北汽、小米、理想等重点整车项目陆续投产、在京生产新能源汽车约30万辆、增长近3倍。"
            "毫不松懈抓好空气污染治理，新能源汽车保有量超100万辆。")
    assert answer_of("小米汽车在北京生产了多少辆新能源汽车？", [hit(text)]) is None
    assert answer_of("在京生产了多少辆新能源汽车？", [hit(text)]).text == "约30万辆"
    parks = "连平、河源和吉安共建产业园入驻企业27家，产值超30亿元。为61家企业配租创新型产业用房。"
    assert answer_of("连平共建产业园入驻了多少家企业？", [hit(parks)]) is None
