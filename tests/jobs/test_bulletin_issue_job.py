"""印发通报 by a job: the confirmation page hands the issuing to a worker and follows
its progress; the issued bulletin is the one the service always made (number,
PDF, notices, audit row), and the job's page then leads to it."""

import shutil
import tempfile

from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from bulletins import services
from bulletins.models import Bulletin
from departments.models import User
from jobs.models import Job
from jobs.runner import job_run
from jobs.services import job_create
from notices.models import Notice
from tests.audit_coverage import audited
from tests.base import make_person
from tests.bulletins.base import RoundTestCase

MEDIA = tempfile.mkdtemp(prefix="bulletin-job-tests-")


@override_settings(MEDIA_ROOT=MEDIA, LANGUAGE_CODE="en")
class BulletinIssueJobTests(RoundTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        self.bulletin = services.bulletin_draft(
            plan=self.plan, round=self.round, by=self.supervisor
        )
        self.url = reverse("bulletin_issue", args=[self.bulletin.pk])
        self.client.force_login(self.supervisor)

    def queue(self) -> Job:
        """POST as with a worker: the job is recorded, nothing runs in the request."""
        with (
            override_settings(JOBS_RUN="celery"),
            self.captureOnCommitCallbacks(execute=False) as callbacks,
        ):
            response = self.client.post(self.url, {"confirmed": "yes"})
        self.assertEqual(len(callbacks), 1)  # the task sent once committed
        job = Job.objects.get(kind="bulletins.issue")
        self.assertRedirects(response, reverse("job_detail", args=[job.pk]))
        return job

    def test_the_request_returns_before_issuing_and_the_job_issues_it(self) -> None:
        job = self.queue()
        self.assertEqual(job.params, {"bulletin": self.bulletin.pk, "confirmed": True})
        self.bulletin.refresh_from_db()
        self.assertEqual(self.bulletin.status, Bulletin.Status.DRAFT)
        # Back on the confirmation page meanwhile: the job's page, not a second issue.
        self.assertRedirects(
            self.client.get(self.url), reverse("job_detail", args=[job.pk]), target_status_code=200
        )
        with audited(
            services.bulletin_issue, action="bulletin.issue", by=self.supervisor, obj=self.bulletin
        ):
            self.assertEqual(job_run(job_id=job.pk), Job.State.DONE)
        self.bulletin.refresh_from_db()
        self.assertEqual(self.bulletin.status, Bulletin.Status.ISSUED)
        self.assertEqual(self.bulletin.number, 1)
        self.assertTrue(self.bulletin.pdf.read().startswith(b"%PDF"))
        self.assertTrue(Notice.objects.filter(key=f"bulletin:{self.bulletin.pk}").exists())
        self.assertTrue(Notice.objects.filter(recipient=self.supervisor, key=f"job:{job.pk}"))
        page = self.client.get(reverse("job_detail", args=[job.pk]))
        self.assertRedirects(page, self.bulletin.get_absolute_url())

    def test_without_a_worker_the_post_issues_and_leads_to_the_bulletin(self) -> None:
        with audited(job_create, action="job.create", summary={"kind": "bulletins.issue"}):
            response = self.client.post(self.url, {"confirmed": "yes"})
        self.assertRedirects(response, reverse("bulletin_detail", args=[self.bulletin.pk]))
        self.assertEqual(Job.objects.get().state, Job.State.DONE)

    def test_a_bulletin_issued_meanwhile_fails_the_job_with_the_reason(self) -> None:
        job = self.queue()
        services.bulletin_issue(
            bulletin=self.bulletin, by=self.supervisor, now=job.created_at, confirmed=True
        )
        self.assertEqual(job_run(job_id=job.pk), Job.State.FAILED)
        job.refresh_from_db()
        self.assertEqual(job.error, "This bulletin has already been issued.")
        self.assertEqual(AuditEvent.objects.filter(action="bulletin.issue").count(), 1)
        self.assertContains(self.client.get(reverse("job_detail", args=[job.pk])), job.error)

    def test_unconfirmed_it_is_refused_on_the_page_and_no_job_is_made(self) -> None:
        response = self.client.post(self.url, {})
        self.assertContains(response, "tick the box", status_code=400)
        self.assertFalse(Job.objects.exists())

    def test_another_supervisor_does_not_see_the_job(self) -> None:
        job = self.queue()
        other = make_person("t.supervisor2", User.Role.SUPERVISOR, self.supervisor.unit)
        self.client.force_login(other)
        self.assertEqual(self.client.get(reverse("job_detail", args=[job.pk])).status_code, 404)
        # The confirmation page does not send them to it either.
        self.assertEqual(self.client.get(self.url).status_code, 200)
