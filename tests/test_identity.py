"""Report identity read from the documents, and questions scoped to the reports they name."""

import pytest

from rag import Filters, Query, Retriever
from rag.identity import ReportIdentity, identify
from rag.places import Place, find_places
from rag.scope import Scope, scope_of
from tests.conftest import FakeEmbedder
from tests.paths import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "eval" / "corpus"


def identity_of(name):
    path = CORPUS / name
    from rag.load import read_meta

    return identify(name, path.read_text(encoding="utf-8-sig"), read_meta(path))


@pytest.mark.parametrize("name, title, body, region, code, years, date", [
    ("shanghai-samr-2023-rule-of-law-report.txt", "上海市市场监督管理局关于2023年度法治政府建设情况的报告",
     "上海市市场监督管理局", "上海市", "3101", {"2023"}, "2024年1月5日"),
    ("sichuan-gov-work-report-2025.txt", "2025年四川省政府工作报告", "四川省人民政府", "四川省", "51",
     {"2024", "2025"}, "2025年1月20日"),
    ("luoyang-stats-communique-2023.txt", "2023年洛阳市国民经济和社会发展统计公报①", "洛阳市统计局", "洛阳市",
     "4103", {"2023"}, "2024年4月30日"),
    # No title block in the text: the sidecar gives it; the body is read from 我代表南山区人民政府,
    # and of the two 南山区 (深圳, 鹤岗) the one whose city the text names.
    ("shenzhen-nanshan-gov-work-report-2023.txt", "2023年深圳市南山区政府工作报告", "南山区人民政府", "南山区",
     "440305", {"2022", "2023"}, ""),
    ("qiandongnan-stats-communique-2023.txt", "黔东南苗族侗族自治州2023年国民经济和社会发展统计公报",
     "黔东南州统计局", "黔东南苗族侗族自治州", "5226", {"2023"}, "2024年5月7日"),
])
def test_identity_is_read_from_the_document(name, title, body, region, code, years, date):
    r = identity_of(name)
    assert (r.title, r.body, r.region, r.region_code, r.date) == (title, body, region, code, date)
    assert years <= set(r.years)


def test_a_report_covers_the_years_its_review_looks_back_on():
    # Given in 2023, it reviews 过去五年 and never writes 2022年 in a section title: a question
    # about Guangdong in 2022 is about this report, not refused as a year no report covers.
    assert {"2018", "2019", "2020", "2021", "2022", "2023"} <= set(identity_of("guangdong-gov-work-report-2023.txt").years)
    looks_back = identify("r.txt", "2023年某市政府工作报告\n去年，全市经济稳中向好。\n")
    assert set(looks_back.years) == {"2022", "2023"}


def test_places_are_found_with_and_without_their_suffix():
    assert [(p.name, p.code) for p in find_places("四川2025年粮食产量目标")] == [("四川省", "51")]
    assert [p.name for p in find_places("黔东南州森林覆盖率")] == ["黔东南苗族侗族自治州"]
    assert [p.name for p in find_places("内蒙古和广西")] == ["内蒙古自治区", "广西壮族自治区"]
    assert find_places("南山的天然气用户") == []  # a county's bare name is an ordinary word…
    nanshan = Place("南山区", "440305")
    assert [p.code for p in find_places("南山的天然气用户", also=[nanshan])] == ["440305"]  # …unless indexed


REPORTS = {
    "sz.txt": ReportIdentity("sz.txt", region="深圳市", region_code="4403", years=("2023", "2024")),
    "ns.txt": ReportIdentity("ns.txt", region="南山区", region_code="440305", years=("2022", "2023")),
    "ba.txt": ReportIdentity("ba.txt", region="宝安区", region_code="440306", years=("2022", "2023")),
    "sc.txt": ReportIdentity("sc.txt", region="四川省", region_code="51", years=("2024", "2025")),
}


class Lexicon:
    def contains(self, term):
        return term in "成都地铁 湖南"

    def translations(self, word):
        return frozenset()

    def expansions(self, tokens):
        return {}

    def regions(self):
        return [r.place for r in REPORTS.values()]

    def tag(self, word):
        return ""


