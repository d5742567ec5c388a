"""The parser on plans written the other ways plans are written (tests/plans/plans/)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from plans.importer.parser import ParsedPlan, ParsedTask, decode_plan_bytes, parse_plan

PLANS = Path(__file__).resolve().parent / "plans"
COUNTIES = "各县(市、区)政府"


def read_plan(name: str, **options) -> ParsedPlan:
    return parse_plan(decode_plan_bytes((PLANS / name).read_bytes()), **options)


def units(task: ParsedTask) -> tuple[str, list[tuple[str, bool]]]:
    return task.lead_unit, task.co_units


# --- （牵头单位：…；配合单位：…）, full-width punctuation, 1． ------------------------------------


@pytest.fixture(scope="module")
def labelled() -> ParsedPlan:
    return read_plan("labelled-lead-and-partners.txt")


def test_labelled_notes_give_the_lead_and_the_partner_units(labelled: ParsedPlan) -> None:
    assert [units(t) for t in labelled.tasks] == [
        ("市市场监管局", [("市财政局", False), ("市发展改革委", False)]),
        ("市市场监管局", [("市科技局", False), ("市工业和信息化局", False)]),
        (
            "市市场监管局",
            [("市工信局", False), ("市工业和信息化局", False), (COUNTIES, False)],
        ),
        ("市市场监管局", [("市商务局", False), ("市卫生健康委", False)]),
        ("市人力资源社会保障局", [("市教育局", False), ("市市场监管局", False)]),
    ]


def test_a_unit_marked_lead_leads_even_when_a_partner_is_written_first_elsewhere() -> None:
    text = (
        "三、重点任务\n"
        "1．加强计量监管。开展计量专项检查。（配合单位：市商务局；牵头单位：市市场监管局）\n"
    )
    assert units(parse_plan(text).tasks[0]) == ("市市场监管局", [("市商务局", False)])


def test_aliases_collapse_when_canonical_maps_them_to_one_registry_name() -> None:
    aliases = {"市工信局": "市工业和信息化局"}
    plan = read_plan("labelled-lead-and-partners.txt", canonical=lambda n: aliases.get(n, n))
    third = plan.tasks[2]
    assert third.co_units == [("市工业和信息化局", False), (COUNTIES, False)]
    assert [m.units for m in third.measures] == [
        ["市市场监管局", "市工业和信息化局"],
        ["市市场监管局", "市工业和信息化局", COUNTIES],
    ]
    # The mentions keep what the text says.
    assert "市工信局" in [m.name for m in plan.unit_mentions]


def test_full_width_numbering_and_identity_of_the_labelled_plan(labelled: ParsedPlan) -> None:
    assert labelled.title == "石家庄市计量发展规划实施方案"
    assert labelled.doc_number == "石政办函〔2024〕7号"  # written 〔2024〕第7号
    assert labelled.issuer == "石家庄市人民政府办公室"
    assert labelled.issued_on == datetime.date(2024, 3, 5)
    assert [c.title for c in labelled.categories] == ["夯实计量基础", "强化计量服务"]
    assert [t.number for t in labelled.tasks] == [1, 2, 3, 4, 5]


def test_full_width_texts_are_kept_as_written(labelled: ParsedPlan) -> None:
    first = labelled.tasks[0]
    assert first.title == "建设社会公用计量标准"
    assert first.measures[0].text == (
        "围绕主导产业新建一批社会公用计量标准，每年新建社会公用计量标准不少于10项。"
    )


def test_a_parenthetical_ending_in_a_unit_like_word_mid_sentence_is_not_a_note(
    labelled: ParsedPlan,
) -> None:
    (measure,) = labelled.tasks[3].measures
    assert "眼镜店（配镜中心）等民生领域" in measure.text
    assert "配镜中心" not in [m.name for m in labelled.unit_mentions]


def test_targets_of_the_labelled_plan(labelled: ParsedPlan) -> None:
    (section,) = labelled.targets
    assert (section.year, section.comparator, section.value, section.unit) == (
        2025,
        ">=",
        Decimal(150),
        "项",
    )
    assert section.indicator == "全市社会公用计量标准"
    (clause,) = labelled.tasks[0].targets
    assert (clause.year, clause.comparator, clause.value, clause.unit) == (
        "每年",
        ">=",
        Decimal(10),
        "项",
    )


# --- （A牵头，B、C配合） and （A、B牵头，各有关部门按职责分工负责） -----------------------------


@pytest.fixture(scope="module")
def verbs() -> ParsedPlan:
    return read_plan("lead-verbs-and-co-leads.txt")


def test_a_lead_verb_note_makes_the_others_co_units(verbs: ParsedPlan) -> None:
    assert units(verbs.tasks[0]) == (
        "市行政审批局",
        [("市政务服务管理办公室", False), ("市大数据中心", False)],
    )


def test_two_lead_units_make_the_second_a_co_lead_and_generic_phrases_are_dropped(
    verbs: ParsedPlan,
) -> None:
    second = verbs.tasks[1]
    assert units(second) == ("市行政审批局", [("市市场监管局", True)])
    assert second.measures[0].units == ["市行政审批局", "市市场监管局"]
    assert "各有关部门" not in [m.name for m in verbs.unit_mentions]
    task_json = verbs.to_json_dict()["categories"][0]["tasks"][1]
    assert task_json["co_units"] == ["市市场监管局"]
    assert task_json["co_leads"] == ["市市场监管局"]


def test_a_note_sharing_duties_without_a_lead_is_led_by_its_first_unit(
    verbs: ParsedPlan,
) -> None:
    # "坚决查处乱收费行为（…按职责分工负责）": a note before the end of the text, no 。 before it.
    assert units(verbs.tasks[2]) == (
        "市发展改革委",
        [("市财政局", False), ("市市场监管局", False)],
    )


def test_lead_and_responsible_notes_split_a_task_into_two_measures(verbs: ParsedPlan) -> None:
    fourth = verbs.tasks[3]
    assert units(fourth) == ("市发展改革委", [("市中级人民法院", False)])
    assert [(m.text, m.units) for m in fourth.measures] == [
        ("推进信用分级分类监管。", ["市发展改革委"]),
        ("完善信用修复机制，保障市场主体合法权益。", ["市中级人民法院"]),
    ]


def test_dunhao_numbering_and_a_plan_title_without_front_matter(verbs: ParsedPlan) -> None:
    assert verbs.title == "保定市优化营商环境质量提升工作方案"
    assert (verbs.doc_number, verbs.issuer, verbs.issued_on) == ("", "", None)
    assert [t.number for t in verbs.tasks] == [1, 2, 3, 4]


def test_a_deadline_in_working_days_is_an_upper_bound(verbs: ParsedPlan) -> None:
    opening = [t for t in verbs.targets if t.indicator == "企业开办时间"]
    assert [(t.year, t.comparator, t.value, t.unit) for t in opening] == [
        (2024, "<=", Decimal(1), "个工作日")
    ]


# --- （责任单位：A、各县（市、区）政府）, numbering restarting per category ---------------------


@pytest.fixture(scope="module")
def restarting() -> ParsedPlan:
    return read_plan("county-notes-restarting-numbers.txt")


def test_numbering_may_restart_in_each_category(restarting: ParsedPlan) -> None:
    assert [[t.number for t in c.tasks] for c in restarting.categories] == [[1, 2], [1, 2, 3]]


def test_full_width_county_group_is_one_unit_and_the_first_unit_leads(
    restarting: ParsedPlan,
) -> None:
    assert [units(t) for t in restarting.tasks] == [
        ("市农业农村局", [(COUNTIES, False)]),
        ("市生态环境局", [("市农业农村局", False), (COUNTIES, False)]),
        ("市教育局", [("市市场监管局", False), (COUNTIES, False)]),
        ("市公安局", [("市市场监管局", False)]),
        ("市市场监管局", [("石家庄海关驻邢台办事处", False)]),
    ]


def test_a_title_on_its_own_line_is_followed_by_the_measure_on_the_next(
    restarting: ParsedPlan,
) -> None:
    second = restarting.tasks[1]
    assert second.title == "严格产地环境管理"
    assert second.line == 8
    assert second.measures[0].text == "加强耕地土壤污染防治，落实受污染耕地安全利用措施。"
    assert second.measures[0].line == 9
    assert [m.line for m in restarting.unit_mentions if m.name == "市生态环境局"] == [9]


def test_a_task_that_is_only_a_title_and_a_note_has_its_title_as_measure(
    restarting: ParsedPlan,
) -> None:
    last = restarting.tasks[-1]
    assert [m.text for m in last.measures] == ["加强进口冷链食品监管"]


def test_a_plan_named_an_arrangement_is_titled_and_its_yearly_count_read(
    restarting: ParsedPlan,
) -> None:
    assert restarting.title == "邢台市2024年食品安全重点工作安排"
    (target,) = restarting.tasks[2].targets
    assert (target.year, target.comparator, target.value, target.unit) == (
        "每年",
        ">=",
        Decimal(1000),
        "家次",
    )
    assert "校长（园长）负责制" in restarting.tasks[2].measures[0].text


# --- GB18030, a standing clause worded differently, bare unit lists ---------------------------


@pytest.fixture(scope="module")
def gb18030() -> ParsedPlan:
    return read_plan("gb18030-standing-units.txt")


def test_the_gb18030_file_is_not_utf8_but_decodes() -> None:
    data = (PLANS / "gb18030-standing-units.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = decode_plan_bytes(data)
    assert "\r" not in text
    assert text.startswith("衡水市质量基础设施一站式服务体系建设实施方案\n")


def test_a_standing_clause_for_all_following_tasks_never_makes_the_counties_lead(
    gb18030: ParsedPlan,
) -> None:
    assert [units(t) for t in gb18030.tasks] == [
        ("市市场监管局", [(COUNTIES, False)]),
        ("市市场监管局", [("市数据和政务服务局", False), (COUNTIES, False)]),
        ("市市场监管局", [("市人力资源社会保障局", False), (COUNTIES, False)]),
        ("市财政局", [(COUNTIES, False)]),
    ]


def test_a_bare_list_of_units_after_a_sentence_is_a_note(gb18030: ParsedPlan) -> None:
    second = gb18030.tasks[1]
    assert second.measures[0].text == "依托省级平台建设市级线上服务专区。"
    assert second.measures[0].units == ["市市场监管局", "市数据和政务服务局"]


def test_a_signature_after_the_last_task_is_not_taken_for_an_unfinished_task(
    gb18030: ParsedPlan,
) -> None:
    assert gb18030.tasks[-1].measures[0].text == "统筹安排一站式服务体系建设资金。"
    assert gb18030.issuer == "衡水市市场监督管理局"
    assert gb18030.issued_on == datetime.date(2024, 6, 1)


def test_a_training_minimum_is_a_yearly_target(gb18030: ParsedPlan) -> None:
    (target,) = gb18030.tasks[2].targets
    assert (target.year, target.comparator, target.value, target.unit) == (
        "每年",
        ">=",
        Decimal(5),
        "场",
    )


# --- no categories ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flat() -> ParsedPlan:
    return read_plan("no-categories.txt")


def test_tasks_without_categories_get_one_category_named_after_the_section(
    flat: ParsedPlan,
) -> None:
    (category,) = flat.categories
    assert (category.number, category.title) == (1, "重点任务")
    assert [t.number for t in category.tasks] == [1, 2, 3]


def test_leads_of_a_county_plan_without_categories(flat: ParsedPlan) -> None:
    assert [units(t) for t in flat.tasks] == [
        ("县农业农村局", [("县卫生健康局", False), ("县财政局", False)]),
        ("县生态环境分局", []),
        ("县住房和城乡建设局", [("各乡镇人民政府", False)]),
    ]


def test_title_from_the_circular_a_bracketed_number_and_a_date_in_chinese_numerals(
    flat: ParsedPlan,
) -> None:
    assert flat.title == "临城县农村人居环境整治提升工作方案"
    assert flat.doc_number == "临政办字〔2024〕12号"
    assert flat.issuer == "临城县人民政府办公室"
    assert flat.issued_on == datetime.date(2024, 5, 8)


def test_full_coverage_in_a_county_plan_is_one_hundred_percent(flat: ParsedPlan) -> None:
    (target,) = flat.tasks[2].targets
    assert (target.year, target.comparator, target.value, target.unit) == (
        2025,
        ">=",
        Decimal(100),
        "%",
    )
    assert target.text == "到2025年，农村生活垃圾收运处置体系实现全覆盖"


def test_a_plan_with_nothing_but_numbered_tasks_is_read_as_one_category() -> None:
    text = (
        "1.加强标准宣贯。组织标准化培训。(市市场监管局负责)\n"
        "2.推进标准实施。开展标准实施评估。(市市场监管局、市工业和信息化局)\n"
    )
    plan = parse_plan(text)
    (category,) = plan.categories
    assert category.title == "重点任务"
    assert [units(t) for t in plan.tasks] == [
        ("市市场监管局", []),
        ("市市场监管局", [("市工业和信息化局", False)]),
    ]


# --- note variants, one at a time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "lead", "co_units"),
    [
        ("(责任单位:市科技局、市财政局)", "市科技局", [("市财政局", False)]),
        ("（责任单位：市科技局；市财政局）", "市科技局", [("市财政局", False)]),
        ("(责任单位:市科技局，市财政局)", "市科技局", [("市财政局", False)]),
        ("（牵头部门：市科技局；配合部门：市财政局）", "市科技局", [("市财政局", False)]),
        ("（责任部门：市科技局、市财政局）", "市科技局", [("市财政局", False)]),
        ("（主责单位：市科技局；参与单位：市财政局）", "市科技局", [("市财政局", False)]),
        ("（市科技局牵头，市财政局配合）", "市科技局", [("市财政局", False)]),
        ("（市科技局、市财政局牵头，有关部门按职责分工负责）", "市科技局", [("市财政局", True)]),
        ("（市科技局牵头，相关部门配合）", "市科技局", []),
        ("(市科技局牵头)", "市科技局", []),
        ("(市科技局负责)", "市科技局", []),
        ("（市科技局、市财政局）", "市科技局", [("市财政局", False)]),
        (
            "（责任单位：市科技局、各县（市、区）政府）",
            "市科技局",
            [("各县(市、区)政府", False)],
        ),
        (
            "（责任单位：市科技局、各相关单位；完成时限：2025年底）",
            "市科技局",
            [],
        ),
    ],
)
def test_every_written_form_of_a_responsibility_note_is_read(
    note: str, lead: str, co_units: list[tuple[str, bool]]
) -> None:
    plan = parse_plan(f"三、重点任务\n1.推进科技创新。建设创新平台。{note}\n")
    assert units(plan.tasks[0]) == (lead, co_units)
    assert plan.tasks[0].measures[0].text == "建设创新平台。"


def test_units_separated_by_spaces_are_two_units() -> None:
    plan = parse_plan(
        "三、重点任务\n1.推进科技创新。建设创新平台。（责任单位： 市科技局 市财政局）\n"
    )
    assert units(plan.tasks[0]) == ("市科技局", [("市财政局", False)])


def test_a_note_broken_over_two_lines_is_joined_without_a_space() -> None:
    plan = parse_plan(
        "三、重点任务\n1.推进科技创新。建设创新平台。(责任单位:市科技局、市财\n政局)\n"
    )
    assert units(plan.tasks[0]) == ("市科技局", [("市财政局", False)])
    assert [m.line for m in plan.unit_mentions] == [2, 2]


def test_text_after_the_last_note_of_a_middle_task_is_kept_as_a_measure_without_units() -> None:
    plan = parse_plan(
        "三、重点任务\n"
        "1.推进科技创新。建设创新平台。(市科技局负责)2025年底前完成平台验收。\n"
        "2.加强成果转化。建设转化基地。(市科技局负责)\n"
    )
    assert [(m.text, m.units) for m in plan.tasks[0].measures] == [
        ("建设创新平台。", ["市科技局"]),
        ("2025年底前完成平台验收。", []),
    ]


def test_tasks_written_before_the_first_category_form_a_category_numbered_zero() -> None:
    plan = parse_plan(
        "三、重点任务\n"
        "1.推进科技创新。建设创新平台。(市科技局负责)\n"
        "(一)强化成果转化\n"
        "2.加强成果转化。建设转化基地。(市科技局负责)\n"
    )
    assert [(c.number, c.title, len(c.tasks)) for c in plan.categories] == [
        (0, "重点任务", 1),
        (1, "强化成果转化", 1),
    ]


def test_a_document_number_on_the_line_under_the_title_is_read_but_not_a_cited_one() -> None:
    text = (
        "邢台市测试工作实施方案\n"
        "邢政字〔2024〕8号\n"
        "根据《河北省实施方案》(冀政字〔2023〕3号)精神,制定本方案。\n"
        "一、重点任务\n"
        "1.开展测试。开展测试工作。(市科技局负责)\n"
    )
    assert parse_plan(text).doc_number == "邢政字〔2024〕8号"
    without = text.replace("邢政字〔2024〕8号\n", "")
    assert parse_plan(without).doc_number == ""


def test_spaces_around_a_label_colon_do_not_split_the_label_from_its_units() -> None:
    plan = parse_plan(
        "三、重点任务\n1.推进科技创新。建设创新平台。(牵头单位 : 市科技局 ; 配合单位 : 市财政局)\n"
    )
    assert units(plan.tasks[0]) == ("市科技局", [("市财政局", False)])


def test_a_lead_verb_note_may_name_partners_that_are_not_government_units() -> None:
    plan = parse_plan(
        "三、重点任务\n1.推进科技创新。建设创新平台。（市科技局牵头，重点企业配合）\n"
    )
    assert units(plan.tasks[0]) == ("市科技局", [("重点企业", False)])
