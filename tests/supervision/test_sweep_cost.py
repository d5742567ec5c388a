"""The sweep's cost follows change: a sweep with nothing new to do offers no rung
and reads no item for the ladder, in the same number of queries at any size."""

import datetime
import itertools

from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import Decision, Meeting
from notices.models import Notice
from supervision.items import Item
from supervision.models import LADDER_DONE, LadderProgress, LadderStep
from supervision.sweep import _next_on, _planned_steps, sweep
from tests.base import PlanTestCase

DUE = datetime.date(2026, 5, 1)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class SweepCostTests(PlanTestCase):
    def agreed_items(self, count: int) -> list[Decision]:
        meeting = Meeting.objects.create(
            plan=self.plan,
            held_on=datetime.date(2026, 4, 1),
            place="会议室",
            chair="副市长",
            attendees="各单位",
            summary="",
            created_by=self.supervisor,
        )
        start = Decision.objects.count()
        return Decision.objects.bulk_create(
            Decision(
                meeting=meeting,
                number=start + n + 1,
                text=f"议定事项{n + 1}",
                owner_unit=self.gongxin,
                due_on=DUE,
            )
            for n in range(count)
        )

    def queries(self, when: datetime.datetime) -> tuple[int, int, dict[str, int]]:
        """(the sweep's queries, those apart from the insert batches, what it did)."""
        with CaptureQueriesContext(connection) as context:
            counts = sweep(now=when)
        reads = [
            q
            for q in context.captured_queries
            if not q["sql"].startswith(("INSERT", "SAVEPOINT", "RELEASE"))
        ]
        return len(context), len(reads), counts

    def test_a_sweep_with_nothing_new_costs_the_same_at_any_size(self) -> None:
        self.agreed_items(3)
        _all, first_small, _counts = self.queries(at(DUE + datetime.timedelta(days=2)))
        steady_small, _reads, counts = self.queries(at(DUE + datetime.timedelta(days=2), 10))
        self.assertEqual(counts["ladder_items"], 0)
        self.agreed_items(30)
        _all, first_large, counts = self.queries(at(DUE + datetime.timedelta(days=3)))
        # Only the 30 new items were read for the ladder, and urged (a liaison, a leader).
        self.assertEqual(counts["ladder_items"], 30)
        self.assertEqual(counts["urges"], 60)
        steady = LadderStep.objects.count()
        steady_large, _reads, counts = self.queries(at(DUE + datetime.timedelta(days=3), 10))
        self.assertEqual(counts["ladder_items"], 0)
        self.assertEqual(counts["open_items"], 33)
        self.assertEqual(LadderStep.objects.count(), steady)
        self.assertEqual(steady_large, steady_small)
        # A first sweep: the same reads; its inserts go in batches.
        self.assertEqual(first_large, first_small)

    def test_an_item_is_read_again_when_its_next_rung_falls_due(self) -> None:
        (decision,) = self.agreed_items(1)
        sweep(now=at(DUE - datetime.timedelta(days=10)))
        progress = LadderProgress.objects.get(source="decision", object_id=decision.pk)
        self.assertEqual(progress.next_on, DUE - datetime.timedelta(days=3))
        self.assertEqual(sweep(now=at(DUE - datetime.timedelta(days=4)))["ladder_items"], 0)
        counts = sweep(now=at(DUE - datetime.timedelta(days=3)))
        self.assertEqual((counts["ladder_items"], counts["reminders"]), (1, 1))
        # 5 days after the 催办 the 督办单 is the item's last rung.
        sweep(now=at(DUE + datetime.timedelta(days=6)))
        progress.refresh_from_db()
        self.assertEqual(progress.next_on, LADDER_DONE)
        # The 督办单 is a new item, read once, then not before its answer is late.
        self.assertEqual(sweep(now=at(DUE + datetime.timedelta(days=7)))["ladder_items"], 1)
        self.assertEqual(sweep(now=at(DUE + datetime.timedelta(days=8)))["ladder_items"], 0)

    def test_a_moved_deadline_climbs_from_the_new_one(self) -> None:
        (decision,) = self.agreed_items(1)
        sweep(now=at(DUE - datetime.timedelta(days=1)))
        self.assertEqual(Notice.objects.filter(key=f"decision:{decision.pk}").count(), 1)
        decision.due_on = DUE + datetime.timedelta(days=20)
        decision.save(update_fields=["due_on"])
        # The next sweep reads it again (its deadline moved), then waits for the new one.
        self.assertEqual(sweep(now=at(DUE))["ladder_items"], 1)
        self.assertEqual(sweep(now=at(DUE + datetime.timedelta(days=1)))["ladder_items"], 0)
        counts = sweep(now=at(decision.due_on + datetime.timedelta(days=1)))
        self.assertEqual((counts["ladder_items"], counts["urges"]), (1, 2))

    def test_other_ladder_settings_read_every_item_again(self) -> None:
        self.agreed_items(2)
        sweep(now=at(DUE - datetime.timedelta(days=10)))
        self.assertEqual(sweep(now=at(DUE - datetime.timedelta(days=9)))["ladder_items"], 0)
        with self.settings(SUPERVISION={**settings.SUPERVISION, "REMIND_DAYS": [10, 3, 1]}):
            counts = sweep(now=at(DUE - datetime.timedelta(days=9)))
        self.assertEqual((counts["ladder_items"], counts["reminders"]), (2, 2))


class NextRungTests(SimpleTestCase):
    def test_nothing_new_is_planned_before_the_day_progress_names(self) -> None:
        today = datetime.date(2026, 5, 1)
        for kind, offset in itertools.product(("report", "notice"), range(-12, 12)):
            item = Item(
                key=f"{kind}:1",
                kind=kind,
                unit_id=1,
                due=today + datetime.timedelta(days=offset),
                label="",
            )
            steps = {step for _i, step, _k, _a in _planned_steps([item], today)}
            next_on = _next_on(item, today)
            day = today + datetime.timedelta(days=1)
            while day < min(next_on, today + datetime.timedelta(days=40)):
                later = {step for _i, step, _k, _a in _planned_steps([item], day)}
                self.assertLessEqual(later, steps, (kind, offset, day))
                day += datetime.timedelta(days=1)
            if next_on != LADDER_DONE:
                later = {step for _i, step, _k, _a in _planned_steps([item], next_on)}
                self.assertFalse(later <= steps, (kind, offset, next_on))
