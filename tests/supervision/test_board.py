"""The working group's board: who gets it, what it lists, what it costs."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Unit, User
from meetings.services import DecisionInput, meeting_record
from rounds.opening import round_create
from supervision.models import Light
from supervision.selectors import board
from tests.base import make_person
from tests.supervision.base import (
    TODAY,
    SupervisionTestCase,
    hold,
    issue_notice,
    propose,
    schedule,
)
from workflow.dispatch import task_dispatch


class BoardTests(SupervisionTestCase):
    def test_a_supervisor_sees_red_tasks_and_units_with_reasons_and_the_work_to_do(self) -> None:
        interview = schedule(self.supervisor, self.keji)
        self.login(self.supervisor)
        response = self.client.get(reverse("supervision_board"))
        self.assertEqual(response.status_code, 200)
        found = response.context["board"]
        self.assertEqual([task.number for task, _light in found.red_tasks], [4, 5, 8])
        self.assertEqual(
            {unit.name for unit, _light in found.red_units}, {"市工业和信息化局", "市科技局"}
        )
        self.assertContains(response, "任务4签收逾期2天")
        self.assertEqual(found.proposals, [self.proposal])
        self.assertEqual(found.notices, [self.notice])
        self.assertEqual(found.interviews, [interview])
        self.assertContains(response, self.notice.doc_number)
        self.assertContains(response, reverse("proposal_decide", args=[self.proposal.pk]))
        self.assertContains(response, reverse("interview_record", args=[interview.pk]))
        self.assertContains(response, reverse("unit_detail", args=[self.gongxin.pk]))

    def test_commitments_open_overdue_and_reported_are_listed_apart(self) -> None:
        interview = schedule(self.supervisor, self.gongxin, day=datetime.date(2024, 1, 10))
        hold(
            self.supervisor,
            interview,
            datetime.date(2024, 1, 15),
            datetime.date(2024, 2, 1),
            datetime.date(2024, 2, 2),
        )
        from supervision.services import commitment_report

        commitment_report(
            commitment=interview.commitments.get(number=3), by=self.lead_liaison, report="已完成。"
        )
        found = board(self.supervisor, today=TODAY)
        self.assertEqual([c.number for c in found.commitments], [1, 2])
        self.assertEqual([c.overdue for c in found.commitments], [True, False])
        self.assertEqual([c.number for c in found.reported], [3])
        self.login(self.supervisor)
        response = self.client.get(reverse("supervision_board"))
        self.assertContains(response, reverse("commitment_close", args=[found.reported[0].pk]))

    def test_a_yellow_task_is_listed_with_the_yellow_ones(self) -> None:
        self.at(datetime.timedelta(days=-4))  # 2024-01-13: acknowledgements due in two days
        found = board(self.supervisor)
        self.assertEqual(found.red_tasks, [])
        self.assertEqual([task.number for task, _light in found.yellow_tasks], [4, 5, 8])
        self.assertTrue(all(light.color == Light.YELLOW for _t, light in found.yellow_tasks))

    def test_a_leadership_reader_reads_the_board_without_the_actions(self) -> None:
        self.login(self.reader)
        response = self.client.get(reverse("supervision_board"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, reverse("proposal_decide", args=[self.proposal.pk]))
        self.assertNotContains(response, reverse("interview_new"))

    def test_anyone_else_is_answered_as_if_the_page_did_not_exist(self) -> None:
        for person in (self.lead_liaison, self.leader, self.unrelated_liaison):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get(reverse("supervision_board")).status_code, 404)

    def test_an_anonymous_visitor_is_sent_to_log_in(self) -> None:
        response = self.client.get(reverse("supervision_board"))
        self.assertEqual(response.status_code, 302)


class BoardQueryCountTests(SupervisionTestCase):
    def count(self) -> int:
        self.client.get(reverse("supervision_board"))  # caches warmed
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(reverse("supervision_board"))
        self.assertEqual(response.status_code, 200)
        return len(context)

    def test_the_board_costs_the_same_queries_for_few_or_many_records(self) -> None:
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        small_interview = schedule(self.supervisor, self.gongxin, day=datetime.date(2024, 1, 10))
        hold(self.supervisor, small_interview, datetime.date(2024, 1, 15))
        schedule(self.supervisor, self.gongxin, day=datetime.date(2024, 1, 20))
        self.login(self.supervisor)
        small = self.count()

        # Many: more tasks, units, notices, proposals, interviews, commitments, follow-ups.
        more = task_dispatch(
            tasks=[self.plan.tasks.get(number=n) for n in (2, 6, 10, 12, 17, 20, 21)],
            by=self.supervisor,
            today=datetime.date(2024, 1, 8),
        )
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月下", deadline=TODAY, today=TODAY
        )
        for code in ("keji", "fagai", "shuiwu"):
            unit = Unit.objects.get(code=code)
            make_person(f"t.{code}.leader", User.Role.LEADER, unit)
            issue_notice(unit, more[:2], datetime.date(2024, 1, 16))
            propose(unit)
            interview = schedule(self.supervisor, unit, day=datetime.date(2024, 1, 10))
            hold(
                self.supervisor,
                interview,
                datetime.date(2024, 1, 15),
                datetime.date(2024, 2, 1),
            )
            schedule(self.supervisor, unit, day=datetime.date(2024, 1, 25))
        meeting_record(
            plan=self.plan,
            by=self.supervisor,
            held_on=datetime.date(2024, 1, 9),
            place="市政府",
            chair="副市长 王某某",
            units=[self.gongxin],
            attendees="",
            tasks=[],
            summary="",
            decisions=[DecisionInput("完成摸底。", self.gongxin, TODAY, self.task(4))],
        )
        many = self.count()
        self.assertEqual(small, many)
        found = board(self.supervisor)
        self.assertGreater(len(found.red_tasks), 3)
        self.assertEqual(len(found.notices), 4)
