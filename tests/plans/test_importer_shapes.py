"""The four shapes municipal plans come in, each read from text, .docx, .pdf and a web page.

(a) the Xingtai shape: 三、重点任务 → （一）category → 1.task(note); see test_importer_parser.py
(b) 一、主要任务 → （一）task(note)
(c) 一、 → （一） → 1.task(note), numbers running on across sections, a target numbered 1.
(d) prose body, responsibilities in the appendix table 重点任务分工表
"""

from __future__ import annotations

import datetime
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from html import escape
from pathlib import Path

import docx
import pytest
import weasyprint
from django.utils import translation

from plans.importer.deadlines import read_deadline
from plans.importer.notes import is_vague
from plans.importer.parsed import ParsedPlan, ParsedTask
from plans.importer.parser import parse_plan
from plans.importer.sources import plan_text_from_file

SHAPES = Path(__file__).resolve().parent / "shapes"
B = "b-tasks-under-main-tasks.txt"
C = "c-three-levels-running-numbers.txt"
D = "d-division-of-labour-table.txt"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def shape_text(name: str) -> str:
    return (SHAPES / name).read_text(encoding="utf-8")


def as_docx(text: str) -> bytes:
    """The text as Word writes it: paragraphs, and tab rows as a real table."""
    document = docx.Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if not rows:
            return
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                table.cell(r, c).text = value
        rows.clear()

    for line in text.splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        document.add_paragraph(line)
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_html(text: str) -> str:
    parts: list[str] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                for row in rows
            )
            parts.append(f"<table border='1'>{body}</table>")
            rows.clear()

    for line in text.splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
        else:
            flush()
            parts.append(f"<p>{escape(line)}</p>")
    flush()
    return "".join(parts)


def as_pdf(text: str) -> bytes:
    css = (
        "@page { size: A4; margin: 20mm } body { font-size: 10pt }"
        " table { border-collapse: collapse } td { border: 0.5pt solid black; padding: 2pt }"
    )
    return weasyprint.HTML(string=f"<style>{css}</style>{as_html(text)}").write_pdf()


def as_web_page(text: str) -> bytes:
    page = (
        "<html><head><meta charset='gb2312'><title>某市人民政府</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> &gt; <a href='/zc'>政策文件</a></div>"
        f"<div id='zoom'>{as_html(text)}</div>"
        "<div class='footer'>主办：某市人民政府办公室</div></body></html>"
    )
    return page.encode("gb18030")


FORMATS = {
    ".txt": lambda text: text.encode("gb18030"),
    ".docx": as_docx,
    ".pdf": as_pdf,
    ".html": as_web_page,
}


def read(name: str, suffix: str) -> ParsedPlan:
    data = FORMATS[suffix](shape_text(name))
    return parse_plan(plan_text_from_file(data, "plan" + suffix))


def summary(task: ParsedTask) -> tuple:
    return (
        task.number,
        task.title,
        task.lead_unit,
        task.co_units,
        task.vague,
        task.deadline.date if task.deadline else None,
        bool(task.deadline and task.deadline.standing),
    )


# --- (b) 一、主要任务 → （一）task ------------------------------------------------------------

B_TASKS = [
    (
        1,
        "夯实计量基础",
        "市市场监管局",
        [("市财政局", False), ("市科技局", False)],
        [],
        datetime.date(2024, 12, 31),
        False,
    ),
    (
        2,
        "强化民生计量",
        "市市场监管局",
        [("市商务局", False), ("各区、县级市", False)],
        [],
        None,
        False,
    ),
    (
        3,
        "服务产业发展",
        "市工业和信息化局",
        [("市科技局", False), ("市财政局", False)],
        [],
        None,
        False,
    ),
    (4, "加强计量监管", "市市场监管局", [], ["各有关单位"], None, False),
    (5, "培养计量人才", "市人力资源社会保障局", [("市教育局", True)], [], None, True),
]


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_tasks_numbered_like_categories_under_main_tasks_are_read(suffix: str) -> None:
    plan = read(B, suffix)
    assert [summary(task) for task in plan.tasks] == B_TASKS
    # The one heading all tasks share is the task section: it names the single category.
    assert [(c.title, len(c.tasks)) for c in plan.categories] == [("主要任务", 5)]
    # The safeguards' own （一）（二） carry no note: context, not tasks.
    assert len(plan.tasks) == 5


