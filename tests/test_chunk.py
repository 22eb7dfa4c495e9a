"""Chunking by heading: offsets, heading paths, sizes, and what is never split."""

import re

import pytest

from rag.chunk import CLOSING_LABEL, chunk_report
from rag.headings import parse_heading
from rag.split import split_points

SOURCE = "report.txt"


@pytest.fixture(scope="module")
def passages(report_text):
    return chunk_report(report_text, SOURCE)


def find(passages, needle):
    found = [p for p in passages if needle in p.text]
    assert len(found) == 1, f"{needle!r} is in {len(found)} passages"
    return found[0]


def test_every_offset_round_trips(passages, report_text):
    assert passages
    for p in passages:
        assert report_text[p.start : p.end] == p.text
        assert p.source == SOURCE


def test_no_passage_exceeds_300_characters(passages):
    assert max(len(p.text) for p in passages) <= 300


def test_passages_cover_the_report_in_order(passages, report_text):
    """Every non-heading character of the body is in some passage, in reading order."""
    starts = [p.start for p in passages]
    assert starts == sorted(starts)
    covered = "".join(p.text for p in passages)
    for fact in ["7968家", "倪俊南", "2024年1月5日", "抄送：市委依法治市办", "市委，市政府，市场监管总局："]:
        assert fact in covered


def test_heading_path_of_the_7968_passage(passages):
    p = find(passages, "7968家经营主体")
    assert p.heading_path == (
        "一、主要举措和成效",
        "（二）完善行政执法工作体制机制，推进严格规范公正文明执法",
        "3．创新行政执法方式",
    )
    assert p.text.startswith("一是深入实施")


@pytest.mark.parametrize("needle, path", [
    ("评估清理涉及市场监管职责", ("一、主要举措和成效", "（一）深化法律规范体系建设，提升市场监管规范化法治化水平",
                              "2．做好评估清理工作")),
    ("倪俊南在中共上海市", ("二、党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的情况",
                        "（三）市局主要负责人就2022年度履行推进法治建设第一责任人职责情况进行专题述法")),
    ("仍存在短板和不足", ("三、存在不足和原因",)),
    ("十佳处罚决定书", ("四、2024年工作设想", "（五）更严要求维护市场秩序，服务全国统一大市场建设")),
    ("2024年1月5日", (CLOSING_LABEL,)),
    ("市委，市政府，市场监管总局", ()),
])
def test_heading_paths_are_exact(passages, needle, path):
    assert find(passages, needle).heading_path == path


def test_heading_text_is_not_in_the_cited_body(passages):
    p = find(passages, "评估清理涉及市场监管职责")
    assert p.text.startswith("评估清理涉及")  # "2．做好评估清理工作。" is the heading, not body


def test_inline_items_start_their_own_passages(passages):
    section = [p for p in passages if p.heading_path[-1:] == ("1．加强重点领域监管执法",)]
    firsts = [p.text[:2] for p in section if not p.context]
    assert firsts == ["一是", "二是", "三是", "四是", "五是", "六是", "七是"]


def test_a_split_item_carries_its_lead_as_context(passages):
    later = find(passages, "查处各类个人信息保护案件40件")
    assert later.context == "二是有序开展重点领域专项整治"
    assert "二是有序开展重点领域专项整治" in later.match_text()


@pytest.mark.parametrize("fact", ["7968家", "96.1％", "1.07万家次", "2023年1月—11月", "2019年3月至2023年11月",
                                  "《长三角地区市场监管领域轻微违法行为不予处罚和从轻减轻处罚规定》"])
def test_facts_are_never_split(report_text, fact):
    for max_chars in (300, 120, 60, 40):
        passages = chunk_report(report_text, SOURCE, max_chars)
        for m in re.finditer(re.escape(fact), report_text):
            assert any(p.start <= m.start() and m.end() <= p.end for p in passages), (fact, max_chars)


def test_long_text_without_sentence_ends_splits_between_words():
    text = "，".join(["全市共检查相关经营主体1.07万家次", "发布《上海市网络零售平台合规指引》", "年报公示率达96.1％",
                     "对7968家经营主体不予行政处罚"] * 6)
    cuts = split_points(text, 50)
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    assert all(len(p) <= 50 for p in pieces)
    for fact in ["1.07万家次", "《上海市网络零售平台合规指引》", "96.1％", "7968家"]:
        # A fact cut in two would be missing from both pieces.
        assert text.count(fact) == sum(p.count(fact) for p in pieces)


def test_even_pieces_not_a_crumb():
    text = "甲" * 10 + "。" + ("乙" * 9 + "。") * 30  # 311 characters
    cuts = split_points(text, 300)
    assert len(cuts) == 1 and 100 < cuts[0] < 211


