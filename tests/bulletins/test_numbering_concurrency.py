"""Two supervisors issuing at the same moment get consecutive numbers, no gap."""

import datetime
import shutil
import tempfile
import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from bulletins import services
from departments.models import Unit, User
from departments.services import registry_sync
from plans.importer.service import plan_import
from rounds.opening import round_create
from tests.base import XINGTAI_PLAN, make_person
from workflow.dispatch import task_dispatch

MEDIA = tempfile.mkdtemp(prefix="bulletin-concurrency-")
ISSUES = 4


@pytest.mark.postgres(reason="SQLite serialises writers: two issues cannot race there")
@override_settings(MEDIA_ROOT=MEDIA)
class ConcurrentIssueTests(TransactionTestCase):
    def tearDown(self) -> None:
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_concurrent_issues_are_numbered_without_gaps_or_repeats(self) -> None:
        registry_sync(by=None)
        plan = plan_import(data=XINGTAI_PLAN.read_bytes(), source_name="x.txt", by=None).plan
        day = datetime.date(2026, 3, 10)
        task_dispatch(
            tasks=list(plan.tasks.filter(number__in=[4, 5])),
            by=None,
            today=day,
            acknowledge_by=datetime.date(2026, 12, 31),
            complete_by=datetime.date(2027, 12, 31),
        )
        rnd = round_create(
            plan=plan, by=None, period="2026年3月", deadline=datetime.date(2026, 3, 31), today=day
        )
        supervisor = make_person(
            "c.supervisor", User.Role.SUPERVISOR, Unit.objects.get(code="shichang")
        )
        drafts = [
            services.bulletin_draft(plan=plan, round=rnd, by=supervisor) for _ in range(ISSUES)
        ]
        now = timezone.make_aware(datetime.datetime(2026, 4, 5, 9))
        barrier = threading.Barrier(ISSUES)
        numbers, errors = [], []

        def run(draft) -> None:
            try:
                barrier.wait()
                numbers.append(
                    services.bulletin_issue(
                        bulletin=draft, by=supervisor, now=now, confirmed=True
                    ).number
                )
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(draft,)) for draft in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(numbers), list(range(1, ISSUES + 1)))
