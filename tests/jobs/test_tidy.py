"""The hourly tidy-up: a job whose worker died fails and its requester is told;
a finished job's file is deleted after JOBS_KEEP_DAYS, and its page says so."""

import datetime
import os
import shutil
import tempfile

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.services import jobs_tidy
from notices.models import Notice
from operations.tasks import tidy_jobs
from tests.audit_coverage import audited
from tests.ledger.base import LedgerTestCase

MEDIA = tempfile.mkdtemp(prefix="job-tidy-tests-")


@override_settings(MEDIA_ROOT=MEDIA, LANGUAGE_CODE="en")
class JobTidyTests(LedgerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def export_job(self) -> Job:
        self.client.force_login(self.supervisor)
        with override_settings(LEDGER_EXPORT_INLINE_MAX_ROWS=1):
            self.client.get(reverse("plan_ledger_xlsx", args=[self.plan.pk]))
        return Job.objects.get()

    def test_a_job_that_lost_its_worker_fails_and_its_requester_is_told(self) -> None:
        now = timezone.now()
        stale = now - datetime.timedelta(minutes=settings.JOBS_STALE_MINUTES + 1)
        running = Job.objects.create(
            kind="ledger.export",
            requested_by=self.supervisor,
            state=Job.State.RUNNING,
            created_at=stale,
            started_at=stale,
            language="en",
        )
        waiting = Job.objects.create(
            kind="ledger.export", requested_by=self.supervisor, created_at=stale, language="en"
        )
        recent = Job.objects.create(
            kind="ledger.export",
            requested_by=self.supervisor,
            state=Job.State.RUNNING,
            created_at=now,
            started_at=now,
        )
        with audited(jobs_tidy, action="job.lost", by=None, count=2):
            result = jobs_tidy(now=now)
        self.assertEqual(sorted(result.lost), sorted([running.pk, waiting.pk]))
        running.refresh_from_db()
        recent.refresh_from_db()
        self.assertEqual(running.state, Job.State.FAILED)
        self.assertIn("Ask for it again", running.error)
        self.assertEqual(recent.state, Job.State.RUNNING)
        notice = Notice.objects.get(recipient=self.supervisor, key=f"job:{running.pk}")
        self.assertIn("failed", notice.title)
        # The job's page says what happened, and stops polling.
        self.client.force_login(self.supervisor)
        page = self.client.get(reverse("job_detail", args=[running.pk]))
        self.assertContains(page, "server was restarted")
        self.assertNotContains(page, "data-progress-url")
        # Run again: nothing more to do.
        self.assertEqual(jobs_tidy(now=now).lost, [])

    def test_an_old_file_is_deleted_and_the_page_says_so(self) -> None:
        job = self.export_job()
        path = job.result.path
        self.assertTrue(os.path.exists(path))
        # Within the days kept, the file stays.
        self.assertEqual(jobs_tidy().purged, [])
        later = job.finished_at + datetime.timedelta(days=settings.JOBS_KEEP_DAYS, minutes=1)
        with audited(
            jobs_tidy, action="job.file_deleted", by=None, obj=job, summary={"kind": job.kind}
        ):
            self.assertEqual(jobs_tidy(now=later).purged, [job.pk])
        self.assertFalse(os.path.exists(path))
        job.refresh_from_db()
        self.assertEqual(job.state, Job.State.DONE)
        page = self.client.get(reverse("job_detail", args=[job.pk]))
        self.assertContains(page, 'data-testid="job-file-gone"')
        self.assertNotContains(page, reverse("job_file", args=[job.pk]))
        self.assertEqual(self.client.get(reverse("job_file", args=[job.pk])).status_code, 404)

    def test_the_beat_schedule_runs_it_every_hour(self) -> None:
        entry = settings.CELERY_BEAT_SCHEDULE["jobs-tidy"]
        self.assertEqual(entry["task"], tidy_jobs.name)
        self.assertEqual(entry["schedule"], 3600.0)