def test_the_circular_gives_number_issuer_and_a_date_in_chinese_numerals() -> None:
    plan = parse_plan(shape_text(B))
    assert plan.title == "某市计量发展实施方案"
    assert plan.doc_number == "某政办发〔2024〕7号"
    assert plan.issuer == "某市人民政府办公室"
    assert plan.issued_on == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("letterhead", ["某市人民政府", "某市人民政府文件"])
def test_the_issuer_heading_the_circular_on_its_own_line_is_the_issuer(letterhead: str) -> None:
    # No signature above the date: the circular's heading names the issuer.
    plan = parse_plan(
        f"{letterhead}\n关于印发某市消费品质量提升实施方案的通知\n某政发〔2023〕12号\n"
        "某市消费品质量提升实施方案\n"
        "一、主要任务\n（一）开展标准对标。（牵头单位：市市场监管局）\n"
        "二〇二三年九月一日\n"
    )
    assert (plan.issuer, plan.issued_on) == ("某市人民政府", datetime.date(2023, 9, 1))
    assert plan.title == "某市消费品质量提升实施方案"


# --- (c) 一、 → （一） → 1., numbers running on ---------------------------------------------


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_three_levels_give_categories_and_sub_categories(suffix: str) -> None:
    plan = read(C, suffix)
    outline = [
        (
            category.label,
            category.title,
            [
                (sub.label, sub.title, [t.number for t in sub.tasks])
                for sub in category.subcategories
            ],
        )
        for category in plan.categories
    ]
    assert outline == [
        (
            "二、",
            "提升产品质量",
            [("（一）", "加强质量攻关", [2, 3]), ("（二）", "强化消费品质量", [4])],
        ),
        ("三、", "提升服务质量", [("（一）", "提升生活服务质量", [5, 6])]),
    ]


def test_a_numbered_target_is_context_and_task_numbers_run_on_from_it() -> None:
    plan = parse_plan(shape_text(C))
    assert [task.number for task in plan.tasks] == [2, 3, 4, 5, 6]
    assert [target.text for target in plan.targets] == ["到2025年，制造业产品质量合格率达到94%以上"]
    assert plan.doc_number == ""


def test_units_of_the_three_level_plan() -> None:
    plan = parse_plan(shape_text(C))
    assert [(t.lead_unit, t.co_units) for t in plan.tasks] == [
        ("市工业和信息化局", [("市科技局", False)]),
        ("市市场监管局", [("各县(市、区)人民政府", False)]),
        ("市市场监管局", [("市商务局", False)]),
        ("市民政局", [("市卫生健康委", False), ("各县区政府", False)]),
        ("市商务局", [("市人力资源社会保障局", True)]),
    ]
    assert plan.tasks[2].deadline == read_deadline("2024年6月底前")


def test_a_gap_in_running_numbers_across_sections_is_still_reported() -> None:
    text = shape_text(C).replace("5.提升养老服务质量", "7.提升养老服务质量")
    with pytest.raises(Exception, match="Task 5 is missing: task 4 is followed by task 7"):
        parse_plan(text)


# --- (d) the division-of-labour table -------------------------------------------------------


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_the_division_of_labour_table_gives_the_tasks(suffix: str) -> None:
    plan = read(D, suffix)
    assert [(c.label, c.title, [t.number for t in c.tasks]) for c in plan.categories] == [
        ("一、", "提高知识产权创造质量", [1, 2]),
        ("二、", "加强知识产权保护", [3, 4]),
    ]
    assert [summary(task) for task in plan.tasks] == [
        (
            1,
            "加强高价值专利培育",
            "市市场监管局",
            [("市科技局", False), ("市财政局", False)],
            [],
            None,
            True,
        ),
        (2, "推进专利转化运用", "市科技局", [], ["各有关单位"], datetime.date(2025, 12, 31), False),
        (
            3,
            "健全执法衔接机制",
            "市市场监管局",
            [("市公安局", False), ("市中级人民法院", False)],
            [],
            datetime.date(2024, 6, 30),
            False,
        ),
        (4, "加强海外维权", "市商务局", [], ["市各项目牵头单位"], None, True),
    ]
    # A row without a number continues the task above with another measure.
    assert [m.text for m in plan.tasks[2].measures] == [
        "建立行政执法和司法保护衔接机制。",
        "开展知识产权执法专项行动。",
    ]
    # The table's measures state targets like any clause.
    assert [(t.value, t.unit, t.year) for t in plan.tasks[0].targets] == [(100, "件", "每年")]


