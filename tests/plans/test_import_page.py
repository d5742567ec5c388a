"""The supervisor's import page: upload a plan file, correct it, import it."""

import io
import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from departments.models import Unit, User
from departments.services import registry_sync
from plans.importer.service import plan_import
from plans.models import Plan, PlanUpload, Task
from plans.staging import plan_upload_correct, plan_upload_discard, plan_upload_stage
from tests.audit_coverage import audited
from tests.base import make_person

PLAN_TEXT = """邢台市测试行动方案
邢政办字〔2024〕9号
一、主要任务
（一）加强质量基础设施建设。完善计量体系。（牵头单位：市质量监督局；配合单位：市财政局、各有关单位；完成时限：2024年底前）
（二）推动标准化建设。（牵头单位：市市场监管局；配合单位：市工业和信息化局；完成时限：长期坚持）
二、保障措施
（三）强化组织领导。（牵头单位：市政府办；配合单位：各县（市、区）政府；完成时限：2025年6月底前）
"""


def plan_file(text: str = PLAN_TEXT, name: str = "plan.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def task_facts(plan: Plan) -> list[tuple]:
    """What an import wrote for each task: lead, co-units with roles, deadline, unassigned."""
    return [
        (
            task.number,
            task.title,
            task.lead_unit.name,
            [(link.unit.name, link.role) for link in task.task_units.order_by("order")],
            task.deadline,
            task.deadline_text,
            task.standing,
            task.unassigned,
        )
        for task in Task.objects.filter(plan=plan).order_by("order")
    ]


class ImportPageTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        unit = Unit.objects.get
        cls.bureau = unit(code="shichang")
        cls.supervisor = make_person("p.supervisor", User.Role.SUPERVISOR, cls.bureau)
        cls.other_supervisor = make_person("p.supervisor2", User.Role.SUPERVISOR, cls.bureau)
        cls.liaison = make_person("p.liaison", User.Role.LIAISON, unit(code="gongxin"))
        cls.leader = make_person("p.leader", User.Role.LEADER, unit(code="gongxin"))

    def setUp(self) -> None:
        # The page's own lines are checked in English: their Chinese comes with the catalogue.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.supervisor)

    def upload(self, file: SimpleUploadedFile | None = None) -> PlanUpload:
        response = self.client.post(reverse("plan_import_upload"), {"file": file or plan_file()})
        upload = PlanUpload.objects.get()
        self.assertRedirects(response, reverse("plan_import_review", args=[upload.pk]))
        return upload

    def review_form(self, upload: PlanUpload) -> dict[str, str]:
        """The review form's fields as the page shows them (what a browser would post)."""
        response = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertEqual(response.status_code, 200)
        form: dict[str, str] = {}
        for row in response.context["sections"]:
            for task in row["tasks"]:
                position = task["review"].position
                for field, value in (
                    ("lead", task["lead"]),
                    ("co", task["co"]),
                    ("deadline", task["deadline"]),
                ):
                    form[f"{field}-{position}"] = form[f"{field}-{position}-was"] = value
        for index, row in enumerate(response.context["names"]):
            form[f"unknown-{index}-name"] = row["name"]
            if row["choice"]:
                form[f"unknown-{index}-choice"] = row["choice"]
            form[f"unknown-{index}-other"] = row.get("other", "")
        return form

    def post(self, upload: PlanUpload, form: dict[str, str], button: str = "check"):
        return self.client.post(
            reverse("plan_import_review", args=[upload.pk]), {**form, button: "1"}
        )

    # ------------------------------------------------------------------ the whole way

    def test_a_supervisor_uploads_corrects_and_imports_a_plan(self) -> None:
        page = self.client.get(reverse("plan_list"))
        self.assertContains(page, reverse("plan_import_upload"))
        form_page = self.client.get(reverse("plan_import_upload"))
        self.assertContains(form_page, 'accept=".txt,.html,.htm,.docx,.pdf,.doc,.wps"')
        self.assertContains(form_page, "nothing is imported until you confirm")

        with audited(plan_upload_stage, action="plan.upload", by=self.supervisor):
            upload = self.upload()
        review = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(review, "1 thing to settle before importing")
        self.assertContains(review, "市质量监督局")
        self.assertContains(review, "1 task with a responsibility to be assigned")
        self.assertContains(review, "邢政办字〔2024〕9号")
        self.assertEqual(Plan.objects.count(), 0)

        form = self.review_form(upload)
        form["lead-1"] = "市市场监管局"
        form["co-1"] = "市财政局、市教育局"
        with audited(plan_upload_correct, action="plan.upload.correct", by=self.supervisor):
            response = self.post(upload, form)
        self.assertRedirects(response, reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(self.client.get(response.url), "Ready to import")

        response = self.post(upload, self.review_form(upload), "import")
        plan = Plan.objects.get()
        self.assertRedirects(
            response, reverse("plan_detail", args=[plan.pk]), fetch_redirect_response=False
        )
        self.assertFalse(PlanUpload.objects.exists())
        self.assertContains(
            self.client.get(response.url),
            "Imported 邢台市测试行动方案 (邢政办字〔2024〕9号): 3 tasks.",
        )
        self.assertEqual(
            task_facts(plan)[0][2:4],
            ("市市场监管局", [("市市场监管局", "lead"), ("市财政局", "co"), ("市教育局", "co")]),
        )
        self.assertEqual(plan.imported_by, self.supervisor)

    def test_an_unknown_name_can_be_created_as_a_new_unit(self) -> None:
        upload = self.upload()
        form = self.review_form(upload)
        form["unknown-0-choice"] = "create"
        self.post(upload, form)
        self.assertEqual(upload_corrections(upload)["create"], ["市质量监督局"])
        response = self.post(upload, self.review_form(upload), "import")
        plan = Plan.objects.get()
        self.assertRedirects(response, reverse("plan_detail", args=[plan.pk]))
        self.assertEqual(Task.objects.get(plan=plan, number=1).lead_unit.name, "市质量监督局")
        self.assertEqual(Task.objects.get(plan=plan, number=1).unassigned, ["各有关单位"])

    def test_the_import_summary_names_units_created_and_counts_tasks_to_be_assigned(
        self,
    ) -> None:
        upload = self.upload()
        form = self.review_form(upload)
        form["unknown-0-choice"] = "create"
        self.post(upload, form)
        response = self.post(upload, self.review_form(upload), "import")
        plan = Plan.objects.get()
        page = self.client.get(response.url)
        self.assertContains(page, "Imported 邢台市测试行动方案 (邢政办字〔2024〕9号): 3 tasks.")
        self.assertContains(page, "New units created: 市质量监督局.")
        self.assertContains(
            page,
            "1 task names a responsibility vaguely (such as 各有关单位): it is marked “to be "
            "assigned” below; settle it on the task before dispatch (task 1).",
        )
        # The plan's page marks the phrase on its task and shows each task's deadline.
        self.assertContains(page, "各有关单位 · To be assigned")
        self.assertContains(page, "<th>Deadline in the plan</th>", html=True)
        self.assertContains(page, '2024年底前 <span class="meta">2024-12-31</span>', html=True)
        self.assertContains(page, "长期坚持")
        self.assertEqual(plan.tasks.get(number=1).unassigned, ["各有关单位"])

    def test_a_plan_setting_no_deadline_has_no_deadline_column(self) -> None:
        text = PLAN_TEXT.replace("市质量监督局", "市市场监管局")
        for note in ("；完成时限：2024年底前", "；完成时限：长期坚持", "；完成时限：2025年6月底前"):
            text = text.replace(note, "")
        plan = plan_import(data=text.encode(), source_name="plan.txt", by=None).plan
        page = self.client.get(reverse("plan_detail", args=[plan.pk]))
        self.assertContains(page, "各有关单位 · To be assigned")
        self.assertNotContains(page, "Deadline in the plan")

    def test_the_review_shows_the_plan_targets_and_each_tasks_targets(self) -> None:
        text = (
            "邢台市测试行动方案\n邢政办字〔2024〕9号\n"
            "一、总体要求\n（一）主要目标。到2025年，社会公用计量标准达到300项以上。\n"
            "二、主要任务\n"
            "（一）加强检验检测。建设省级检验检测中心3个。（牵头单位：市市场监管局）\n"
            "（二）推动标准化建设。（牵头单位：市市场监管局；配合单位：市工业和信息化局）\n"
        )
        upload = self.upload(plan_file(text))
        page = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(page, "Targets（1）")
        self.assertContains(page, '<td data-label="Indicator">社会公用计量标准</td>')
        self.assertContains(page, '<td data-label="Target">at least 300项</td>')
        self.assertContains(page, "到2025年，社会公用计量标准达到300项以上")
        self.assertContains(
            page,
            '<span class="target">建设省级检验检测中心3个 '
            '<span class="meta">（at least 3个）</span></span>',
            html=True,
        )

    def test_importing_with_something_unsettled_shows_the_line_and_writes_nothing(self) -> None:
        upload = self.upload()
        response = self.post(upload, self.review_form(upload), "import")
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            "Unknown units, not in the registry: 市质量监督局 (line 4). Add them as aliases or "
            "run the import with --create-units.",
        )
        self.assertEqual(Plan.objects.count(), 0)
        self.assertTrue(PlanUpload.objects.filter(pk=upload.pk).exists())

    def test_a_number_already_imported_is_shown_with_the_plan_and_nothing_changes(self) -> None:
        text = PLAN_TEXT.replace("市质量监督局", "市市场监管局")
        existing = plan_import(data=text.encode(), source_name="plan.txt", by=None).plan
        upload = self.upload(plan_file(text))
        # Said before the Import button, instead of "Ready to import".
        review = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(
            review,
            "A plan numbered 邢政办字〔2024〕9号 is already imported: importing this file would "
            "change nothing.",
        )
        self.assertNotContains(review, "Ready to import")
        response = self.post(upload, self.review_form(upload), "import")
        self.assertContains(
            response, "Plan 邢政办字〔2024〕9号 is already imported: nothing was changed."
        )
        self.assertContains(response, reverse("plan_detail", args=[existing.pk]))
        self.assertEqual(Plan.objects.count(), 1)
        self.assertTrue(PlanUpload.objects.exists())

    def test_a_plan_without_a_number_is_given_one_on_the_page(self) -> None:
        text = PLAN_TEXT.replace("邢政办字〔2024〕9号\n", "").replace(
            "市质量监督局", "市市场监管局"
        )
        upload = self.upload(plan_file(text))
        page = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(page, 'name="doc_number"')
        form = {**self.review_form(upload), "doc_number": "邢政字〔2024〕1号"}
        self.post(upload, form)
        response = self.post(
            upload, self.review_form(upload) | {"doc_number": "邢政字〔2024〕1号"}, "import"
        )
        self.assertRedirects(response, reverse("plan_detail", args=[Plan.objects.get().pk]))
        self.assertEqual(Plan.objects.get().doc_number, "邢政字〔2024〕1号")

    def test_discarding_an_upload_deletes_it(self) -> None:
        upload = self.upload()
        with audited(plan_upload_discard, action="plan.upload.discard", by=self.supervisor):
            response = self.post(upload, {}, "discard")
        self.assertRedirects(response, reverse("plan_import_upload"))
        self.assertFalse(PlanUpload.objects.exists())

    # ------------------------------------------------------------------ corrections

    def test_only_differences_from_the_parsed_plan_are_stored(self) -> None:
        upload = self.upload()
        self.post(upload, self.review_form(upload))
        self.assertEqual(
            upload_corrections(upload), {"doc_number": "", "names": {}, "create": [], "tasks": {}}
        )

        form = self.review_form(upload)
        form["lead-2"] = "市工业和信息化局"
        form["co-2"] = "市市场监管局"
        form["deadline-3"] = "2025年底前"
        self.post(upload, form)
        expected = {
            "2": {"lead": "市工业和信息化局", "co_units": ["市市场监管局"]},
            "3": {"deadline": "2025年底前"},
        }
        self.assertEqual(upload_corrections(upload)["tasks"], expected)

        # Shown again and posted untouched, the corrections stay as they are.
        self.post(upload, self.review_form(upload))
        self.assertEqual(upload_corrections(upload)["tasks"], expected)

        # Put back as parsed, a field's correction goes.
        form = self.review_form(upload)
        form["deadline-3"] = "2025年6月底前"
        form["co-2"] = "市工业和信息化局"
        form["lead-2"] = "市场监管局"  # the registry's unit, by an alias
        self.post(upload, form)
        self.assertEqual(upload_corrections(upload)["tasks"], {})

    def test_fixing_an_unknown_lead_on_its_only_task_settles_the_name(self) -> None:
        # The task's measures name it too: the name itself is what needs settling.
        upload = self.upload()
        form = self.review_form(upload)
        form["lead-1"] = "市市场监管局"
        form["co-1"] = "市财政局、市教育局"
        self.post(upload, form)
        self.assertEqual(
            upload_corrections(upload),
            {
                "doc_number": "",
                "names": {"市质量监督局": "市市场监管局"},
                "create": [],
                "tasks": {"1": {"co_units": ["市财政局", "市教育局"]}},
            },
        )

    def test_a_name_chosen_for_an_unknown_unit_is_a_name_correction(self) -> None:
        upload = self.upload()
        form = self.review_form(upload)
        form["unknown-0-choice"] = "other"
        form["unknown-0-other"] = "市市场监管局"
        self.post(upload, form)
        self.assertEqual(
            upload_corrections(upload),
            {
                "doc_number": "",
                "names": {"市质量监督局": "市市场监管局"},
                "create": [],
                "tasks": {},
            },
        )
        page = self.client.get(reverse("plan_import_review", args=[upload.pk]))
        self.assertContains(page, "Ready to import")

    def test_the_page_imports_the_same_plan_as_the_command_with_the_same_corrections(
        self,
    ) -> None:
        upload = self.upload()
        form = self.review_form(upload)
        form["lead-1"] = "市市场监管局"
        form["co-1"] = "市教育局、各有关单位"
        form["deadline-2"] = "2024-06-30"
        form["co-3"] = "市财政局"
        self.post(upload, form)
        corrections = upload_corrections(upload)
        response = self.post(upload, self.review_form(upload), "import")
        self.assertEqual(response.status_code, 302, response.context and response.context["error"])
        by_page = task_facts(Plan.objects.get())
        self.assertEqual(by_page[0][7], ["各有关单位"])

        Plan.objects.all().delete()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "plan.txt"
            path.write_text(PLAN_TEXT, encoding="utf-8")
            corrections_path = Path(folder) / "corrections.json"
            corrections_path.write_text(json.dumps(corrections, ensure_ascii=False))
            call_command(
                "import_plan",
                str(path),
                "--corrections",
                str(corrections_path),
                stdout=io.StringIO(),
            )
        self.assertEqual(task_facts(Plan.objects.get()), by_page)

    # ------------------------------------------------------------------ who and what

    def test_others_get_404(self) -> None:
        upload = self.upload()
        review = reverse("plan_import_review", args=[upload.pk])
        for person in (self.liaison, self.leader, self.other_supervisor):
            self.client.force_login(person)
            self.assertEqual(self.client.get(review).status_code, 404, person)
            self.assertEqual(self.post(upload, {}, "import").status_code, 404, person)
            self.assertEqual(self.post(upload, {}, "discard").status_code, 404, person)
        for person in (self.liaison, self.leader):
            self.client.force_login(person)
            self.assertEqual(self.client.get(reverse("plan_import_upload")).status_code, 404)
            self.assertNotContains(
                self.client.get(reverse("plan_list")), 'data-testid="plan-import"'
            )
            response = self.client.post(reverse("plan_import_upload"), {"file": plan_file()})
            self.assertEqual(response.status_code, 404)
        self.assertEqual(PlanUpload.objects.count(), 1)
        self.assertEqual(Plan.objects.count(), 0)

    def test_a_file_that_cannot_be_read_is_one_line_and_nothing_is_stored(self) -> None:
        cases = [
            (
                SimpleUploadedFile("plan.docx", b"PK\x03\x04 not a zip"),
                "The Word file is damaged or is not a .docx file: open it in Word, save it as "
                ".docx and upload it again.",
            ),
            (
                SimpleUploadedFile("plan.xlsx", b"whatever"),
                "plan.xlsx is not a file the importer reads: use one of "
                ".txt .html .htm .docx .pdf .doc .wps.",
            ),
        ]
        for file, message in cases:
            response = self.client.post(reverse("plan_import_upload"), {"file": file})
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.context["error"], message)
            self.assertContains(response, message)
        self.assertFalse(PlanUpload.objects.exists())

    @override_settings(PLAN_UPLOAD_MAX_BYTES=100)
    def test_a_file_over_the_size_limit_is_refused(self) -> None:
        response = self.client.post(reverse("plan_import_upload"), {"file": plan_file()})
        self.assertEqual(
            response.context["error"],
            "plan.txt is 564\xa0bytes: a plan file may be at most 100\xa0bytes.",
        )
        self.assertFalse(PlanUpload.objects.exists())


def upload_corrections(upload: PlanUpload) -> dict:
    upload.refresh_from_db()
    return upload.corrections