def scope(question, filters=Filters()):
    return scope_of(Query.of(question, Lexicon()), REPORTS, Lexicon().contains, filters)


@pytest.mark.parametrize("question, sources", [
    ("深圳2023年有多少家国家高新技术企业", {"sz.txt"}),                  # the city's own report
    ("深圳南山区管道天然气用户有多少户", {"ns.txt"}),                     # the most specific place decides
    ("南山区管道天然气用户有多少户", {"ns.txt"}),
    ("成都地铁运营里程是多少", {"sc.txt"}),                              # no 成都 report: the province's
    ("管道天然气用户有多少户", None),                                    # no place: every report
])
def test_a_question_naming_a_place_is_about_that_places_reports(question, sources):
    s = scope(question)
    assert s.refusal == "" and s.sources == (None if sources is None else frozenset(sources))


@pytest.mark.parametrize("question, why", [
    ("湖南省2025年GDP增长目标是多少", "没有关于湖南省的报告"),    # a province no report is about
    ("福田区2023年GDP是多少", "没有关于福田区的报告"),            # 深圳's reports are not 福田's
    ("深圳福田区2023年GDP是多少", "没有关于福田区的报告"),
    ("南山区2019年GDP是多少", "南山区报告不涉及2019年"),          # the 南山 report covers 2022–2023
])
def test_a_region_or_year_no_report_covers_is_refused(question, why):
    s = scope(question)
    assert why in s.refusal and s.sources == frozenset()


def test_a_year_that_names_a_report_picks_the_reports_so_titled():
    reports = {"sz25.txt": ReportIdentity("sz25.txt", region="深圳市", region_code="4403", years=("2024", "2025"),
                                          title_years=("2025",)),
               "sz26.txt": ReportIdentity("sz26.txt", region="深圳市", region_code="4403", years=("2025", "2026"),
                                          title_years=("2026",))}
    lexicon = Lexicon()
    def scope_over(question):
        return scope_of(Query.of(question, lexicon), reports, lexicon.contains)
    # The 2026 report speaks of 2025 too, but it is not the 2025 report.
    assert scope_over("深圳市2025年政府工作报告中机场旅客吞吐量是多少").sources == {"sz25.txt"}
    assert scope_over("深圳2025年机场旅客吞吐量是多少").sources is None  # a year the answer is of
    # the year written after the report's name, as its title is often printed
    assert scope_over("深圳市政府工作报告（2025年）里机场旅客吞吐量是多少").sources == {"sz25.txt"}
    assert scope_over("深圳市政府工作报告(2026)提到哪些困难").sources == {"sz26.txt"}
    assert Query.of("2025年政府工作报告里粮食产量是多少").content_years == ()
    assert Query.of("2025年政府工作报告说2025年粮食产量是多少").content_years == ("2025",)


def test_a_figure_asked_as_it_stands_now_is_the_newest_reports_of_its_region():
    reports = {"ft20.txt": ReportIdentity("ft20.txt", region="福田区", region_code="440304", years=("2019", "2020"),
                                          title_years=("2020",)),
               "ft23.txt": ReportIdentity("ft23.txt", region="福田区", region_code="440304", years=("2022", "2023"),
                                          title_years=("2023",)),
               "ns.txt": ReportIdentity("ns.txt", region="南山区", region_code="440305", years=("2022", "2023"),
                                        title_years=("2023",))}
    lexicon = Lexicon()
    def scope_over(question):
        return scope_of(Query.of(question, lexicon), reports, lexicon.contains).sources
    assert scope_over("福田区属医院现在一共有多少张病床？") == {"ft23.txt"}
    assert scope_over("目前有多少张病床？") == {"ft23.txt", "ns.txt"}  # each region's newest
    assert scope_over("福田区属医院一共有多少张病床？") == {"ft20.txt", "ft23.txt"}  # no "now": every year
    assert scope_over("福田区2019年医院现在有多少张病床？") == {"ft20.txt", "ft23.txt"}  # a year named decides
    assert scope_over("福田区目前还有哪些困难和问题？") == {"ft20.txt", "ft23.txt"}  # no figure asked


