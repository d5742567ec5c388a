"""The sweep as a Celery task, sent through the real Redis broker to a worker."""

import datetime
import time

import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import OperationalError
from django.test import TransactionTestCase, override_settings

from config.celery import app
from departments.services import registry_sync
from plans.importer.service import plan_import
from rounds.models import Round
from supervision.tasks import sweep_task
from tests.base import XINGTAI_PLAN
from tests.celery_broker import use_broker
from workflow.dispatch import task_dispatch

BROKER = "redis://127.0.0.1:6379/15"


# No skip when Redis is down: `make test` starts it (scripts/setup.sh), and a
# Celery path never tested would be worse than a failing run.
@override_settings(CELERY_BROKER_URL=BROKER)
class CeleryTaskTests(TransactionTestCase):
    def test_the_beat_task_runs_the_sweep_in_a_worker(self) -> None:
        registry_sync(by=None)
        plan = plan_import(data=XINGTAI_PLAN.read_bytes(), source_name="x.txt", by=None).plan
        task_dispatch(tasks=list(plan.tasks.all()[:2]), by=None, today=datetime.date.today())
        rnd = Round.objects.create(
            plan=plan,
            period="到期自动开启",
            opens_on=datetime.date.today(),
            deadline=datetime.date.today() + datetime.timedelta(days=20),
            status=Round.Status.SCHEDULED,
        )
        use_broker(BROKER)
        redis.Redis.from_url(BROKER).flushdb()
        self.assertIn("supervise", settings.CELERY_BEAT_SCHEDULE)
        self.assertEqual(settings.CELERY_BEAT_SCHEDULE["supervise"]["task"], sweep_task.name)
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            sweep_task.delay()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    rnd.refresh_from_db()
                except OperationalError as error:
                    # SQLite's shared in-memory test database refuses a read while
                    # the worker's thread writes: read again after a moment.
                    if "locked" not in str(error):
                        raise
                if rnd.status == Round.Status.OPEN:
                    break
                time.sleep(0.2)
        self.assertEqual(rnd.status, Round.Status.OPEN)
