import datetime
import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask

from audit.models import AuditEvent
from departments.models import User
from tests.audit_coverage import audits
from tests.base import PlanTestCase, make_person
from workflow import services
from workflow.flows import TaskFlow
from workflow.models import Evidence, TaskProcess

MEDIA = tempfile.mkdtemp(prefix="evidence-tests-")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
        (self.process,) = services.task_dispatch(
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

    @audits(services.evidence_download)
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
        response = self.client.get(reverse("evidence_download", args=[evidence.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF)
        self.assertIn("attachment", response["Content-Disposition"])
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
