"""Chunking on layouts met in real reports: back matter, glossaries, list items, lead lines,
unnumbered section titles — and every character of body text in exactly one passage."""

import pytest

from rag.chunk import _paragraphs, chunk_report
from tests.paths import PROJECT_ROOT

CORPUS_FILES = sorted(p for folder in ("data", "eval/corpus") for p in (PROJECT_ROOT / folder).glob("*.txt"))


def passages_of(name):
    path = PROJECT_ROOT / "eval" / "corpus" / name
    return chunk_report(path.read_text(encoding="utf-8-sig"), name)


def holding(passages, fragment):
    return next(p for p in passages if fragment in p.text)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_every_character_of_body_text_is_in_exactly_one_passage(path):
    """Bug: numbered glossary items (1.“两重”：……) were read as headings and their text was
    in no passage, so it could never be cited. Now a character is either in exactly one
    passage or part of a heading that some passage shows in its heading path."""
    text = path.read_text(encoding="utf-8-sig")
    passages = chunk_report(text, path.name)
    owners = [0] * len(text)
    for p in passages:
        assert text[p.start:p.end] == p.text
        for i in range(p.start, p.end):
            owners[i] += 1
    assert max(owners) == 1
    shown = {h for p in passages for h in p.heading_path}
    lost = []
    for para in _paragraphs(text):
        line = text[para.start:para.end]
        uncovered = [i for i in range(para.start, para.end) if not owners[i] and not text[i].isspace()]
        if uncovered and not (uncovered[0] == para.start and any(line.startswith(h) for h in shown)):
            lost.append(line[:40])
    assert lost == []


def test_a_glossary_is_its_own_section_and_its_items_are_passages():
    passages = passages_of("sichuan-gov-work-report-2025.txt")
    item = holding(passages, "“两重”：是指国家重大战略实施和重点领域安全能力建设")
    assert item.heading_path == ("名词解释",)
    assert item.text.startswith("6.“两重”")
    assert holding(passages, "六大优势产业：省委十二届三次全会").heading_path == ("名词解释",)


def test_appendices_sit_at_the_top_with_their_titles():
    passages = passages_of("guangdong-gov-work-report-2023.txt")
    assert holding(passages, "开展“粤菜师傅”培训4万人次以上").heading_path == (
        "附件1", "2023年省十件民生实事", "一、深入实施“粤菜师傅”“广东技工”“南粤家政”三项工程")
    assert holding(passages, "“港澳药械通”：通过创新").heading_path == ("附件2", "名词解释")
    jiangxi = passages_of("jiangxi-gov-work-report-2025.txt")
    assert holding(jiangxi, "“两重”、“两新”").heading_path == ("附件", "《政府工作报告》有关内容名词注释")


def test_unnumbered_section_titles_are_headings():
    passages = passages_of("sichuan-gov-work-report-2025.txt")
    assert holding(passages, "面对下行压力加大").heading_path == ("2024年工作回顾", "（一）巩固增强经济回升向好态势")
    assert holding(passages, "依托我省独特战略位势").heading_path[0] == "2025年工作安排建议"
    nanshan = passages_of("shenzhen-nanshan-gov-work-report-2023.txt")
    assert holding(nanshan, "我们有效应对复杂多变的疫情形势").heading_path == ("2022年工作回顾", "一、切实做到“疫情要防住”")


def test_a_title_broken_across_two_lines_keeps_both_parts():
    passages = passages_of("chongqing-gov-work-report-2025.txt")
    assert holding(passages, "旗帜鲜明讲政治，深学细悟").heading_path == (
        "三、持续提升政府", "治理效能和服务水平", "（一）以政治铸魂淬炼忠诚")


def test_a_table_cell_or_a_number_is_not_a_heading():
    for name in ("zhoukou-stats-communique-2023.txt", "qiandongnan-stats-communique-2023.txt"):
        paths = {h for p in passages_of(name) for h in p.heading_path}
        assert not any(h.replace(".", "").lstrip("-").isdigit() or h == "农村" for h in paths), paths
    notes = holding(passages_of("luoyang-stats-communique-2023.txt"), "本公报2023年数据为初步统计结果")
    assert notes.heading_path == ("注释：",)


def test_a_table_row_of_a_name_and_its_figures_is_not_a_heading():
    # 其他用品和服务 102.0, the last row of a price table, was a title over the rest of the report.
    for name in ("chengdu-stats-communique-2022.txt", "chengdu-stats-communique-2021.txt"):
        passages = passages_of(name)
        table = holding(passages, "居民消费价格指数")
        assert "其他用品和服务 10" in table.text and table.heading_path == ("一、综合", "（四）物价")
        assert holding(passages, "年末常住人口").heading_path == ("一、综合", "（五）人口")
        assert holding(passages, "汽车 万辆").heading_path == ("二、国民经济各行业", "（二）工业和建筑业")
        assert not any(any(ch.isdigit() for ch in p.heading_path[0][-3:]) for p in passages if p.heading_path)


def test_numbered_lines_with_nothing_under_them_are_cited_list_items():
    text = "一、总体要求\n今年的工作很多，下面分项说明，以便对照检查和推进落实各项任务，确保完成。\n" \
           "二、十件实事\n1．新建学校10所。\n2．新增床位500张。\n三、保障\n加强组织领导，层层压实责任，确保各项任务落地见效，形成工作合力。\n"
    passages = chunk_report(text, "r.txt")
    items = holding(passages, "新建学校10所")
    assert items.heading_path == ("二、十件实事",) and "2．新增床位500张。" in items.text


def test_a_lead_line_is_cited_with_the_paragraph_it_introduces():
    body = "我们坚持稳中求进，经济总量迈上新台阶，地区生产总值年均增长6.2%，居民收入同步增长，城乡面貌发生深刻变化。"
    text = f"一、过去五年工作回顾\n这是极不平凡的五年。\n{body}\n"
    [passage] = chunk_report(text, "r.txt")
    assert passage.text == f"这是极不平凡的五年。\n{body}"


def test_the_sentence_opening_a_list_goes_with_its_first_item_and_frames_the_rest():
    # 深圳 2021: the sentence before 一是 was a passage of 20 characters on its own, and a
    # question about 差距和挑战 found it and none of the items.
    passages = passages_of("shenzhen-gov-work-report-2021.txt")
    opening = "我们也清醒看到深圳发展存在的差距和挑战。"
    first = holding(passages, opening)
    assert first.text.startswith(opening) and "一是深圳在综合实力" in first.text
    second = holding(passages, "二是关键核心技术")
    assert second.context == opening and opening in second.match_text()
    assert not any(p.text == opening for p in passages)
    # A first item too long for one passage still gives its title to the pieces after it.
    hunan = passages_of("hunan-gov-work-report-2025.txt")
    first = holding(hunan, "一是奋力拼经济，稳住经济基本盘")
    following = hunan[hunan.index(first) + 1]
    assert following.context == "一是奋力拼经济，稳住经济基本盘"
