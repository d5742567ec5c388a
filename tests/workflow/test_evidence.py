import datetime
import shutil
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask

from audit.models import AuditEvent
from departments.models import User
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from workflow import dispatch, services
from workflow.flows import TaskFlow
from workflow.models import Evidence, TaskProcess

MEDIA = tempfile.mkdtemp(prefix="evidence-tests-")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


def stored_files() -> set[Path]:
    return {path for path in Path(MEDIA).rglob("*") if path.is_file()}


@override_settings(MEDIA_ROOT=MEDIA)
class EvidenceTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.bureau_liaison = make_person("t.sc", User.Role.LIAISON, cls.bureau)
        cls.bureau_leader = make_person("t.sc.leader", User.Role.LEADER, cls.bureau)

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        reverse("home")
        # Task 7: lead 市市场监管局 alone (the counties informed), taken to completion.
        task = self.task(7)
        (self.process,) = dispatch.task_dispatch(
            tasks=[task], by=None, today=datetime.date(2024, 1, 8)
        )
        self.run_step(self.bureau_liaison, TaskFlow.acknowledge, {})
        self.run_step(
            self.bureau_liaison,
            TaskFlow.write_part,
            {
                "content": "畅通消费维权渠道。",
                "milestones-TOTAL_FORMS": "1",
                "milestones-INITIAL_FORMS": "0",
                "milestones-0-title": "投诉按期办结率达到95%",
                "milestones-0-due_on": "2025-12-31",
            },
        )
        self.run_step(self.bureau_leader, TaskFlow.sign_work_plan, {})
        self.run_step(self.supervisor, TaskFlow.review_work_plan, {"decision": "approve"})

    def run_step(self, user: User, node, data: dict):  # type: ignore[no-untyped-def]
        task = FlowTask.objects.get(process_id=self.process.pk, flow_task=node, status="NEW")
        self.client.force_login(user)
        self.client.post(node.reverse("assign", args=[self.process.pk, task.pk]), {})
        return self.client.post(node.reverse("execute", args=[self.process.pk, task.pk]), data)

    def test_evidence_travels_with_the_application_and_downloads_are_recorded(self) -> None:
        response = self.run_step(
            self.bureau_liaison,
            TaskFlow.apply_completion,
            {
                "summary": "消费投诉按期办结率达到96%。",
                "files": [SimpleUploadedFile("办结报告.pdf", PDF, "application/pdf")],
            },
        )
        self.assertEqual(response.status_code, 302)
        evidence = Evidence.objects.get()
        self.assertEqual((evidence.original_name, evidence.size), ("办结报告.pdf", len(PDF)))
        self.assertNotIn("办结报告", evidence.file.name)

        # The county governments are responsible too: a county liaison may read it.
        self.client.force_login(self.county_liaison)
        with audited(
            services.evidence_download,
            action="evidence.download",
            by=self.county_liaison,
            obj=evidence,
            count=1,
        ):
            response = self.client.get(reverse("evidence_download", args=[evidence.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF)
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename*=utf-8''%E5%8A%9E%E7%BB%93%E6%8A%A5%E5%91%8A.pdf",
        )
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Type"], "application/pdf")
        event = AuditEvent.objects.get(action="evidence.download")
        self.assertEqual((event.username, event.object_id), ("t.lincheng", str(evidence.pk)))

        # The tax bureau has nothing to do with task 7.
        self.client.force_login(self.co_liaison)
        response = self.client.get(reverse("evidence_download", args=[evidence.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(
            AuditEvent.objects.filter(action="access.denied", username="t.shuiwu").exists()
        )

    def test_a_file_of_the_wrong_kind_is_refused_and_nothing_is_written(self) -> None:
        before = stored_files()
        response = self.run_step(
            self.bureau_liaison,
            TaskFlow.apply_completion,
            {
                "summary": "已完成。",
                "files": [SimpleUploadedFile("run.exe", b"MZ\x90\x00", "application/octet-stream")],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "run.exe")
        self.assertFalse(Evidence.objects.exists())
        self.assertFalse(
            TaskProcess.objects.get(pk=self.process.pk).events.filter(action="completion.apply")
        )
        self.assertEqual(stored_files(), before)

    def test_a_program_renamed_as_a_pdf_is_refused_with_the_good_files_beside_it(self) -> None:
        before = stored_files()
        response = self.run_step(
            self.bureau_liaison,
            TaskFlow.apply_completion,
            {
                "summary": "已完成。",
                "files": [
                    SimpleUploadedFile("办结报告.pdf", PDF, "application/pdf"),
                    SimpleUploadedFile("整改台账.pdf", EXE, "application/pdf"),
                ],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "整改台账.pdf")
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual(stored_files(), before)

    def test_the_kind_comes_from_the_content_whatever_the_name(self) -> None:
        response = self.run_step(
            self.bureau_liaison,
            TaskFlow.apply_completion,
            {
                "summary": "消费投诉按期办结率达到96%。",
                "files": [SimpleUploadedFile("扫描件", PDF, "application/octet-stream")],
            },
        )
        self.assertEqual(response.status_code, 302)
        evidence = Evidence.objects.get()
        self.assertRegex(evidence.file.name, rf"^evidence/{self.process.pk}/[0-9a-f]{{32}}\.pdf$")
        self.assertIn(Path(MEDIA) / evidence.file.name, stored_files())

        response = self.client.get(reverse("evidence_download", args=[evidence.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename*=utf-8''%E6%89%AB%E6%8F%8F%E4%BB%B6",
        )
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