def test_a_plan_with_neither_notes_nor_a_table_says_what_it_looked_for() -> None:
    text = shape_text(D).split("附件")[0]
    with pytest.raises(Exception, match="no division-of-labour table"):
        parse_plan(text)


# --- notes in every common form --------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "lead", "co_units", "vague"),
    [
        (
            "（牵头单位：市科技局；配合单位：市财政局、市教育局）",
            "市科技局",
            [("市财政局", False), ("市教育局", False)],
            [],
        ),
        (
            "（牵头单位：市科技局，配合单位：市财政局、市教育局，各区、县级市）",
            "市科技局",
            [("市财政局", False), ("市教育局", False), ("各区、县级市", False)],
            [],
        ),
        (
            "（市科技局牵头，市财政局、市教育局配合）",
            "市科技局",
            [("市财政局", False), ("市教育局", False)],
            [],
        ),
        ("（责任单位：市科技局、市财政局）", "市科技局", [("市财政局", False)], []),
        ("(牵头单位:市科技局,市财政局)", "市科技局", [("市财政局", True)], []),
        ("（牵头单位：市科技局）", "市科技局", [], []),
        (
            "（牵头单位：市科技局；配合单位：各县（市、区）人民政府）",
            "市科技局",
            [("各县(市、区)人民政府", False)],
            [],
        ),
        ("（牵头单位：市科技局；配合单位：各县区政府）", "市科技局", [("各县区政府", False)], []),
        ("（牵头单位：市科技局；配合单位：各区县政府）", "市科技局", [("各区县政府", False)], []),
        (
            "（牵头单位：市科技局；配合单位：市直有关部门、各项目牵头单位）",
            "市科技局",
            [],
            ["市直有关部门", "各项目牵头单位"],
        ),
        ("（各有关单位按职责分工负责）", "", [], ["各有关单位"]),
    ],
)
def test_responsibility_notes_in_every_common_form(
    note: str, lead: str, co_units: list, vague: list
) -> None:
    plan = parse_plan(f"一、重点任务\n1.开展测试。开展测试工作。{note}\n")
    task = plan.tasks[0]
    assert (task.lead_unit, task.co_units, task.vague) == (lead, co_units, vague)


@pytest.mark.parametrize(
    "phrase",
    [
        "各有关单位",
        "市直有关部门",
        "有关部门",
        "各项目牵头单位",
        "各相关部门",
        "市政府有关部门",
        "各地",
        "其他成员单位",
        "属地政府",
    ],
)
def test_vague_phrases_are_recognised(phrase: str) -> None:
    assert is_vague(phrase)


@pytest.mark.parametrize(
    "name",
    ["市市场监管局", "各县(市、区)政府", "各区、县级市", "各县区政府", "市政府办公室", "邢台海关"],
)
def test_particular_units_are_not_vague(name: str) -> None:
    assert not is_vague(name)


# --- deadlines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "date", "standing"),
    [
        ("2023年底前", datetime.date(2023, 12, 31), False),
        ("2024年6月底前", datetime.date(2024, 6, 30), False),
        ("2024年7月前", datetime.date(2024, 6, 30), False),
        ("2024年6月15日前", datetime.date(2024, 6, 15), False),
        ("2025年上半年", datetime.date(2025, 6, 30), False),
        ("2025年第三季度", datetime.date(2025, 9, 30), False),
        ("2023—2027年", datetime.date(2027, 12, 31), False),
        ("2024-06-30", datetime.date(2024, 6, 30), False),
        ("长期坚持", None, True),
        ("持续推进", None, True),
        ("每年", None, True),
    ],
)
def test_deadlines_as_plans_write_them(
    written: str, date: datetime.date | None, standing: bool
) -> None:
    deadline = read_deadline(written)
    assert deadline is not None
    assert (deadline.text, deadline.date, deadline.standing) == (written, date, standing)


@pytest.mark.parametrize("written", ["", "尽快", "按要求"])
def test_words_that_set_no_deadline_give_none(written: str) -> None:
    assert read_deadline(written) is None