def test_a_place_name_the_reports_use_in_a_longer_name_is_no_grounds_for_refusal():
    assert scope("湖南的游客有多少").refusal != ""     # a region no report covers
    assert scope("成都地铁运营里程是多少").refusal == ""  # the 四川 report may speak of 成都


def test_filters_narrow_the_reports():
    assert scope("GDP是多少", Filters(regions=("深圳",))).sources == {"sz.txt", "ns.txt", "ba.txt"}
    assert scope("南山区GDP是多少", Filters(regions=("宝安",))).refusal  # filtered to 宝安: 南山 has none
    assert scope("GDP是多少", Filters(years=("2025",))).sources == {"sc.txt"}
    assert scope("GDP是多少", Filters(reports=("ba.txt",))).sources == {"ba.txt"}
    assert scope("GDP是多少", Filters(regions=("湖南",))).refusal == "没有符合筛选条件的报告"


def test_the_state_councils_report_is_about_the_whole_country():
    text = "各位代表：\n现在，我代表国务院，向大会报告政府工作。香港特别行政区、澳门特别行政区保持繁荣稳定。\n"
    r = identify("gwy.txt", text, {"title": "2024年国务院政府工作报告"})
    assert (r.region, r.body) == ("全国", "国务院")  # not 香港特别行政区, the division it names
    assert r.place is not None and Place("深圳市", "4403").within(r.place)


def test_an_area_named_after_its_city_is_a_region_inside_that_city():
    text = "2024年深圳市大鹏新区管理委员会工作报告\n各位代表：\n现在，我代表大鹏新区管理委员会，向大会作工作报告。\n城区绿化。城区建设。城区更新。\n"
    r = identify("dp.txt", text)
    assert (r.region, r.body) == ("大鹏新区", "大鹏新区管理委员会")
    assert r.place.within(Place("深圳市", "4403")) and not r.place.within(Place("福田区", "440304"))
    given = identify("dp.txt", text.split("\n", 1)[1], {"title": r.title, "region": "大鹏新区"})
    assert given.region_code == r.region_code  # the sidecar's name gives the same place
    assert identify("x.txt", "城区绿化。城区建设。城区更新。\n").region == ""  # 城区 is a word, not 汕尾's 城区


NATIONAL_AND_AREAS = {
    "gwy.txt": ReportIdentity("gwy.txt", region="全国", years=("2023", "2024")),
    "dp.txt": ReportIdentity("dp.txt", region="大鹏新区", region_code="4403x0e2b", years=("2023", "2024")),
    "ly.txt": ReportIdentity("ly.txt", region="洛阳市", region_code="4103", years=("2023", "2024")),
}


class AreaLexicon(Lexicon):
    def regions(self):
        return [r.place for r in NATIONAL_AND_AREAS.values()]


@pytest.mark.parametrize("question, sources", [
    ("2023年全国城镇新增就业多少人？", {"gwy.txt"}),
    ("国务院报告回顾2023年做了哪些工作", {"gwy.txt"}),
    ("大鹏新区2023年末常住人口有多少？", {"dp.txt"}),
    ("大鹏哪个社区成了全国第一个国际暗夜社区？", {"dp.txt"}),  # 全国 as a yardstick, 大鹏 by its bare name
    ("洛阳市城镇新增就业比全国平均高多少", {"ly.txt"}),
    ("城镇新增就业多少人", None),
])
def test_questions_naming_the_country_or_an_area_are_about_their_reports(question, sources):
    s = scope_of(Query.of(question, AreaLexicon()), NATIONAL_AND_AREAS, Lexicon().contains)
    assert s.refusal == "" and s.sources == (None if sources is None else frozenset(sources))


