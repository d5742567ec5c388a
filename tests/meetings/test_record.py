"""Minuting an on-site dispatch meeting (现场调度会) and its agreed items (议定事项)."""

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from departments.models import Unit
from meetings.models import Decision, Meeting
from meetings.services import DecisionInput, MeetingError, meeting_record
from plans.models import Category, Plan, Task
from tests.audit_coverage import audited
from tests.base import PlanTestCase
from tests.meetings.base import DUE_ON, HELD_ON, MeetingTestMixin


class RecordingTests(MeetingTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.start_work()

    def assertNothingRecorded(self) -> None:
        self.assertFalse(Meeting.objects.exists())
        self.assertFalse(Decision.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="meeting.record").exists())

    def refused(self, **overrides: Any) -> str:
        with translation.override("en"), self.assertRaises(MeetingError) as raised:
            self.record(**overrides)
        return raised.exception.message

    def test_a_supervisor_records_a_meeting_whose_items_become_open_follow_ups(self) -> None:
        with audited(
            meeting_record,
            action="meeting.record",
            by=self.supervisor,
            summary={"units": ["市工业和信息化局", "临城县政府"]},
            count=1,
        ):
            meeting = self.record()
        meeting.refresh_from_db()
        self.assertEqual(meeting.plan, self.plan)
        self.assertEqual(meeting.held_on, HELD_ON)
        self.assertEqual(meeting.chair, "副市长 王某某")
        self.assertEqual(meeting.created_by, self.supervisor)
        self.assertEqual(set(meeting.units.all()), {self.gongxin, self.county})
        self.assertEqual([t.number for t in meeting.tasks.all()], [4])
        items = list(meeting.decisions.order_by("number"))
        self.assertEqual(
            [(d.number, d.owner_unit, d.due_on, d.status) for d in items],
            [
                (1, self.gongxin, DUE_ON, Decision.Status.OPEN),
                (2, self.county, DUE_ON, Decision.Status.OPEN),
            ],
        )
        self.assertEqual(items[0].task, self.task(4))
        self.assertIsNone(items[1].task)
        event = AuditEvent.objects.get(action="meeting.record")
        self.assertEqual(event.username, "t.supervisor")
        self.assertEqual(event.object_id, str(meeting.pk))
        self.assertEqual(event.summary["units"], ["市工业和信息化局", "临城县政府"])
        self.assertEqual(
            event.summary["decisions"],
            [
                {"number": 1, "unit": "市工业和信息化局", "due_on": "2024-04-30", "task": 4},
                {"number": 2, "unit": "临城县政府", "due_on": "2024-04-30", "task": None},
            ],
        )

    def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(self) -> None:
        other_plan = Plan.objects.create(title="另一方案", doc_number="邢政办字〔2024〕1号")
        category = Category.objects.create(plan=other_plan, number=1, title="类别")
        foreign_task = Task.objects.create(
            plan=other_plan,
            category=category,
            order=1,
            number=1,
            title="另一任务",
            lead_unit=self.gongxin,
        )
        group = Unit.objects.get(code="counties")
        task4 = self.task(4)
        tomorrow = datetime.date.today() + datetime.timedelta(days=2)
        cases = [
            ({"held_on": None}, "Give the date of the meeting."),
            ({"held_on": tomorrow}, "The meeting date cannot be in the future."),
            ({"place": "  "}, "Give the place of the meeting."),
            ({"place": "地" * 201}, "The place is longer than 200 characters."),
            ({"chair": ""}, "Give who chaired the meeting."),
            ({"chair": "王" * 101}, "The chair's name is longer than 100 characters."),
            ({"attendees": "人" * 2001}, "The list of attendees is longer than 2000 characters."),
            ({"summary": "纪" * 10_001}, "The minutes are longer than 10000 characters."),
            ({"units": []}, "Choose at least one attending unit."),
            ({"tasks": [task4, foreign_task]}, "Task 1 is not a task of this plan."),
            (
                {"decisions": [("事项", self.gongxin, DUE_ON, None), (" ", self.tax, DUE_ON)]},
                "Agreed item 2 has no text.",
            ),
            (
                {"decisions": [("事" * 1001, self.gongxin, DUE_ON)]},
                "Agreed item 1 is longer than 1000 characters.",
            ),
            (
                {"decisions": [("事项", None, DUE_ON)]},
                "Agreed item 1 has no responsible unit.",
            ),
            (
                {"decisions": [("事项", group, DUE_ON)]},
                "Agreed item 1 must name one responsible unit, not a group of units "
                "such as 各县(市、区)政府.",
            ),
            ({"decisions": [("事项", self.gongxin, None)]}, "Agreed item 1 has no deadline."),
            (
                {"decisions": [("事项", self.gongxin, HELD_ON - datetime.timedelta(days=1))]},
                "The deadline of agreed item 1 is before the meeting.",
            ),
            (
                {"decisions": [DecisionInput("事项", self.gongxin, DUE_ON, foreign_task)]},
                "Agreed item 1 names a task of another plan.",
            ),
            (
                {"decisions": [("事项", self.gongxin, DUE_ON)] * 51},
                "A meeting can have at most 50 agreed items.",
            ),
            (
                {"by": self.lead_liaison},
                "Only the working group's supervisors record dispatch meetings.",
            ),
            ({"by": self.reader}, "Only the working group's supervisors record dispatch meetings."),
        ]
        for overrides, message in cases:
            with self.subTest(message=message):
                self.assertEqual(self.refused(**overrides), message)
                self.assertNothingRecorded()

    def test_the_reason_is_given_in_chinese_by_default(self) -> None:
        with self.assertRaises(MeetingError) as raised:
            self.record(decisions=[("事项", self.gongxin, None)])
        self.assertEqual(raised.exception.message, "第1项议定事项未填写完成时限。")

    def test_a_closed_plan_or_one_not_yet_dispatched_takes_no_meeting(self) -> None:
        Plan.objects.filter(pk=self.plan.pk).update(status=Plan.Status.CLOSED)
        self.plan.refresh_from_db()
        self.assertEqual(
            self.refused(), "The plan is closed: no meeting can be recorded on it any more."
        )
        Plan.objects.filter(pk=self.plan.pk).update(status=Plan.Status.IMPORTED)
        self.plan.refresh_from_db()
        self.assertEqual(
            self.refused(),
            "The plan's tasks have not been dispatched yet: dispatch meetings follow dispatch.",
        )
        self.assertNothingRecorded()

    def test_a_meeting_may_agree_no_item(self) -> None:
        meeting = self.record(decisions=[], tasks=[])
        self.assertFalse(meeting.decisions.exists())


