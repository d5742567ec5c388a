"""A ledger export over LEDGER_EXPORT_INLINE_MAX_ROWS is a job: the request answers
with the job's page, the file is the same as the direct download, and only the
person who asked sees the job or downloads its file."""

import io
import shutil
import tempfile

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from jobs.models import Job
from jobs.runner import job_run
from jobs.services import job_create, job_download
from ledger.jobs import export_xlsx_file, ledger_export_job
from notices.models import Delivery, Notice
from tests.audit_coverage import audited
from tests.ledger.base import LedgerTestCase

MEDIA = tempfile.mkdtemp(prefix="job-tests-")


def _cells(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@override_settings(MEDIA_ROOT=MEDIA)
class LedgerExportJobTests(LedgerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def direct_export(self) -> bytes:
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("plan_ledger_xlsx", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        return b"".join(response.streaming_content)

    def export_as_job(self, user=None) -> Job:
        self.client.force_login(user or self.supervisor)
        with override_settings(LEDGER_EXPORT_INLINE_MAX_ROWS=1):
            response = self.client.get(
                reverse("plan_ledger_xlsx", args=[self.plan.pk]), {"reported": "yes"}
            )
        job = Job.objects.get()
        self.assertRedirects(response, reverse("job_detail", args=[job.pk]))
        return job

    def test_a_small_export_is_a_direct_download(self) -> None:
        self.assertGreater(settings.LEDGER_EXPORT_INLINE_MAX_ROWS, 4)
        self.assertTrue(self.direct_export().startswith(b"PK"))
        self.assertFalse(Job.objects.exists())

    def test_a_large_export_is_a_job_whose_file_is_the_direct_export(self) -> None:
        with (
            audited(job_create, action="job.create", by=self.supervisor) as created,
            audited(
                ledger_export_job,
                export_xlsx_file,
                action="ledger.export",
                by=self.supervisor,
                obj=self.plan,
                summary={"rows": 2, "filters": {"reported": "yes"}},
            ),
        ):
            job = self.export_as_job()
        self.assertEqual(created.rows[0].object_id, str(job.pk))
        self.assertEqual(created.rows[0].summary["params"]["filters"], {"reported": "yes"})
        self.assertEqual(job.state, Job.State.DONE)
        self.assertEqual(job.progress, 100)
        self.assertEqual(job.unit, self.supervisor.unit)
        self.assertTrue(job.result.name.startswith("jobs/"))
        self.assertTrue(job.result_name.endswith(".xlsx"))

        page = self.client.get(reverse("job_detail", args=[job.pk]))
        self.assertContains(page, reverse("job_file", args=[job.pk]))
        self.assertNotContains(page, "js/progress.js")
        with audited(job_download, action="job.download", by=self.supervisor, obj=job):
            response = self.client.get(reverse("job_file", args=[job.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        content = b"".join(response.streaming_content)
        direct = self.client.get(
            reverse("plan_ledger_xlsx", args=[self.plan.pk]), {"reported": "yes"}
        )
        self.assertEqual(_cells(content), _cells(b"".join(direct.streaming_content)))

    def test_the_requester_gets_one_notice_in_the_centre_only(self) -> None:
        job = self.export_as_job()
        notice = Notice.objects.get(recipient=self.supervisor, key=f"job:{job.pk}")
        self.assertEqual(notice.url, reverse("job_detail", args=[job.pk]))
        self.assertEqual(
            list(Delivery.objects.filter(notice=notice).values_list("channel", flat=True)),
            [Delivery.Channel.INAPP],
        )

    def test_another_person_gets_404_for_the_page_and_the_file(self) -> None:
        job = self.export_as_job()
        for other in (self.lead_liaison, self.reader, self.unrelated_liaison):
            self.client.force_login(other)
            for name in ("job_detail", "job_file"):
                response = self.client.get(reverse(name, args=[job.pk]))
                self.assertEqual(response.status_code, 404, (other, name))
        denied = AuditEvent.objects.filter(action="access.denied", object_id=str(job.pk))
        self.assertEqual(denied.count(), 6)
        self.assertFalse(AuditEvent.objects.filter(action="job.download").exists())

    def test_the_progress_answer_is_json_for_the_polling_script(self) -> None:
        job = self.export_as_job()
        Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, progress=40, stage="写入")
        response = self.client.get(reverse("job_detail", args=[job.pk]), {"progress": "1"})
        self.assertEqual(response.json(), {"state": "running", "label": "写入", "progress": 40})
        page = self.client.get(reverse("job_detail", args=[job.pk]))
        self.assertContains(page, "js/progress.js")
        self.assertContains(page, 'value="40"')
        self.assertNotContains(page, reverse("job_file", args=[job.pk]))

    def test_a_liaison_exports_only_their_units_rows(self) -> None:
        job = self.export_as_job(self.lead_liaison)
        self.client.force_login(self.lead_liaison)
        response = self.client.get(reverse("job_file", args=[job.pk]))
        rows = _cells(b"".join(response.streaming_content))
        numbers = [row[0] for row in rows if isinstance(row[0], int)]
        self.assertEqual(numbers, [4, 8])

    def test_a_plan_gone_fails_the_job_with_a_message(self) -> None:
        job = Job.objects.create(
            kind="ledger.export",
            requested_by=self.supervisor,
            params={"plan": 999999},
            language="en",
        )
        self.assertEqual(job_run(job_id=job.pk), Job.State.FAILED)
        job.refresh_from_db()
        self.assertEqual(job.error, "The plan of this export is no longer available to you.")
        self.assertFalse(job.result)
        self.client.force_login(self.supervisor)
        self.assertEqual(self.client.get(reverse("job_file", args=[job.pk])).status_code, 404)
        self.assertContains(self.client.get(reverse("job_detail", args=[job.pk])), job.error)

    def test_a_job_runs_once(self) -> None:
        job = self.export_as_job()
        self.assertEqual(job_run(job_id=job.pk), "")
