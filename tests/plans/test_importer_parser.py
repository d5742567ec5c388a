"""The parser on the real published plan: 邢台市质量强市建设行动方案(2023—2027年)."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from plans.importer.parser import (
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    UnitMention,
    decode_plan_bytes,
    parse_plan,
)

REAL_PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "xingtai-quality-2023-2027.txt"

COUNTIES = "各县(市、区)政府"
SAMR = "市市场监管局"
MIIT = "市工业和信息化局"
NDRC = "市发展改革委"
HOUSING = "市住房城乡建设局"
TRANSPORT = "市交通运输局"
WATER = "市水务局"
AGRICULTURE = "市农业农村局"
COMMERCE = "市商务局"
TOURISM = "市文化广电和旅游局"
POST = "市邮政管理局"
HEALTH = "市卫生健康委"
EDUCATION = "市教育局"
APPROVAL = "市行政审批局"
SASAC = "市国资委"
COMMERCE_FEDERATION = "市工商联"

# Every task's lead and co-units, read off the notes of the published text. The county
# governments come last: task 1's note makes them responsible for every task from there on.
EXPECTED_UNITS: dict[int, tuple[str, list[str]]] = {
    1: (SAMR, [COUNTIES]),
    2: (
        SAMR,
        [NDRC, MIIT, "市科技局", AGRICULTURE, TOURISM, WATER, "市生态环境局", COUNTIES],
    ),
    3: (SAMR, ["市财政局", COUNTIES]),
    4: (MIIT, [COUNTIES]),
    5: ("市科技局", [SAMR, MIIT, "市税务局", COUNTIES]),
    6: (MIIT, [SAMR, COUNTIES]),
    7: (SAMR, [COUNTIES]),
    8: (MIIT, [NDRC, COUNTIES]),
    9: (AGRICULTURE, [SAMR, APPROVAL, COUNTIES]),
    10: (MIIT, [SAMR, COMMERCE, COUNTIES]),
    11: (HOUSING, [TRANSPORT, WATER, COUNTIES]),
    12: (SAMR, [HOUSING, MIIT, COUNTIES]),
    13: (HOUSING, [TRANSPORT, WATER, COUNTIES]),
    14: (
        NDRC,
        [
            COMMERCE,
            TRANSPORT,
            AGRICULTURE,
            SAMR,
            MIIT,
            "人行邢台市中心支行",
            "邢台银保监分局",
            POST,
            COUNTIES,
        ],
    ),
    15: (SAMR, [POST, COMMERCE, TOURISM, EDUCATION, HEALTH, COUNTIES]),
    16: (
        SAMR,
        [EDUCATION, "市人力资源社会保障局", HEALTH, COMMERCE, "市民政局", APPROVAL, COUNTIES],
    ),
    17: (SAMR, [MIIT, SASAC, COMMERCE_FEDERATION, COUNTIES]),
    18: (SAMR, [MIIT, SASAC, COMMERCE_FEDERATION, COUNTIES]),
    19: (SAMR, [MIIT, AGRICULTURE, NDRC, "市委宣传部", COUNTIES]),
    20: (SAMR, [COUNTIES]),
    21: (SAMR, [COUNTIES]),
    22: (SAMR, [COUNTIES]),
    23: (SAMR, [COUNTIES]),
    24: (SAMR, [COUNTIES]),
    25: (SAMR, [COUNTIES]),
    26: (SAMR, [COUNTIES]),
    27: (SAMR, [COUNTIES]),
}


@pytest.fixture(scope="module")
def text() -> str:
    return decode_plan_bytes(REAL_PLAN.read_bytes())


@pytest.fixture(scope="module")
def plan(text: str) -> ParsedPlan:
    return parse_plan(text)


def task(plan: ParsedPlan, number: int) -> ParsedTask:
    (found,) = [t for c in plan.categories for t in c.tasks if t.number == number]
    return found


def summary(target: ParsedTarget) -> tuple[object, str, Decimal | None, str]:
    return (target.year, target.comparator, target.value, target.unit)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# --- identity -------------------------------------------------------------------------------


def test_the_plan_title_is_the_title_line_before_the_preamble(plan: ParsedPlan) -> None:
    assert plan.title == "邢台市质量强市建设行动方案(2023—2027年)"


def test_document_number_issuer_and_date_come_from_the_front_matter(plan: ParsedPlan) -> None:
    assert plan.doc_number == "邢政办字〔2023〕25号"
    assert plan.issuer == "邢台市人民政府办公室"
    assert plan.issued_on == datetime.date(2023, 4, 17)


def test_without_metadata_lines_the_circular_still_gives_number_date_and_issuer(text: str) -> None:
    body = "\n".join(line for line in text.split("\n") if not line.startswith("- "))
    stripped = parse_plan(body)
    assert stripped.doc_number == "邢政办字〔2023〕25号"
    assert stripped.issuer == "邢台市人民政府办公室"
    assert stripped.issued_on == datetime.date(2023, 4, 17)
    assert stripped.title == "邢台市质量强市建设行动方案(2023—2027年)"


def test_a_cited_document_number_in_the_preamble_is_not_taken_for_the_plans_own(
    text: str,
) -> None:
    # Without the circular, the only number left is 冀政办字〔2023〕41号, cited in brackets.
    start = text.index("邢台市质量强市建设行动方案(2023—2027年)\n为加快")
    plan = parse_plan(text[start:])
    assert plan.doc_number == ""
    assert plan.issuer == ""
    assert plan.issued_on is None
    assert plan.title == "邢台市质量强市建设行动方案(2023—2027年)"


# --- structure ------------------------------------------------------------------------------


def test_the_task_section_has_eight_categories_and_twenty_seven_tasks(plan: ParsedPlan) -> None:
    assert [c.number for c in plan.categories] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [t.number for t in plan.tasks] == list(range(1, 28))
    assert [len(c.tasks) for c in plan.categories] == [3, 4, 3, 3, 3, 3, 4, 4]


def test_category_titles_drop_their_numbering_and_final_full_stop(plan: ParsedPlan) -> None:
    assert plan.categories[0].title == "强化标准化建设引领作用"
    assert plan.categories[7].title == "全面提升质量治理效能"


def test_the_safeguards_section_with_its_own_numbered_headings_is_not_read_as_tasks(
    plan: ParsedPlan,
) -> None:
    titles = [c.title for c in plan.categories]
    assert "成立工作专班" not in titles


def test_categories_and_tasks_carry_the_line_they_start_on(plan: ParsedPlan, text: str) -> None:
    assert plan.categories[0].line == line_of(text, "(一)强化标准化建设引领作用")
    assert task(plan, 1).line == line_of(text, "1.加强先进标准制定")
    assert task(plan, 27).line == line_of(text, "27.营造浓厚质量氛围")


def test_a_task_title_is_its_text_up_to_the_first_full_stop(plan: ParsedPlan) -> None:
    assert task(plan, 1).title == "加强先进标准制定"
    assert task(plan, 9).title == "强化农产品、食品药品质量安全"
    assert task(plan, 27).title == "营造浓厚质量氛围"


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(EXPECTED_UNITS))
def test_every_task_has_the_lead_and_co_units_its_notes_name(plan: ParsedPlan, number: int) -> None:
    lead, co_units = EXPECTED_UNITS[number]
    parsed = task(plan, number)
    assert parsed.lead_unit == lead
    assert [name for name, _ in parsed.co_units] == co_units
    assert not any(is_co_lead for _, is_co_lead in parsed.co_units)


def test_task_one_is_led_by_market_supervision_with_the_counties_as_co_unit(
    plan: ParsedPlan,
) -> None:
    first = task(plan, 1)
    assert first.lead_unit == "市市场监管局"
    assert first.co_units == [("各县(市、区)政府", False)]


def test_task_two_lists_every_unit_of_its_three_notes_with_the_counties_last(
    plan: ParsedPlan,
) -> None:
    second = task(plan, 2)
    assert [m.units for m in second.measures] == [
        [SAMR, NDRC, MIIT, "市科技局"],
        [SAMR, AGRICULTURE, TOURISM],
        [SAMR, WATER, "市生态环境局"],
    ]
    assert second.co_units[-1] == (COUNTIES, False)


def test_task_five_is_led_by_the_first_unit_of_its_first_note(plan: ParsedPlan) -> None:
    fifth = task(plan, 5)
    assert fifth.lead_unit == "市科技局"
    assert fifth.measures[1].units[0] == SAMR  # first in a later note, still only a co-unit
    assert [name for name, _ in fifth.co_units] == [SAMR, MIIT, "市税务局", COUNTIES]


def test_a_comma_between_units_separates_them_like_a_dunhao(plan: ParsedPlan) -> None:
    assert task(plan, 9).measures[1].units == [SAMR, APPROVAL]


def test_task_fourteen_names_nine_units_including_the_bank_and_postal_regulators(
    plan: ParsedPlan,
) -> None:
    (measure,) = task(plan, 14).measures
    assert len(measure.units) == 9
    assert {"人行邢台市中心支行", "邢台银保监分局", "市邮政管理局"} <= set(measure.units)


def test_task_nineteen_includes_the_propaganda_department(plan: ParsedPlan) -> None:
    assert ("市委宣传部", False) in task(plan, 19).co_units


def test_the_standing_clause_adds_the_counties_to_every_later_task_but_never_as_lead(
    plan: ParsedPlan,
) -> None:
    for parsed in plan.tasks:
        assert parsed.lead_unit != COUNTIES
        assert (COUNTIES, False) in parsed.co_units
    # Not written in task 27's own note: it comes from the standing clause only.
    assert task(plan, 27).measures[0].units == [SAMR]


def test_unit_names_in_parentheses_are_never_split(plan: ParsedPlan) -> None:
    names = {mention.name for mention in plan.unit_mentions}
    assert COUNTIES in names
    assert not names & {"各县(市", "区)政府", "市", "区"}


def test_unit_mentions_list_every_name_of_every_note_in_text_order_with_its_line(
    plan: ParsedPlan, text: str
) -> None:
    first_line = line_of(text, "1.加强先进标准制定")
    assert plan.unit_mentions[:3] == [
        UnitMention("市市场监管局", first_line),
        UnitMention(COUNTIES, first_line),  # listed as 责任单位
        UnitMention(COUNTIES, first_line),  # named again by the standing clause
    ]
    fourteen = [m for m in plan.unit_mentions if m.line == line_of(text, "14.提高生产")]
    assert len(fourteen) == 9
    note_units = sum(len(m.units) for t in plan.tasks for m in t.measures)
    assert len(plan.unit_mentions) == note_units + 1


def test_canonical_names_are_used_for_leads_co_units_and_the_standing_unit(text: str) -> None:
    registry = {"市市场监管局": "邢台市市场监督管理局", COUNTIES: "各县(市、区)人民政府"}
    plan = parse_plan(text, canonical=lambda name: registry.get(name, name))
    assert task(plan, 27).lead_unit == "邢台市市场监督管理局"
    assert task(plan, 27).co_units == [("各县(市、区)人民政府", False)]
    assert task(plan, 2).measures[0].units[0] == "邢台市市场监督管理局"
    # Mentions keep the name as written, so unknown names can be reported as the user wrote them.
    assert plan.unit_mentions[0].name == "市市场监管局"


# --- measures -------------------------------------------------------------------------------


def test_each_clause_ending_in_a_note_is_a_measure_without_the_note(plan: ParsedPlan) -> None:
    fifth = task(plan, 5)
    assert len(fifth.measures) == 5
    assert fifth.measures[2].text == "全面落实研发费用加计扣除政策,鼓励企业加大研发投入。"
    assert all("责任单位" not in m.text for t in plan.tasks for m in t.measures)


def test_the_first_measure_starts_after_the_title_sentence(plan: ParsedPlan) -> None:
    first = task(plan, 1).measures[0]
    assert first.text.startswith("加快钢铁、化工、建材、食品、纺织等传统产业标准提升")
    assert first.text.endswith("产品生产各环节有效衔接。")
    assert "加强先进标准制定" not in first.text


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        (9, "健全农产品(食用农产品)质量安全监管"),
        (9, "危害分析和关键控制点(HACCP)体系"),
        (7, "投诉举报直通车(ODR)机制"),
        (2, "自行车(童车)"),
        (4, "省级工业设计中心(工业设计示范企业)"),
        (6, "平乡(广宗)自行车童车"),
    ],
)
def test_parentheticals_that_are_not_notes_stay_in_the_measure_text(
    plan: ParsedPlan, number: int, fragment: str
) -> None:
    assert any(fragment in m.text for m in task(plan, number).measures)


def test_measures_carry_the_line_of_their_clause(plan: ParsedPlan, text: str) -> None:
    line = line_of(text, "5.推动政产学研用融合创新")
    assert {m.line for m in task(plan, 5).measures} == {line}


# --- targets section ------------------------------------------------------------------------


def test_targets_section_targets_take_the_year_of_their_paragraph(plan: ParsedPlan) -> None:
    assert {t.year for t in plan.targets} == {2023, 2025, 2027}
    by_year = {year: [t for t in plan.targets if t.year == year] for year in (2023, 2025, 2027)}
    assert [t.line for t in by_year[2023]] == [by_year[2023][0].line] * len(by_year[2023])
    assert by_year[2023][0].line < by_year[2025][0].line < by_year[2027][0].line


def test_three_indicators_sharing_fenbie_values_expand_into_three_targets(
    plan: ParsedPlan,
) -> None:
    food = [t for t in plan.targets if t.indicator == "食品安全评价性抽检合格率"]
    assert [summary(t) for t in food] == [
        (2023, ">=", Decimal("98"), "%"),
        (2025, ">=", Decimal("98.5"), "%"),
        (2027, ">=", Decimal("99"), "%"),
    ]
    in_2025 = [t for t in plan.targets if t.year == 2025 and "合格率" in t.indicator]
    assert [(t.indicator, t.value) for t in in_2025] == [
        ("制造业产品质量合格率", Decimal("94")),
        ("农产品质量监测合格率", Decimal("98")),
        ("食品安全评价性抽检合格率", Decimal("98.5")),
        ("药品监督抽检合格率", Decimal("99")),
    ]


def test_share_of_high_tech_industry_is_a_percentage_each_year_and_qualitative_in_2027(
    plan: ParsedPlan,
) -> None:
    share = [t for t in plan.targets if t.indicator == "高新技术产业增加值占规模以上工业增加值比重"]
    assert [summary(t) for t in share] == [
        (2023, ">=", Decimal("23"), "%"),
        (2025, "≈", Decimal("25"), "%"),
        (2027, ">=", None, ""),
    ]
    assert share[2].text == "高新技术产业增加值占规模以上工业增加值比重显著提升"


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("制造业产品质量合格率", [(2023, ">=", 92), (2025, ">=", 94), (2027, ">", None)]),
        (
            "新增主导或参与国际、国家、行业、团体标准和省(市)地方标准",
            [(2023, ">=", 32), (2025, ">=", 85), (2027, ">=", 140)],
        ),
        ("新建提升改造社会公用计量标准", [(2023, ">=", 4), (2025, ">=", 10), (2027, ">=", 12)]),
        (
            "建设检验检测行业服务特色产业集群高质量发展协同创新平台",
            [(2025, ">=", 1), (2027, ">=", 2)],
        ),
    ],
)
def test_targets_section_reads_comparators_and_values(
    plan: ParsedPlan, indicator: str, expected: list[tuple[int, str, int | None]]
) -> None:
    found = [
        (t.year, t.comparator, None if t.value is None else int(t.value))
        for t in plan.targets
        if t.indicator == indicator
    ]
    assert found == expected


def test_research_spending_growth_keeps_the_paragraph_year_over_its_yearly_wording(
    plan: ParsedPlan,
) -> None:
    growth = [t for t in plan.targets if t.indicator.startswith("全社会研发经费投入")]
    assert [summary(t) for t in growth] == [
        (2023, ">=", Decimal("15"), "%"),
        (2025, ">=", Decimal("15"), "%"),
        (2027, ">", None, ""),
    ]


def test_statements_without_a_number_are_kept_as_qualitative_targets(plan: ParsedPlan) -> None:
    qualitative = [t for t in plan.targets if t.value is None]
    assert all(t.unit == "" for t in qualitative)
    texts = [t.text for t in qualitative]
    assert "2023年,夯实质量强市建设基础" in texts
    assert "探索建设检验检测行业服务特色产业集群高质量发展协同创新平台" in texts
    assert "到2027年,质量强市建设取得新成效" in texts
    assert len([t for t in plan.targets if t.value is not None]) == 23


# --- clause targets -------------------------------------------------------------------------


def test_task_four_counts_two_yearly_targets_and_no_subsidy(plan: ParsedPlan) -> None:
    targets = task(plan, 4).targets
    assert [(t.text, t.indicator, *summary(t)) for t in targets] == [
        ("每年新增工业企业研发机构80家", "新增工业企业研发机构", "每年", ">=", Decimal(80), "家"),
        ("省技术创新示范企业3家", "省技术创新示范企业", "每年", ">=", Decimal(3), "家"),
    ]


def test_task_five_has_three_targets_for_2025_including_a_money_amount(plan: ParsedPlan) -> None:
    targets = task(plan, 5).targets
    assert [(t.indicator, *summary(t)) for t in targets] == [
        ("每万人口发明专利拥有量", 2025, ">=", Decimal("3.5"), "件"),
        ("高价值发明专利拥有量", 2025, ">=", Decimal(1), "件"),
        ("知识产权质押登记金额", 2025, ">=", Decimal("5.8"), "亿元"),
    ]
    assert targets[0].text == "到2025年,每万人口发明专利拥有量达到3.5件"
    assert task(plan, 5).measures[4].targets == targets  # all stated in the last clause


def test_task_seven_sets_the_complaint_closing_rate_for_2025(plan: ParsedPlan) -> None:
    (target,) = task(plan, 7).targets
    assert target.text == "到2025年,消费投诉按期办结率达到95%"
    assert target.indicator == "消费投诉按期办结率"
    assert summary(target) == (2025, ">=", Decimal(95), "%")


def test_task_thirteen_has_two_2025_shares_and_a_yearly_minimum(plan: ParsedPlan) -> None:
    targets = task(plan, 13).targets
    assert [(t.indicator, *summary(t)) for t in targets] == [
        ("竣工建筑中绿色建筑占比", 2025, ">=", Decimal(100), "%"),
        ("新开工建筑中装配式建筑占比", 2025, ">=", Decimal(30), "%"),
        ("创建省结构优质工程", "每年", ">=", Decimal(20), "项"),
    ]
    assert targets[2].text == "每年创建省结构优质工程不少于20项"


def test_task_eighteen_reads_full_coverage_as_one_hundred_percent_by_end_of_2023(
    plan: ParsedPlan,
) -> None:
    (target,) = task(plan, 18).targets
    assert summary(target) == (2023, ">=", Decimal(100), "%")
    assert target.text == "到2023年底,推动全市规模以上工业企业首席质量官全覆盖"
    assert target.indicator == "全市规模以上工业企业首席质量官"


def test_task_twenty_one_reads_ten_thousand_certificates_and_a_yearly_minimum(
    plan: ParsedPlan,
) -> None:
    assert [summary(t) for t in task(plan, 21).targets] == [
        (2025, ">=", Decimal(10000), "张"),
        ("每年", ">=", Decimal(200), "家"),
    ]


def test_task_twenty_five_reads_annual_random_checks_as_a_yearly_percentage(
    plan: ParsedPlan,
) -> None:
    (target,) = task(plan, 25).targets
    assert target.text == "年度随机抽查企业3%以上"
    assert target.indicator == "随机抽查企业"
    assert summary(target) == ("每年", ">=", Decimal(3), "%")


def test_subsidies_and_awards_are_never_targets(plan: ParsedPlan) -> None:
    (only,) = task(plan, 1).targets
    assert summary(only) == ("每年", ">=", Decimal(2), "项")  # the 领跑者 standards, not 30万元
    assert task(plan, 3).targets == []
    assert all(t.unit != "万元" for t in plan.tasks for t in t.targets)


def test_numbers_that_only_describe_things_are_not_targets(plan: ParsedPlan) -> None:
    # "25条重点产业链", "12315消费热线", "5A级景区", "3个…服务试点" state no goal.
    numbers = {n: [t.value for t in task(plan, n).targets] for n in (5, 7, 15, 23)}
    assert Decimal(25) not in numbers[5]
    assert numbers[7] == [Decimal(95)]
    assert numbers[15] == []
    assert numbers[23] == [Decimal(50), Decimal(600)]


def test_tasks_with_targets_are_exactly_those_whose_text_states_one(plan: ParsedPlan) -> None:
    with_targets = [t.number for t in plan.tasks if t.targets]
    assert with_targets == [1, 4, 5, 7, 8, 13, 18, 20, 21, 22, 23, 25]


def test_a_task_lists_the_targets_of_all_its_measures_in_order(plan: ParsedPlan) -> None:
    for parsed in plan.tasks:
        assert parsed.targets == [t for m in parsed.measures for t in m.targets]


# --- JSON -----------------------------------------------------------------------------------


def test_the_json_form_has_exactly_the_agreed_keys(plan: ParsedPlan) -> None:
    data = plan.to_json_dict()
    assert set(data) == {"title", "doc_number", "issuer", "issued_on", "targets", "categories"}
    assert data["issued_on"] == "2023-04-17"
    assert set(data["targets"][0]) == {"text", "indicator", "year", "comparator", "value", "unit"}
    category = data["categories"][0]
    assert set(category) == {"number", "title", "tasks"}
    first = category["tasks"][0]
    assert set(first) == {
        "number",
        "title",
        "lead_unit",
        "co_units",
        "co_leads",
        "measures",
        "targets",
        "deadline",
        "vague",
    }
    assert first["deadline"] is None
    assert first["vague"] == []
    assert first["co_units"] == [COUNTIES]
    assert first["co_leads"] == []
    assert set(first["measures"][0]) == {"text", "units"}
    assert first["targets"] == [
        {
            "text": "每年争创河北省企业标准“领跑者”2项以上",
            "year": "每年",
            "comparator": ">=",
            "value": 2,
            "unit": "项",
        }
    ]


def test_json_values_are_integers_when_integral_else_floats_and_it_serialises(
    plan: ParsedPlan,
) -> None:
    data = plan.to_json_dict()
    values = [t["value"] for t in data["targets"]]
    assert 98.5 in values and isinstance(values[values.index(98.5)], float)
    assert all(v is None or isinstance(v, int | float) for v in values)
    assert isinstance(data["targets"][2]["value"], int)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