@pytest.mark.parametrize("paragraph, rank, heading, body", [
    ("一、主要举措和成效", 3, "一、主要举措和成效", ""),
    ("（三）健全依法决策机制", 4, "（三）健全依法决策机制", ""),
    ("2．做好评估清理工作。评估清理涉及法规11件。", 5, "2．做好评估清理工作", "评估清理涉及法规11件。"),
    ("3. Markup style。正文。", 5, "3. Markup style", "正文。"),
    ("（2）细则。正文。", 6, "（2）细则", "正文。"),
    ("第二章 市场监管", 1, "第二章 市场监管", ""),
    ("第十二条 经营者应当依法经营。", 7, "第十二条", "经营者应当依法经营。"),
    ("## Section", -8, "Section", ""),
    # a name the report quotes ends no title, whatever it holds (a ? typed for a ·)
    ("42、开展“欢乐暑期?社工陪伴”关爱行动。举办活动30场。", 5, "42、开展“欢乐暑期?社工陪伴”关爱行动", "举办活动30场。"),
])
def test_parse_heading(paragraph, rank, heading, body):
    h = parse_heading(paragraph)
    assert (h.rank, h.text, paragraph[h.body_offset:]) == (rank, heading, body)


@pytest.mark.parametrize("paragraph", ["1.07万家次经营主体接受检查。", "2023年，市局法治建设取得成绩。", "一是落实制度。",
                                       "# 日本 146.1 -19.1 307.9 6.5",  # a table's part-row, marked #
                                       "一、亚洲 1675.7 -0.7 1446.9 10.9",  # a table's numbered row
                                       "1.汽车 万辆 62.1 7.1", "（二）粮食 万吨 - 2.3"])  # …with a unit, a missing cell
def test_body_text_is_not_a_heading(paragraph):
    assert parse_heading(paragraph) is None


def test_a_tables_numbered_rows_leave_the_sections_heading_alone():
    # 南京's 2022 communiqué numbers the continents of its trade table: rows, not sections
    text = ("2022年南京市国民经济和社会发展统计公报\n五、国内贸易\n" + "全年社会消费品零售总额7832.41亿元。" * 3 +
            "\n六、对外经济\n表5  2022年南京对主要国家、地区贸易情况\n国别和地区 出口额（亿元） 进口额（亿元）\n"
            "合计 3827.9 2464.2\n一、亚洲 1675.7 1446.9\n韩国 270.3 494.7\n二、非洲 213.5 105.9\n"
            + "外资规模稳步提升。全年实际使用外资48.5亿美元，比上年增长10.5%。" * 3 + "\n七、交通、邮电和旅游\n"
            + "全年货物运输总量45758.32万吨，比上年下降7.3%。" * 3 + "\n")
    passages = chunk_report(text, "r.txt")
    path = {fact: next(p.heading_path for p in passages if fact in p.text) for fact in ("韩国 270.3", "外资规模稳步提升")}
    assert path == {"韩国 270.3": ("六、对外经济",), "外资规模稳步提升": ("六、对外经济",)}


def test_law_style_document():
    text = "第一章 总则\n\n第一条 为了规范市场秩序，制定本办法。\n\n第二条 本办法适用于本市。\n\n第二章 附则\n\n第三条 本办法自公布之日起施行。"
    passages = chunk_report(text, "law.md")
    assert [(p.heading_path, p.text) for p in passages] == [
        (("第一章 总则", "第一条"), "为了规范市场秩序，制定本办法。"),
        (("第一章 总则", "第二条"), "本办法适用于本市。"),
        (("第二章 附则", "第三条"), "本办法自公布之日起施行。"),
    ]


def test_rows_cut_from_their_tables_titles_carry_them():
    rows = "".join(f"产品{i} 万吨 {100 + i}.5 {i}.1\n" for i in range(40))
    text = ("2022年某市国民经济和社会发展统计公报\n三、工业\n" + "全年规模以上工业增加值增长5.9%。" * 3 +
            "\n表2  2022年主要工业产品产量情况\n产品名称 计量单位 2022年 比上年增长（%）\n" + rows +
            "四、建筑业\n" + "全年建筑业增加值1443.8亿元，比上年增长4.9%。" * 3 + "\n")
    passages = [p for p in chunk_report(text, "r.txt") if "万吨" in p.text]
    assert len(passages) > 1 and passages[0].text.startswith("表2")
    for p in passages[1:]:
        assert p.context == "表2  2022年主要工业产品产量情况\n产品名称 计量单位 2022年 比上年增长（%）"
    assert sum(p.text.count("万吨") for p in passages) == 40  # every row once, cited from the file
