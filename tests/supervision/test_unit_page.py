"""A unit's page: its light and the reasons, its tasks, open items, 督办单, interviews
and commitments, and its light round by round."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit
from rounds.opening import round_create
from supervision.models import Light, LightRecord
from tests.supervision.base import (
    TODAY,
    SupervisionTestCase,
    hold,
    issue_notice,
    schedule,
)
from workflow.dispatch import task_dispatch


class UnitPageTests(SupervisionTestCase):
    def test_the_units_liaison_sees_its_light_tasks_items_notices_and_interviews(self) -> None:
        interview = schedule(self.supervisor, self.gongxin, day=datetime.date(2024, 1, 10))
        hold(self.supervisor, interview, datetime.date(2024, 1, 15))
        self.login(self.lead_liaison)
        response = self.client.get(reverse("unit_detail", args=[self.gongxin.pk]))
        self.assertEqual(response.status_code, 200)
        page = response.context["page"]
        self.assertEqual(page.light.color, Light.RED)
        self.assertContains(response, 'data-testid="light-reasons"')
        self.assertContains(response, "任务4签收逾期2天")
        lit = {row.task.number: row.light.color for row in page.tasks if row.light}
        self.assertEqual(lit, {4: "red", 8: "red", 5: "red"})
        self.assertEqual(
            {row.item.key for row in page.items},
            {
                f"ack:{self.p4.pk}",
                f"ack:{self.p8.pk}",
                f"notice:{self.notice.pk}",
                f"commitment:{interview.commitments.get().pk}",
            },
        )
        self.assertContains(response, self.notice.doc_number)
        self.assertContains(response, "整改事项1。")
        self.assertContains(response, reverse("interview_detail", args=[interview.pk]))
        self.assertContains(response, 'data-testid="light-history"')

    def test_the_light_by_round_is_listed(self) -> None:
        rnd = round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        LightRecord.objects.create(
            round=rnd,
            subject=f"unit:{self.gongxin.pk}",
            unit=self.gongxin,
            color=Light.YELLOW,
            reasons=["上期报告被退回2次"],
        )
        self.login(self.supervisor)
        response = self.client.get(reverse("unit_detail", args=[self.gongxin.pk]))
        self.assertEqual([r.round for r in response.context["page"].history], [rnd])
        self.assertContains(response, "2024年1月")
        # The plan's current round: today's light, the one at the top of the page,
        # marked as today's (not the record an earlier sweep stored in the round).
        history = response.context["page"].history
        self.assertTrue(history[0].today)
        self.assertEqual(history[0].color, response.context["page"].light.color)
        self.assertEqual(history[0].reasons, response.context["page"].light.reasons)
        self.assertNotContains(response, "上期报告被退回2次")

    def test_a_supervisor_and_a_reader_see_any_unit(self) -> None:
        for person in (self.supervisor, self.reader):
            with self.subTest(person=person.username):
                self.login(person)
                response = self.client.get(reverse("unit_detail", args=[self.keji.pk]))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "市科技局")

    def test_another_units_page_answers_404_and_the_attempt_is_recorded(self) -> None:
        self.login(self.co_liaison)
        response = self.client.get(reverse("unit_detail", args=[self.gongxin.pk]))
        self.assertEqual(response.status_code, 404)
        event = AuditEvent.objects.get(action="access.denied", username=self.co_liaison.username)
        self.assertEqual(event.object_id, str(self.gongxin.pk))
        self.assertEqual(self.client.get(reverse("unit_detail", args=[999999])).status_code, 404)

    def test_a_county_sees_the_county_groups_tasks_on_its_page(self) -> None:
        self.login(self.county_liaison)
        response = self.client.get(reverse("unit_detail", args=[self.county.pk]))
        self.assertEqual(response.status_code, 200)
        numbers = {row.task.number for row in response.context["page"].tasks}
        self.assertTrue({4, 5, 8} <= numbers)


class UnitPageQueryCountTests(SupervisionTestCase):
    def count(self, unit: Unit) -> int:
        url = reverse("unit_detail", args=[unit.pk])
        self.client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(context)

    def test_the_unit_page_costs_the_same_queries_for_a_small_or_a_busy_unit(self) -> None:
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        interview = schedule(self.supervisor, self.keji, day=datetime.date(2024, 1, 10))
        hold(self.supervisor, interview, datetime.date(2024, 1, 15))
        issue_notice(self.keji, [self.p5], datetime.date(2024, 1, 16))
        LightRecord.objects.create(
            round=self.plan.rounds.get(),
            subject=f"unit:{self.keji.pk}",
            unit=self.keji,
            color=Light.RED,
        )
        counts = {}
        for person in (self.supervisor, self.keji_liaison):
            self.login(person)
            counts[person.username] = self.count(self.keji)

        # 市科技局 gets busy: more tasks, rounds, notices, interviews, commitments.
        busy = task_dispatch(
            tasks=[t for t in self.plan.tasks.filter(task_units__unit=self.keji)],
            by=self.supervisor,
            today=datetime.date(2024, 1, 8),
        )
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月下", deadline=TODAY, today=TODAY
        )
        for day in (12, 13, 14):
            issue_notice(self.keji, busy[:3], datetime.date(2024, 1, day))
            interview = schedule(self.supervisor, self.keji, day=datetime.date(2024, 1, day))
            hold(self.supervisor, interview, datetime.date(2024, 1, 20), datetime.date(2024, 2, 1))
        for rnd in self.plan.rounds.all():
            LightRecord.objects.get_or_create(
                round=rnd, subject=f"unit:{self.keji.pk}", unit=self.keji, color=Light.RED
            )
        for person in (self.supervisor, self.keji_liaison):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.count(self.keji), counts[person.username])
