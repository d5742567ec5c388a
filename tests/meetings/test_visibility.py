"""Who sees which meetings and follow-ups, and at what cost in queries."""

import datetime

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from meetings.models import Decision
from meetings.selectors import (
    decisions_for_ledger,
    followups_context,
    meetings_visible_to,
    open_decisions_for,
)
from meetings.services import DecisionInput, decision_close
from tests.base import PlanTestCase, make_person
from tests.meetings.base import DUE_ON, HELD_ON, MeetingTestMixin

TODAY = datetime.date(2024, 5, 10)


class VisibilityTests(MeetingTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.start_work()

    def setUp(self) -> None:
        # 市工业和信息化局 and 临城县政府 attend; each owns one item.
        self.meeting = self.record()
        self.items = list(self.meeting.decisions.order_by("number"))

    def test_another_unit_gets_404_on_the_meeting_and_its_items(self) -> None:
        # 市税务局 is in the plan but neither attended nor owns an item.
        self.client.force_login(self.co_liaison)
        paths = [
            reverse("meeting_detail", args=[self.meeting.pk]),
            *(reverse("decision_close", args=[item.pk]) for item in self.items),
            *(reverse("decision_reopen", args=[item.pk]) for item in self.items),
        ]
        for path in paths:
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)
                self.assertEqual(self.client.post(path, {"note": "看看"}).status_code, 404)
        denied = AuditEvent.objects.filter(action="access.denied", username="t.shuiwu")
        self.assertEqual(denied.count(), 2 * len(paths))
        self.assertFalse(Decision.objects.exclude(status=Decision.Status.OPEN).exists())
        # Its list of the plan's meetings is empty.
        listing = self.client.get(reverse("plan_meetings", args=[self.plan.pk]))
        self.assertEqual(listing.status_code, 200)
        self.assertEqual(listing.context["meetings"], [])
        self.assertContains(listing, "尚未记录现场调度会")

    def test_a_unit_outside_the_plan_gets_404_on_its_meeting_pages(self) -> None:
        self.client.force_login(self.unrelated_liaison)
        for name in ("plan_meetings", "meeting_record"):
            with self.subTest(name=name):
                self.assertEqual(
                    self.client.get(reverse(name, args=[self.plan.pk])).status_code, 404
                )
        self.assertEqual(
            AuditEvent.objects.filter(action="access.denied", username="t.shenji").count(), 2
        )

    def test_attending_units_owners_and_the_city_wide_roles_see_the_meeting(self) -> None:
        fagai = Unit.objects.get(code="fagai")
        fagai_liaison = make_person("t.fagai", User.Role.LIAISON, fagai)
        neiqiu_liaison = make_person("t.neiqiu", User.Role.LIAISON, Unit.objects.get(code="neiqiu"))
        self.assertFalse(meetings_visible_to(fagai_liaison, self.plan).exists())
        self.assertFalse(meetings_visible_to(neiqiu_liaison, self.plan).exists())
        # An item owned by a unit that did not attend; the county group attending.
        owned = self.record(
            units=[Unit.objects.get(code="counties")],
            decisions=[DecisionInput("配合摸底。", fagai, DUE_ON)],
        )
        for user, expected in [
            (self.supervisor, {self.meeting, owned}),
            (self.reader, {self.meeting, owned}),
            (self.lead_liaison, {self.meeting}),
            (self.county_liaison, {self.meeting, owned}),
            (neiqiu_liaison, {owned}),
            (fagai_liaison, {owned}),
            (self.co_liaison, set()),
        ]:
            with self.subTest(user=user.username):
                self.assertEqual(set(meetings_visible_to(user, self.plan)), expected)
        # The owner outside the plan's tasks reaches the meeting and its list.
        self.client.force_login(fagai_liaison)
        self.assertEqual(
            self.client.get(reverse("meeting_detail", args=[owned.pk])).status_code, 200
        )
        listing = self.client.get(reverse("plan_meetings", args=[self.plan.pk]))
        self.assertEqual(listing.context["meetings"], [owned])

    def test_the_inbox_lists_the_units_open_items_only_overdue_first(self) -> None:
        later = self.record(
            held_on=HELD_ON + datetime.timedelta(days=7),
            decisions=[
                ("六月底前完成第二批摸底。", self.gongxin, datetime.date(2024, 6, 30)),
                ("五月初报送名单。", self.gongxin, datetime.date(2024, 5, 5)),
                ("已完成的事项。", self.gongxin, datetime.date(2024, 5, 1)),
                ("税务配合事项。", self.tax, datetime.date(2024, 5, 1)),
            ],
        )
        decision_close(decision=later.decisions.get(number=3), by=self.lead_liaison, note="完成")
        rows = list(open_decisions_for(self.lead_liaison, TODAY))
        self.assertEqual(
            [(row.text, row.overdue) for row in rows],
            [
                ("四月底前完成企业研发机构摸底。", True),
                ("五月初报送名单。", True),
                ("六月底前完成第二批摸底。", False),
            ],
        )
        self.assertEqual(
            [row.text for row in open_decisions_for(self.co_liaison, TODAY)], ["税务配合事项。"]
        )
        self.assertEqual(list(open_decisions_for(self.unrelated_liaison)), [])
        html = render_to_string(
            "meetings/_my_followups.html", followups_context(self.lead_liaison, TODAY)
        )
        self.assertIn("跟办事项", html)
        self.assertIn("已逾期", html)
        self.assertIn(reverse("decision_close", args=[rows[0].pk]), html)
        self.assertNotIn("税务配合事项。", html)

    def test_the_inbox_takes_one_query_whatever_the_number_of_items(self) -> None:
        with self.assertNumQueries(1):
            rows = followups_context(self.lead_liaison, TODAY)["followups"]
            render_to_string("meetings/_my_followups.html", {"followups": rows})
        self.assertEqual(len(rows), 1)
        self.record(decisions=[(f"事项{n}", self.gongxin, DUE_ON, self.task(4)) for n in range(20)])
        with self.assertNumQueries(1):
            rows = followups_context(self.lead_liaison, TODAY)["followups"]
            render_to_string("meetings/_my_followups.html", {"followups": rows})
        self.assertEqual(len(rows), 21)

    def test_the_ledger_shows_each_tasks_open_items_to_whom_they_concern(self) -> None:
        task4, task8 = self.task(4), self.task(8)
        self.record(
            decisions=[
                ("税务配合事项。", self.tax, DUE_ON, task4),
                ("工信任务8事项。", self.gongxin, DUE_ON, task8),
                ("无任务事项。", self.gongxin, DUE_ON, None),
            ]
        )

        def texts(user: User, **kwargs: object) -> dict[int, list[str]]:
            found = decisions_for_ledger(self.plan, user, **kwargs)
            return {task: [d.text for d in items] for task, items in found.items()}

        self.assertEqual(
            texts(self.supervisor),
            {
                task4.pk: ["四月底前完成企业研发机构摸底。", "税务配合事项。"],
                task8.pk: ["工信任务8事项。"],
            },
        )
        self.assertEqual(
            texts(self.lead_liaison),
            {task4.pk: ["四月底前完成企业研发机构摸底。"], task8.pk: ["工信任务8事项。"]},
        )
        self.assertEqual(texts(self.lead_liaison, tasks=[task8]), {task8.pk: ["工信任务8事项。"]})
        self.assertEqual(texts(self.co_liaison), {task4.pk: ["税务配合事项。"]})
        self.assertEqual(texts(self.unrelated_liaison), {})
        with self.assertNumQueries(1):
            decisions_for_ledger(self.plan, self.supervisor)

    def test_the_meeting_pages_take_as_many_queries_with_more_meetings_and_items(self) -> None:
        self.client.force_login(self.lead_liaison)
        listing = reverse("plan_meetings", args=[self.plan.pk])
        detail = reverse("meeting_detail", args=[self.meeting.pk])
        counts = {}
        for path in (listing, detail):
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(path).status_code, 200)
            counts[path] = len(queries)
        fagai = Unit.objects.get(code="fagai")
        for n in range(3):
            self.record(decisions=[(f"事项{n}", fagai, DUE_ON), (f"事项{n}", self.gongxin, DUE_ON)])
        for n in range(10):
            self.meeting.decisions.create(
                number=10 + n,
                text=f"追加{n}",
                owner_unit=fagai if n % 2 else self.tax,
                due_on=DUE_ON,
            )
        for path in (listing, detail):
            with self.subTest(path=path), self.assertNumQueries(counts[path]):
                self.assertEqual(self.client.get(path).status_code, 200)
