"""The meeting pages read in Chinese by default, with nothing left in English."""

from django.urls import reverse

from meetings.services import decision_close
from tests.base import PlanTestCase
from tests.meetings.base import MeetingTestMixin
from tests.visible_text import english_on_page


class ChinesePagesTests(MeetingTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.start_work()

    def test_every_meeting_page_is_in_chinese(self) -> None:
        meeting = self.record()
        open_item, closed_item = meeting.decisions.order_by("number")
        decision_close(decision=closed_item, by=self.supervisor, note="已落实。")
        pages = [
            (self.supervisor, reverse("plan_meetings", args=[self.plan.pk])),
            (self.supervisor, reverse("meeting_record", args=[self.plan.pk])),
            (self.supervisor, reverse("meeting_detail", args=[meeting.pk])),
            (self.supervisor, reverse("decision_reopen", args=[closed_item.pk])),
            (self.lead_liaison, reverse("meeting_detail", args=[meeting.pk])),
            (self.lead_liaison, reverse("decision_close", args=[open_item.pk])),
        ]
        for user, path in pages:
            with self.subTest(user=user.username, path=path):
                self.client.force_login(user)
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertEqual(english_on_page(html, user.username, self.supervisor.username), [])
        detail = self.client.get(reverse("meeting_detail", args=[meeting.pk]))
        self.assertContains(detail, "2024-03-05现场调度会")
        self.assertContains(detail, "参会单位")
        self.assertContains(detail, "已办结")