@pytest.fixture
def two_reports(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "全年新增城镇就业{}万人，城镇调查失业率控制在5%以内，居民收入稳步增长，各项社会事业全面进步。"
    for name, region in (("sc.txt", "四川省"), ("yn.txt", "云南省")):
        (corpus / name).write_text(f"2025年{region}政府工作报告\n各位代表：\n一、2024年工作回顾\n"
                                   + body.format(51 if region == "四川省" else 47) + "\n", encoding="utf-8")
    from rag import Config

    return Retriever.load(config=Config(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=FakeEmbedder())


def test_the_named_report_answers_and_citations_carry_its_identity(two_reports):
    reply = two_reports.ask("云南2024年新增城镇就业多少万人？", k=2)
    assert reply.answer.text == "47万人" and reply.answer.source == "yn.txt"
    assert {h.source for h in reply.hits} == {"yn.txt"}
    report = reply.to_dict()["hits"][0]["report"]
    assert report["title"] == "2025年云南省政府工作报告" and report["region"] == "云南省"
    assert two_reports.reports["sc.txt"].body == "四川省人民政府"


def test_a_region_no_report_covers_gets_no_figure_from_another(two_reports):
    reply = two_reports.ask("湖南2024年新增城镇就业多少万人？", k=2)
    assert not reply.answerable and reply.answer is None
    assert "没有关于湖南" in reply.refusal and reply.to_dict()["refusal"] == reply.refusal


def test_the_place_that_chose_the_report_no_longer_ranks_inside_it(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = "全年各项事业稳步推进，经济社会发展总体平稳，民生保障持续加强，社会大局保持稳定。"
    for name, city, visitors in (("ly.txt", "洛阳市", "1.4亿人次"), ("zk.txt", "周口市", "5000万人次")):
        (corpus / name).write_text(f"2023年{city}国民经济和社会发展统计公报\n{city}统计局\n一、综合\n{filler}\n"
                                   f"二、旅游\n全年接待游客{visitors}，旅游总收入增长较快，文旅融合取得新进展。\n", encoding="utf-8")
    from rag import Config

    r = Retriever.load(config=Config(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=FakeEmbedder())
    # The title block holds 洛阳 and 2023 too; once the question chose the 洛阳 report, only
    # 接待游客 tells its passages apart.
    [top] = r.search("洛阳市2023年的游客有多少", k=1)
    assert top.source == "ly.txt" and "1.4亿人次" in top.text


def test_a_year_a_report_writes_is_a_year_it_speaks_of():
    # The 四川 report covers 2024–2025 and plans 到2030年: a question about 2030 gets its passages.
    texts = {"sc.txt": "到2030年，研发投入强度达到2.8%。", "sz.txt": "新增就业20万人。"}
    held = lambda text, sources: any(text in texts.get(s, "") for s in sources)  # noqa: E731
    question = Query.of("四川到2030年研发投入强度要达到多少", Lexicon())
    assert scope_of(question, REPORTS, Lexicon().contains, Filters(), held).refusal == ""
    assert scope_of(question, REPORTS, Lexicon().contains).refusal  # no report holds 到2030年
    # …and only its own reports' horizons count for a place: 深圳's reports do not plan to 2030.
    other = Query.of("深圳到2030年研发投入强度要达到多少", Lexicon())
    assert "不涉及2030年" in scope_of(other, REPORTS, Lexicon().contains, Filters(), held).refusal
    # A communique of 2023 states 2022's figure as finally verified: a question about 2022 gets
    # its passages; one about a year it never writes is still refused.
    reports = {**REPORTS, "ly.txt": ReportIdentity("ly.txt", region="洛阳市", region_code="4103", years=("2023",))}
    texts["ly.txt"] = "经最终核实，2022年全市生产总值为5386.2亿元。"
    verified = Query.of("洛阳2022年的生产总值是多少亿元？", Lexicon())
    assert scope_of(verified, reports, Lexicon().contains, Filters(), held) == Scope(frozenset({"ly.txt"}))
    earlier = Query.of("洛阳2019年的生产总值是多少亿元？", Lexicon())
    assert "不涉及2019年" in scope_of(earlier, reports, Lexicon().contains, Filters(), held).refusal
