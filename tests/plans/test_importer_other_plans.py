"""Importing other cities' plans: Word and PDF files, vague names, deadlines, no 文号,
corrections, and the files that must be refused with one line and nothing written."""

from __future__ import annotations

import datetime
import io
import json
from io import StringIO
from pathlib import Path

import docx
import pypdf
import pytest
import weasyprint
from django.core.management import CommandError, call_command
from django.utils import translation

from audit.models import AuditEvent
from departments.models import Unit
from departments.services import registry_sync
from plans.importer.corrections import ImportCorrections, TaskCorrection
from plans.importer.service import PlanImportError, plan_import
from plans.models import Category, Plan, Task
from tests.plans.test_importer_command import counts
from tests.plans.test_importer_shapes import B, C, D, as_docx, as_pdf, shape_text
from workflow.selectors import default_deadlines


@pytest.fixture
def registry(db: None) -> None:
    registry_sync(by=None)


@pytest.fixture(autouse=True)
def english() -> None:
    with translation.override("en"):
        yield


def run_import(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_plan", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.django_db
def test_a_word_plan_imports_with_vague_names_left_to_assign_never_created(
    registry: None, tmp_path: Path
) -> None:
    units_before = Unit.objects.count()
    out = run_import(str(write(tmp_path, "plan.docx", as_docx(shape_text(B)))), "--create-units")
    assert "Imported «某市计量发展实施方案» (某政办发〔2024〕7号): 1 categories, 5 tasks." in out
    assert (
        "1 task names responsibility vaguely (such as 各有关单位): "
        "to be assigned on the task (task 4)." in out
    )
    plan = Plan.objects.get()
    task = plan.tasks.get(number=4)
    assert task.unassigned == ["各有关单位"]
    assert list(task.task_units.values_list("unit__name", flat=True)) == ["市市场监管局"]
    # 各区、县级市 is the county group, written Guangdong's way.
    second = plan.tasks.get(number=2)
    assert "各县(市、区)政府" in second.task_units.values_list("unit__name", flat=True)
    # Nothing vague became a unit, even with --create-units.
    assert Unit.objects.count() == units_before
    assert not Unit.objects.filter(name__contains="有关").exists()
    first = plan.tasks.get(number=1)
    assert (first.deadline, first.deadline_text, first.standing) == (
        datetime.date(2024, 12, 31),
        "2024年底前",
        False,
    )
    fifth = plan.tasks.get(number=5)
    assert (fifth.deadline, fifth.standing) == (None, True)


@pytest.mark.django_db
def test_a_pdf_plan_with_two_levels_keeps_categories_and_sub_categories(
    registry: None, tmp_path: Path
) -> None:
    run_import(str(write(tmp_path, "plan.pdf", as_pdf(shape_text(C)))))
    plan = Plan.objects.get()
    tops = Category.objects.filter(plan=plan, parent=None)
    assert [str(c) for c in tops] == ["二、提升产品质量", "三、提升服务质量"]
    subs = Category.objects.filter(plan=plan, parent__isnull=False)
    assert [(str(c.parent), str(c)) for c in subs] == [
        ("二、提升产品质量", "（一）加强质量攻关"),
        ("二、提升产品质量", "（二）强化消费品质量"),
        ("三、提升服务质量", "（一）提升生活服务质量"),
    ]
    assert [t.number for t in plan.tasks.order_by("order")] == [2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_a_plan_without_a_document_number_gets_a_stable_key_or_the_given_one(
    registry: None, tmp_path: Path
) -> None:
    path = write(tmp_path, "plan.pdf", as_pdf(shape_text(C)))
    run_import(str(path))
    key = Plan.objects.get().doc_number
    assert key.startswith("无文号-") and len(key) == len("无文号-") + 8
    # The same plan again is recognised by its key, not imported twice.
    assert "already imported" in run_import(str(path))
    run_import(str(path), "--doc-number", "某政办字〔2024〕3号")
    assert sorted(Plan.objects.values_list("doc_number", flat=True)) == sorted(
        [key, "某政办字〔2024〕3号"]
    )


@pytest.mark.django_db
def test_the_division_of_labour_table_gives_deadlines_the_dispatch_takes(
    registry: None, tmp_path: Path
) -> None:
    run_import(str(write(tmp_path, "plan.docx", as_docx(shape_text(D)))), "--create-units")
    task = Task.objects.get(number=2)
    assert task.deadline == datetime.date(2025, 12, 31)
    acknowledge_by, complete_by = default_deadlines(task, datetime.date(2025, 3, 1))
    assert complete_by == datetime.date(2025, 12, 31)
    # A deadline already past does not make the task due before it is acknowledged.
    acknowledge_by, complete_by = default_deadlines(task, datetime.date(2026, 3, 1))
    assert complete_by >= acknowledge_by


@pytest.mark.django_db
def test_corrections_set_leads_co_units_deadlines_and_create_units_explicitly(
    registry: None, tmp_path: Path
) -> None:
    text = shape_text(B).replace("市人力资源社会保障局", "市人才发展局")
    path = write(tmp_path, "plan.txt", text.encode())
    with pytest.raises(CommandError, match="Unknown units, not in the registry: 市人才发展局"):
        run_import(str(path))
    corrections = {
        "create": ["市人才发展局"],
        "tasks": {
            "4": {"co_units": ["市教育局"], "deadline": "2025年6月底前"},
            "2": {"lead": "市商务局"},
        },
    }
    corrections_path = tmp_path / "corrections.json"
    corrections_path.write_text(json.dumps(corrections, ensure_ascii=False), encoding="utf-8")
    run_import(str(path), "--corrections", str(corrections_path))
    plan = Plan.objects.get()
    fourth = plan.tasks.get(number=4)
    assert fourth.unassigned == []
    assert list(fourth.task_units.values_list("unit__name", flat=True)) == [
        "市市场监管局",
        "市教育局",
    ]
    assert fourth.deadline == datetime.date(2025, 6, 30)
    second = plan.tasks.get(number=2)
    assert second.lead_unit.name == "市商务局"
    # The old lead was a misreading, not a co-unit.
    assert "市市场监管局" not in second.task_units.values_list("unit__name", flat=True)
    assert Unit.objects.filter(name="市人才发展局").exists()
    event = AuditEvent.objects.get(action="plan.import")
    assert event.summary["corrections"]["create"] == ["市人才发展局"]


HEAD = "某市测试方案\n某政发〔2024〕1号\n一、重点任务\n"


@pytest.mark.django_db
def test_a_task_naming_only_vague_units_needs_a_lead_before_it_can_be_imported(
    registry: None,
) -> None:
    text = HEAD + "1.开展测试。开展测试工作。（各有关单位按职责分工负责）\n"
    before = counts()
    with pytest.raises(PlanImportError, match="Task 1 \\(line 4\\) names no particular lead unit"):
        plan_import(data=text.encode(), source_name="plan.txt", by=None, create_units=True)
    assert counts() == before
    corrections = ImportCorrections(tasks={1: TaskCorrection(lead="市科技局")})
    result = plan_import(
        data=text.encode(), source_name="plan.txt", by=None, corrections=corrections
    )
    task = result.plan.tasks.get()
    assert (task.lead_unit.name, task.unassigned) == ("市科技局", ["各有关单位"])


@pytest.mark.django_db
def test_a_vague_name_cannot_be_made_a_lead(registry: None) -> None:
    text = HEAD + "1.开展测试。开展测试工作。（市科技局负责）\n"
    corrections = ImportCorrections(tasks={1: TaskCorrection(lead="各有关部门")})
    with pytest.raises(PlanImportError, match="names no particular unit and cannot lead task 1"):
        plan_import(data=text.encode(), source_name="p.txt", by=None, corrections=corrections)


def encrypted_pdf() -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(as_pdf(shape_text(B))))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    drawing = "<svg width='400' height='200'><rect width='300' height='100' fill='#333'/></svg>"
    return weasyprint.HTML(string=drawing).write_pdf()


def docx_without_tasks() -> bytes:
    document = docx.Document()
    document.add_paragraph("关于召开质量工作会议的通知")
    document.add_paragraph("定于下周一召开会议，请准时参加。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BAD_FILES = {
    "encrypted.pdf": (encrypted_pdf, "The PDF is password-protected"),
    "scan.pdf": (scanned_pdf, "no text layer (it is a scan): OCR it first"),
    "notice.docx": (docx_without_tasks, "No tasks were found"),
    "corrupt.docx": (lambda: as_docx(shape_text(B))[:900], "The Word file is damaged"),
    "corrupt.pdf": (lambda: as_pdf(shape_text(B))[:300], "The PDF is damaged"),
    "old.doc": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "LibreOffice"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_one_clear_line_and_nothing_is_written(
    registry: None, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, expected = BAD_FILES[name]
    monkeypatch.setattr("shutil.which", lambda _name: None)  # no LibreOffice for old.doc
    path = write(tmp_path, name, make())
    before = counts()
    with pytest.raises(CommandError) as exc:
        run_import(str(path))
    message = str(exc.value)
    assert expected in message
    assert "\n" not in message and "Traceback" not in message
    assert counts() == before
