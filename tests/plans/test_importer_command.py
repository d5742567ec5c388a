import json
import os
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase

from audit.models import AuditEvent
from departments.models import Unit
from departments.services import registry_sync, unit_create
from plans.importer.service import plan_import
from plans.models import Category, Measure, Plan, PlanTarget, Task, TaskTarget, TaskUnit
from tests.audit_coverage import audited
from tests.base import XINGTAI_PLAN

SMALL_PLAN = """\
邢台市测试工作实施方案
邢政字〔2024〕8号
一、工作目标
到2025年,测试覆盖率达到90%以上。
二、重点任务
(一)第一类工作。
1.第一项任务。开展测试工作。(牵头单位:市工信局;配合单位:市发改委、{extra})
2.第二项任务。继续测试工作。(市科技局牵头,市财政局配合)
邢台市人民政府
2024年3月5日
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_plan", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Plan, PlanTarget, Category, Task, TaskUnit, Measure, TaskTarget, Unit)
    )


@pytest.fixture
def registry(db: None) -> None:
    registry_sync(by=None)


class ImportXingtaiTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)

    def test_it_imports_the_real_plan_with_its_categories_tasks_and_units(self) -> None:
        with audited(plan_import, action="plan.import", by=None, summary={"tasks": 27}, count=1):
            out, _err = run_import(str(XINGTAI_PLAN))
        self.assertIn("邢政办字〔2023〕25号", out)
        plan = Plan.objects.get()
        self.assertEqual(plan.title, "邢台市质量强市建设行动方案(2023—2027年)")
        self.assertEqual(plan.issuer, "邢台市人民政府办公室")
        self.assertEqual(plan.issued_on.isoformat(), "2023-04-17")
        self.assertEqual(plan.categories.count(), 8)
        self.assertEqual(plan.tasks.count(), 27)
        task5 = plan.tasks.get(number=5)
        self.assertEqual(task5.lead_unit.name, "市科技局")
        self.assertEqual(
            [tu.unit.name for tu in task5.task_units.exclude(role="lead")],
            ["市市场监管局", "市工业和信息化局", "市税务局", "各县(市、区)政府"],
        )
        self.assertTrue(
            TaskTarget.objects.filter(
                task__number=4, every_year=True, value=80, unit_of_measure="家"
            ).exists()
        )
        self.assertTrue(plan.targets.filter(year=2025, value=98.5, comparator=">=").exists())
        event = AuditEvent.objects.get(action="plan.import")
        self.assertEqual(event.object_id, str(plan.pk))
        self.assertEqual(event.summary["tasks"], 27)

    def test_importing_the_same_document_number_again_changes_nothing(self) -> None:
        run_import(str(XINGTAI_PLAN))
        before = counts()
        out, _err = run_import(str(XINGTAI_PLAN))
        self.assertIn("邢政办字〔2023〕25号", out)
        self.assertIn("--replace", out)
        self.assertEqual(counts(), before)
        self.assertEqual(AuditEvent.objects.filter(action__startswith="plan.").count(), 1)

    def test_replace_rebuilds_the_plan_under_the_same_identity(self) -> None:
        run_import(str(XINGTAI_PLAN))
        plan_pk = Plan.objects.get().pk
        before = counts()
        run_import(str(XINGTAI_PLAN), "--replace")
        self.assertEqual(Plan.objects.get().pk, plan_pk)
        self.assertEqual(counts(), before)
        self.assertTrue(AuditEvent.objects.filter(action="plan.replace").exists())

    def test_replace_is_refused_once_work_has_started(self) -> None:
        run_import(str(XINGTAI_PLAN))
        Plan.objects.update(status=Plan.Status.ACTIVE)
        before = counts()
        with self.assertRaisesMessage(CommandError, "邢政办字〔2023〕25号"):
            run_import(str(XINGTAI_PLAN), "--replace")
        self.assertEqual(counts(), before)

    def test_dry_run_json_prints_the_parsed_plan_and_writes_nothing(self) -> None:
        out, _err = run_import(str(XINGTAI_PLAN), "--dry-run", "--json")
        self.assertEqual(counts()[:7], (0,) * 7)
        data = json.loads(out)
        self.assertEqual(data["doc_number"], "邢政办字〔2023〕25号")
        self.assertEqual(data["issued_on"], "2023-04-17")
        self.assertEqual(len(data["categories"]), 8)
        tasks = [task for category in data["categories"] for task in category["tasks"]]
        self.assertEqual([task["number"] for task in tasks], list(range(1, 28)))
        self.assertEqual(tasks[0]["lead_unit"], "市市场监管局")
        self.assertEqual(tasks[0]["co_units"], ["各县(市、区)政府"])
        self.assertIn("各县(市、区)政府", tasks[26]["co_units"])
        self.assertEqual(
            set(tasks[0]),
            {
                "number",
                "title",
                "lead_unit",
                "co_units",
                "co_leads",
                "measures",
                "targets",
                "deadline",
                "vague",
            },
        )
        self.assertEqual(set(tasks[0]["measures"][0]), {"text", "units"})
        target = tasks[3]["targets"][0]
        self.assertEqual(set(target), {"text", "year", "comparator", "value", "unit"})
        self.assertEqual(target["year"], "每年")


@pytest.mark.django_db
def test_aliases_in_the_text_resolve_to_registry_names(registry: None, tmp_path: Path) -> None:
    path = write(tmp_path, "small.txt", SMALL_PLAN.format(extra="市工业和信息化局"))
    out, _err = run_import(str(path), "--dry-run", "--json")
    task = json.loads(out)["categories"][0]["tasks"][0]
    assert task["lead_unit"] == "市工业和信息化局"
    # 市工信局 and 市工业和信息化局 are one unit: it is lead, not also a co-unit.
    assert task["co_units"] == ["市发展改革委"]


@pytest.mark.django_db
def test_unknown_units_stop_the_import_listing_each_name_and_line(
    registry: None, tmp_path: Path
) -> None:
    path = write(tmp_path, "unknown.txt", SMALL_PLAN.format(extra="市火星开发局、市月球办"))
    before = counts()
    with pytest.raises(CommandError) as exc:
        run_import(str(path))
    message = str(exc.value)
    assert "市火星开发局" in message and "市月球办" in message
    assert "7" in message  # the line of task 1's note
    assert "--create-units" in message
    assert "\n" not in message
    assert counts() == before


@pytest.mark.django_db
def test_create_units_adds_the_unknown_units_and_imports(registry: None, tmp_path: Path) -> None:
    path = write(tmp_path, "unknown.txt", SMALL_PLAN.format(extra="市火星开发局"))
    with audited(unit_create, action="unit.create", summary={"name": "市火星开发局"}, count=1):
        out, _err = run_import(str(path), "--create-units")
    assert "市火星开发局" in out
    unit = Unit.objects.get(name="市火星开发局")
    task = Task.objects.get(number=1)
    assert list(task.task_units.values_list("unit__name", flat=True)) == [
        "市工业和信息化局",
        "市发展改革委",
        "市火星开发局",
    ]
    assert AuditEvent.objects.filter(action="unit.create", object_id=str(unit.pk)).exists()


@pytest.mark.django_db
def test_a_gb18030_file_imports_like_utf8(registry: None, tmp_path: Path) -> None:
    path = write(tmp_path, "gbk.txt", SMALL_PLAN.format(extra="市商务局").encode("gb18030"))
    run_import(str(path))
    plan = Plan.objects.get()
    assert plan.doc_number == "邢政字〔2024〕8号"
    assert plan.tasks.get(number=2).lead_unit.name == "市科技局"


BAD_INPUTS = {
    "empty": b"",
    "blank": b"   \n\n  \n",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "no-tasks": "今天天气很好。\n市场监管局召开会议,研究部署下一阶段工作。\n".encode(),
    "truncated": XINGTAI_PLAN.read_bytes()[
        : XINGTAI_PLAN.read_bytes().index("14.提高".encode()) + 200
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_nothing_is_written(
    registry: None, tmp_path: Path, name: str
) -> None:
    path = write(tmp_path, f"{name}.txt", BAD_INPUTS[name])
    before = counts()
    with pytest.raises(CommandError) as exc:
        run_import(str(path))
    message = str(exc.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert counts() == before


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_error(registry: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing\.txt"):
        run_import(str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("name", ["empty", "binary"])
def test_the_command_line_shows_no_traceback(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"{name}.txt", BAD_INPUTS[name])
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("CommandError: ")


@pytest.mark.postgres
class ConcurrentImportTests(TransactionTestCase):
    def test_two_imports_of_one_plan_at_once_store_it_once(self) -> None:
        registry_sync(by=None)
        data = XINGTAI_PLAN.read_bytes()
        barrier = threading.Barrier(2)
        results: list[object] = []

        def worker() -> None:
            try:
                barrier.wait()
                results.append(plan_import(data=data, source_name="x.txt", by=None))
            except Exception as exc:  # pragma: no cover - reported by the assertion
                results.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(not isinstance(result, Exception) for result in results), results
        assert sorted(result.created for result in results) == [False, True]
        assert Plan.objects.count() == 1
        assert Task.objects.count() == 27
        assert AuditEvent.objects.filter(action="plan.import").count() == 1
