"""Tables written as text: each figure with its row, column and unit."""

from rag.tables import cells

TABLE = """表3：2022年规模以上工业企业主要工业产品产量及其增长速度
产品名称 单位 产量 比上年增长（%）
汽车 万辆 62.1 7.1
移动通信手持机（手机） 万台 406.3 -40.3
全年实现货物进出口总额8346.4亿元，比上年增长2.3%。
集成电路 亿块 89.5 2.1
"""


def figures(text):
    return [(c.row, c.column, c.unit, text[c.start:c.end]) for c in cells(text)]


def test_each_figure_is_read_with_its_row_column_and_unit():
    assert figures(TABLE)[:4] == [("汽车", "产量", "万辆", "62.1"), ("汽车", "比上年增长", "万辆", "7.1"),
                                  ("移动通信手持机（手机）", "产量", "万台", "406.3"),
                                  ("移动通信手持机（手机）", "比上年增长", "万台", "-40.3")]


def test_a_sentence_ends_the_table():
    # 集成电路 follows a sentence, not the titles: no row of the table above.
    assert not any(row == "集成电路" for row, *_ in figures(TABLE))


def test_a_column_title_may_name_the_unit():
    text = "指标 2022年（亿元） 比上年增长（%）\n地区生产总值 20817.5 2.8\n其中:第一产业 588.4 3.8\n"
    assert figures(text) == [("地区生产总值", "2022年", "亿元", "20817.5"), ("地区生产总值", "比上年增长", "%", "2.8"),
                             ("第一产业", "2022年", "亿元", "588.4"), ("第一产业", "比上年增长", "%", "3.8")]


def test_rows_that_do_not_line_up_with_the_titles_are_no_rows():
    assert figures("产品名称 单位 产量\n汽车 万辆\n木质 家具 万件 1249.9\n") == []


def test_a_unit_column_may_be_called_by_another_name():
    text = "产品名称 计量单位 2022年 比上年增长（%）\n汽车 辆 363399 1.9\n#新能源汽车 辆 154999 184.3\n"
    assert figures(text)[2] == ("#新能源汽车", "2022年", "辆", "154999")


def test_a_figure_knows_where_its_table_starts_caption_included():
    text = "全年货物进出口总额8346.4亿元。\n" + TABLE
    first = cells(text)[0]
    assert text[first.table_start:].startswith("表3：2022年规模以上工业企业主要工业产品产量及其增长速度\n产品名称")
    untitled = "指标 2022年（亿元） 比上年增长（%）\n地区生产总值 20817.5 2.8\n"
    assert cells(untitled)[0].table_start == 0


def test_a_rows_mark_or_number_written_apart_is_no_cell_of_its_own():
    text = ("国别和地区 出口额（亿元） 比上年增长（%） 进口额（亿元） 比上年增长（%）\n"
            "一、亚洲 1675.7 -0.7 1446.9 10.9\n# 日本 146.1 -19.1 307.9 6.5\n韩国 270.3 -2.0 494.7 19.4\n")
    rows = [(row, column, figure) for row, column, _, figure in figures(text) if "增长" not in column]
    assert rows == [("亚洲", "出口额", "1675.7"), ("亚洲", "进口额", "1446.9"), ("#日本", "出口额", "146.1"),
                    ("#日本", "进口额", "307.9"), ("韩国", "出口额", "270.3"), ("韩国", "进口额", "494.7")]


def test_a_row_without_figures_does_not_end_the_table():
    text = "指标 计量单位 绝对量 比上年增长（%）\n铁路 万吨公里 - -\n民航 万吨公里 6511.91 -23.1\n"
    assert figures(text) == [("民航", "绝对量", "万吨公里", "6511.91"), ("民航", "比上年增长", "万吨公里", "-23.1")]