def test_a_deadline_in_parentheses_at_the_end_of_a_clause_is_read() -> None:
    plan = parse_plan(
        "一、重点任务\n1.开展测试。开展测试工作（2025年底前完成）。（市科技局负责）\n"
    )
    assert plan.tasks[0].deadline == read_deadline("2025年底前完成")
    assert plan.tasks[0].deadline.date == datetime.date(2025, 12, 31)


# --- (a) the Xingtai plan, whatever the format it comes in ---------------------------------

XINGTAI = Path(__file__).resolve().parents[2] / "data" / "plans" / "xingtai-quality-2023-2027.txt"


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".html"])
def test_the_xingtai_plan_reads_the_same_from_word_pdf_and_a_web_page(suffix: str) -> None:
    text = XINGTAI.read_text(encoding="utf-8")
    expected = parse_plan(text).to_json_dict()
    data = FORMATS[suffix](text)
    assert parse_plan(plan_text_from_file(data, "plan" + suffix)).to_json_dict() == expected


# The Xingtai plan as the importer read it before other cities' plans were read
# (commit afe9004~1), written out once: today's reading must add nothing else.
BEFORE_ISSUE_16 = SHAPES / "xingtai-before-issue-16.json"


def test_the_xingtai_plan_reads_exactly_as_before_other_shapes_were_read() -> None:
    plan = parse_plan(XINGTAI.read_text(encoding="utf-8")).to_json_dict()
    for category in plan["categories"]:
        assert "subcategories" not in category
        for task in category["tasks"]:
            # The two fields added since: the Xingtai plan sets no deadline and no vague name.
            assert task.pop("deadline") is None
            assert task.pop("vague") == []
    assert plan == json.loads(BEFORE_ISSUE_16.read_text(encoding="utf-8"))


# --- targets stated on the targets heading's own line -----------------------------------------


@pytest.mark.parametrize(
    "heading",
    ["（二）主要目标。", "（二）主要目标：", "（二）发展目标。"],
)
def test_a_target_on_the_targets_heading_line_is_read(heading: str) -> None:
    plan = parse_plan(
        "某市数字经济发展实施方案\n"
        "一、总体要求\n"
        "（一）指导思想。坚持创新驱动。\n"
        f"{heading}到2025年，数字经济核心产业增加值占地区生产总值比重达到10%。"
        "建成5G基站2000个以上。\n"
        "二、主要任务\n"
        "（一）加快新型基础设施建设。（牵头单位：市工业和信息化局）\n"
        "（二）推进产业数字化转型。（市工业和信息化局牵头，市科技局配合）\n"
    )
    assert [(t.indicator, t.year, t.comparator, t.value, t.unit) for t in plan.targets] == [
        ("数字经济核心产业增加值占地区生产总值比重", 2025, ">=", 10, "%"),
        ("建成5G基站", 2025, ">=", 2000, "个"),
    ]
    assert [task.number for task in plan.tasks] == [1, 2]


def test_a_long_first_sentence_on_a_targets_heading_is_not_taken_for_its_title() -> None:
    plan = parse_plan(
        "一、工作目标\n"
        "到2025年，营商环境进入全省前列。\n"
        "二、重点任务\n"
        "（一）优化政务服务。（牵头单位：市行政审批局）\n"
    )
    assert [t.text for t in plan.targets] == ["到2025年，营商环境进入全省前列"]


# --- .doc / .wps through a real LibreOffice, where the machine has one ------------------------

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed (the fake is tested)")
@pytest.mark.parametrize("name", [B, D])
def test_a_doc_or_wps_made_by_libreoffice_reads_like_the_text(name: str, tmp_path: Path) -> None:
    # Word 97 files made from a web page keep real tables (the 分工表 of shape d).
    page = tmp_path / "plan.html"
    page.write_text(f"<html><body>{as_html(shape_text(name))}</body></html>", encoding="utf-8")
    subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--infilter=HTML (StarWriter)",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path),
            str(page),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = (tmp_path / "plan.doc").read_bytes()
    expected = parse_plan(shape_text(name)).to_json_dict()
    for filename in ("方案.doc", "方案.wps"):
        assert parse_plan(plan_text_from_file(data, filename)).to_json_dict() == expected
