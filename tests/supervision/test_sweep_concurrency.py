"""Two sweeps at the same moment (two cron hosts, or beat plus a manual run)
send each notice exactly once; the Celery task runs the sweep through Redis."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from departments.models import Unit, User
from departments.services import registry_sync
from meetings.models import Decision, Meeting
from notices.models import Notice
from plans.importer.service import plan_import
from supervision.models import LadderStep
from supervision.sweep import sweep
from tests.base import XINGTAI_PLAN, make_person
from workflow.dispatch import task_dispatch

ITEMS = 520
DAY = datetime.date(2026, 5, 4)


def _setup_overdue_items() -> tuple[list[User], int]:
    registry_sync(by=None)
    plan = plan_import(data=XINGTAI_PLAN.read_bytes(), source_name="x.txt", by=None).plan
    task_dispatch(
        tasks=list(plan.tasks.all()),
        by=None,
        today=datetime.date(2026, 1, 5),
        acknowledge_by=datetime.date(2026, 12, 31),
        complete_by=datetime.date(2027, 12, 31),
    )
    units = list(Unit.objects.filter(kind=Unit.Kind.MUNICIPAL).order_by("sort_order")[:10])
    people = [make_person(f"c.{u.code}", User.Role.LIAISON, u) for u in units]
    meeting = Meeting.objects.create(
        plan=plan,
        held_on=datetime.date(2026, 4, 1),
        place="会议室",
        chair="副市长",
        attendees="各单位",
        summary="",
        created_by=people[0],
    )
    Decision.objects.bulk_create(
        Decision(
            meeting=meeting,
            number=n + 1,
            text=f"议定事项{n + 1}",
            owner_unit=units[n % len(units)],
            due_on=datetime.date(2026, 5, 1),
        )
        for n in range(ITEMS)
    )
    return people, ITEMS


@pytest.mark.postgres(reason="SQLite serialises writers: two sweeps cannot race there")
class ConcurrentSweepTests(TransactionTestCase):
    def test_two_sweeps_at_once_send_each_notice_exactly_once(self) -> None:
        people, items = _setup_overdue_items()
        now = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(9)))
        barrier = threading.Barrier(2)
        results, errors = [], []

        def run() -> None:
            try:
                barrier.wait()
                results.append(sweep(now=now))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        urges = LadderStep.objects.filter(item__startswith="decision:", step="urge")
        self.assertEqual(urges.count(), items)
        # Each liaison: one 催办 per decision of their unit, whichever sweep sent it.
        for person in people:
            own = Decision.objects.filter(owner_unit=person.unit).count()
            sent = Notice.objects.filter(recipient=person, kind="urge").count()
            self.assertEqual(sent, own, person.username)
        self.assertEqual(sum(r.get("urges", 0) for r in results), items)