class RecordPageTests(MeetingTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.start_work()

    def setUp(self) -> None:
        self.url = reverse("meeting_record", args=[self.plan.pk])

    def form_data(self, **overrides: str | list[str]) -> dict[str, Any]:
        task4 = self.task(4)
        data: dict[str, Any] = {
            "held_on": "2024-03-05",
            "place": "临城县经济开发区",
            "chair": "副市长 王某某",
            "units": [str(self.gongxin.pk), str(self.county.pk)],
            "attendees": "张某、李某",
            "tasks": [str(task4.pk)],
            "summary": "研究推进措施。",
            "decisions-TOTAL_FORMS": "3",
            "decisions-INITIAL_FORMS": "0",
            "decisions-0-text": "四月底前完成企业研发机构摸底。",
            "decisions-0-owner_unit": str(self.gongxin.pk),
            "decisions-0-due_on": "2024-04-30",
            "decisions-0-task": str(task4.pk),
            "decisions-1-text": "临城县落实首席质量官制度。",
            "decisions-1-owner_unit": str(self.county.pk),
            "decisions-1-due_on": "2024-05-31",
            # Row 2 left empty: skipped.
        }
        data.update(overrides)
        return data

    def test_a_supervisor_records_a_meeting_through_the_page(self) -> None:
        self.client.force_login(self.supervisor)
        page = self.client.get(self.url)
        self.assertContains(page, "记录现场调度会")
        self.assertContains(page, "议定事项")
        self.assertContains(page, 'name="decisions-TOTAL_FORMS" value="5"')
        response = self.client.post(self.url, self.form_data())
        meeting = Meeting.objects.get()
        self.assertRedirects(response, reverse("meeting_detail", args=[meeting.pk]))
        self.assertEqual(
            list(meeting.decisions.values_list("number", "owner_unit__code", "due_on", "task")),
            [
                (1, "gongxin", DUE_ON, self.task(4).pk),
                (2, "lincheng", datetime.date(2024, 5, 31), None),
            ],
        )
        detail = self.client.get(reverse("meeting_detail", args=[meeting.pk]))
        self.assertContains(detail, "临城县经济开发区")
        self.assertContains(detail, "四月底前完成企业研发机构摸底。")
        self.assertContains(detail, "主持人")
        self.assertContains(detail, "未办结")

    def test_a_half_filled_row_is_shown_again_with_its_error_and_nothing_is_written(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.supervisor)
        response = self.client.post(self.url, self.form_data(**{"decisions-1-owner_unit": ""}))
        self.assertEqual(response.status_code, 200)
        with translation.override("en"):  # the messages are lazy: read them in the page's language
            self.assertEqual(
                response.context["decisions"].errors[1],
                {"owner_unit": ["Choose the responsible unit."]},
            )
        self.assertContains(response, "临城县落实首席质量官制度。")
        self.assertFalse(Meeting.objects.exists())

    def test_a_refusal_of_the_service_is_shown_on_the_form(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.supervisor)
        data = self.form_data(**{"decisions-0-due_on": "2024-03-01"})
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].non_field_errors(),
            ["The deadline of agreed item 1 is before the meeting."],
        )
        self.assertFalse(Meeting.objects.exists())

    def test_more_rows_keeps_what_was_typed_and_checks_nothing_yet(self) -> None:
        self.client.force_login(self.supervisor)
        data = self.form_data(place="", **{"decisions-1-owner_unit": ""})
        response = self.client.post(self.url, {**data, "add_rows": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="decisions-TOTAL_FORMS" value="8"')
        self.assertContains(response, "临城县落实首席质量官制度。")
        self.assertNotContains(response, 'class="errorlist')
        self.assertFalse(Meeting.objects.exists())

    def test_a_liaison_cannot_record_a_meeting(self) -> None:
        denied = AuditEvent.objects.filter(action="access.denied", username="t.gongxin")
        self.client.force_login(self.lead_liaison)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)
        self.assertEqual(denied.count(), 2)
        self.assertFalse(Meeting.objects.exists())
        list_page = self.client.get(reverse("plan_meetings", args=[self.plan.pk]))
        self.assertNotContains(list_page, self.url)
