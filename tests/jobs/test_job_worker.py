"""A job queued by a request runs elsewhere: in a Celery worker through the real
Redis broker, or, without a broker, in a thread of the web process; the request
returns before the work is done either way, and the job's page follows it."""

import io
import threading
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from config.celery import app
from departments.models import Unit, User
from departments.services import registry_sync
from jobs.models import Job
from jobs.registry import JobResult, Progress, register
from jobs.services import job_create
from notices.models import Notice
from tests.base import make_person
from tests.celery_broker import use_broker

BROKER = "redis://127.0.0.1:6379/5"
# The test kind waits for this before it finishes, so a test sees the job running.
RELEASE = threading.Event()


@register("tests.slow", label="Slow test job")
def slow_job(job: Job, progress: Progress) -> JobResult:
    progress(50, "halfway")
    if not RELEASE.wait(timeout=20):
        raise RuntimeError("never released")
    return JobResult(file=io.BytesIO(b"%PDF-1.4 done"), filename="done.pdf", content_type="")


# Django's in-memory SQLite test database is one shared cache between threads, where
# a write meeting another thread's read fails at once ("database table is locked")
# instead of waiting as it does in a database file (make run's). The thread and the
# worker are tested against PostgreSQL, in the second leg of .ci/run.
@pytest.mark.postgres(reason="SQLite's in-memory test database fails across threads")
class JobElsewhereTests(TransactionTestCase):
    def setUp(self) -> None:
        RELEASE.clear()
        registry_sync(by=None)
        self.person = make_person("t.supervisor", User.Role.SUPERVISOR, Unit.objects.first())

    def wait_for(self, job: Job, state: str) -> Job:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state == state:
                return job
            time.sleep(0.1)
        self.fail(f"job {job.pk} stayed {job.state}, never {state}")

    def follow(self, job: Job) -> None:
        self.client.force_login(self.person)
        running = self.wait_for(job, Job.State.RUNNING)
        while running.stage != "halfway":
            time.sleep(0.05)
            running.refresh_from_db()
        answer = self.client.get(reverse("job_detail", args=[job.pk]), {"progress": 1}).json()
        self.assertEqual(answer, {"state": "running", "label": "halfway", "progress": 50})
        RELEASE.set()
        done = self.wait_for(job, Job.State.DONE)
        self.assertEqual(done.progress, 100)
        response = self.client.get(reverse("job_file", args=[job.pk]))
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 done")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(Notice.objects.filter(recipient=self.person, key=f"job:{job.pk}").exists())

    @override_settings(JOBS_RUN="thread")
    def test_without_a_broker_a_thread_of_the_web_process_runs_it(self) -> None:
        job = job_create(kind="tests.slow", by=self.person, params={})
        self.assertNotEqual(job.state, Job.State.DONE)  # returned before the work
        self.follow(job)

    @override_settings(JOBS_RUN="celery", CELERY_BROKER_URL=BROKER)
    def test_a_celery_worker_runs_it_through_redis(self) -> None:
        use_broker(BROKER)
        redis.Redis.from_url(BROKER).flushdb()
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            job = job_create(kind="tests.slow", by=self.person, params={})
            self.assertNotEqual(job.state, Job.State.DONE)
            self.follow(job)

    @override_settings(JOBS_RUN="celery", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    def test_a_broker_that_cannot_be_reached_falls_back_to_a_thread(self) -> None:
        before = app.conf.broker_url
        use_broker("redis://127.0.0.1:1/0")
        try:
            with self.assertLogs("jobs.tasks", "WARNING"):
                job = job_create(kind="tests.slow", by=self.person, params={})
            self.follow(job)
        finally:
            use_broker(before)
