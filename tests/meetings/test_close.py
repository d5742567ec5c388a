"""Closing a follow-up (办结) with a note, and reopening it."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from departments.models import User
from meetings.models import Decision
from meetings.services import MeetingError, decision_close, decision_reopen
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from tests.meetings.base import MeetingTestMixin


class CloseTests(MeetingTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.start_work()
        cls.county_leader = make_person("t.lincheng.leader", User.Role.LEADER, cls.county)

    def setUp(self) -> None:
        self.meeting = self.record()
        # Item 1: 市工业和信息化局's; item 2: 临城县政府's.
        self.item = self.meeting.decisions.get(number=1)
        self.url = reverse("decision_close", args=[self.item.pk])

    def test_the_owner_units_liaison_closes_the_item_with_a_note(self) -> None:
        self.client.force_login(self.lead_liaison)
        page = self.client.get(self.url)
        self.assertContains(page, "办结说明")
        with audited(
            decision_close,
            action="decision.close",
            by=self.lead_liaison,
            obj=self.item,
            summary={"note": "摸底已完成，共82家。", "unit": "市工业和信息化局"},
        ):
            response = self.client.post(self.url, {"note": "摸底已完成，共82家。"})
        self.assertRedirects(response, reverse("meeting_detail", args=[self.meeting.pk]))
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, Decision.Status.CLOSED)
        self.assertEqual(self.item.closed_note, "摸底已完成，共82家。")
        self.assertEqual(self.item.closed_by, self.lead_liaison)
        self.assertIsNotNone(self.item.closed_at)
        event = AuditEvent.objects.get(action="decision.close")
        self.assertEqual(
            (event.username, event.object_type, event.object_id),
            ("t.gongxin", "meetings.Decision", str(self.item.pk)),
        )
        self.assertEqual(event.summary["note"], "摸底已完成，共82家。")
        self.assertEqual(event.summary["unit"], "市工业和信息化局")

    def test_the_owner_units_leader_and_a_supervisor_may_close_too(self) -> None:
        decision_close(decision=self.item, by=self.leader, note="已完成。")
        other = self.meeting.decisions.get(number=2)
        decision_close(decision=other, by=self.supervisor, note="已核实。")
        self.assertEqual(
            list(self.meeting.decisions.values_list("status", "closed_by__username")),
            [("closed", "t.gongxin.leader"), ("closed", "t.supervisor")],
        )

    def test_a_note_is_required_and_nothing_is_written_without_it(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.lead_liaison)
        response = self.client.post(self.url, {"note": "   "})
        self.assertEqual(response.status_code, 200)
        with translation.override("en"):  # the messages are lazy: read them in the page's language
            self.assertEqual(
                response.context["form"].errors,
                {"note": ["Write a closing note: say what was done."]},
            )
        with translation.override("en"), self.assertRaises(MeetingError) as raised:
            decision_close(decision=self.item, by=self.lead_liaison, note=" ")
        self.assertEqual(raised.exception.message, "Write a closing note: say what was done.")
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, Decision.Status.OPEN)
        self.assertFalse(AuditEvent.objects.filter(action="decision.close").exists())

    def test_an_item_cannot_be_closed_twice(self) -> None:
        decision_close(decision=self.item, by=self.lead_liaison, note="已完成。")
        with translation.override("en"), self.assertRaises(MeetingError) as raised:
            decision_close(decision=self.item, by=self.leader, note="再次办结。")
        self.assertEqual(raised.exception.message, "This agreed item is already closed.")
        self.item.refresh_from_db()
        self.assertEqual(self.item.closed_note, "已完成。")
        self.assertEqual(AuditEvent.objects.filter(action="decision.close").count(), 1)
        # The page says so instead of offering the form again.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.leader)
        response = self.client.post(self.url, {"note": "再次办结。"})
        self.assertRedirects(response, reverse("meeting_detail", args=[self.meeting.pk]))
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertEqual(messages, ["This agreed item is already closed."])

    def test_an_attending_unit_sees_another_units_item_but_cannot_close_it(self) -> None:
        # 临城县政府 attended, so it sees the meeting; item 1 is 市工业和信息化局's.
        self.client.force_login(self.county_liaison)
        detail = self.client.get(reverse("meeting_detail", args=[self.meeting.pk]))
        self.assertContains(detail, "四月底前完成企业研发机构摸底。")
        self.assertNotContains(detail, self.url)
        own = reverse("decision_close", args=[self.meeting.decisions.get(number=2).pk])
        self.assertContains(detail, own)
        for user in (self.county_liaison, self.county_leader, self.reader):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                self.assertEqual(self.client.post(self.url, {"note": "越权办结"}).status_code, 404)
                with translation.override("en"), self.assertRaises(MeetingError) as raised:
                    decision_close(decision=self.item, by=user, note="越权办结")
                self.assertEqual(
                    raised.exception.message,
                    "Only the responsible unit or the working group can close this agreed item.",
                )
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, Decision.Status.OPEN)
        denied = AuditEvent.objects.filter(action="access.denied", object_id=str(self.item.pk))
        self.assertEqual(denied.count(), 6)

    def test_a_supervisor_reopens_a_closed_item_with_a_reason(self) -> None:
        decision_close(decision=self.item, by=self.lead_liaison, note="已完成。")
        url = reverse("decision_reopen", args=[self.item.pk])
        self.client.force_login(self.lead_liaison)
        self.assertEqual(self.client.post(url, {"reason": "重开"}).status_code, 404)
        self.client.force_login(self.supervisor)
        with audited(
            decision_reopen,
            action="decision.reopen",
            by=self.supervisor,
            obj=self.item,
            summary={"reason": "核查发现摸底数据不全。", "previous_note": "已完成。"},
        ):
            response = self.client.post(url, {"reason": "核查发现摸底数据不全。"})
        self.assertRedirects(response, reverse("meeting_detail", args=[self.meeting.pk]))
        self.item.refresh_from_db()
        self.assertEqual(
            (self.item.status, self.item.closed_note, self.item.closed_by),
            (Decision.Status.OPEN, "", None),
        )
        event = AuditEvent.objects.get(action="decision.reopen")
        self.assertEqual(event.username, "t.supervisor")
        self.assertEqual(event.summary["reason"], "核查发现摸底数据不全。")
        self.assertEqual(event.summary["previous_note"], "已完成。")
        with translation.override("en"), self.assertRaises(MeetingError) as raised:
            decision_reopen(decision=self.item, by=self.supervisor, reason="再开")
        self.assertEqual(raised.exception.message, "This agreed item is still open.")
        with translation.override("en"), self.assertRaises(MeetingError) as raised:
            decision_reopen(decision=self.item, by=self.lead_liaison, reason="再开")
        self.assertEqual(
            raised.exception.message,
            "Only the working group's supervisors can reopen an agreed item.",
        )
