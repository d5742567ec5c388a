"""The administrator keeps the units' group robots; the delivery task and command."""

import contextlib
import io

from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from notices.models import UnitWebhook
from notices.tasks import deliver_notices, send_notice_digests
from tests.base import make_person
from tests.notices.base import NoticeTestCase
from tests.notices.robot import DINGTALK_HOST, PUBLIC, resolving


class RobotAdminTests(NoticeTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.admin = make_person("n.admin", User.Role.ADMIN, Unit.objects.get(code="zhengfuban"))

    def test_the_administrator_adds_a_robot_and_the_change_is_audited(self) -> None:
        self.client.force_login(self.admin)
        stack = contextlib.ExitStack()
        stack.enter_context(resolving({DINGTALK_HOST: [PUBLIC]}))
        self.addCleanup(stack.close)
        add = reverse("admin:notices_unitwebhook_add")
        self.assertEqual(self.client.get(add).status_code, 200)
        response = self.client.post(
            add,
            {
                "unit": self.gongxin.pk,
                "kind": "dingtalk",
                "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "secret": "SECabc",
                "enabled": "on",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:500])
        robot = UnitWebhook.objects.get()
        self.assertEqual(
            (robot.unit, robot.kind, robot.secret.open(), robot.address),
            (self.gongxin, "dingtalk", "SECabc", "https://oapi.dingtalk.com/robot/send"),
        )
        event = AuditEvent.objects.get(action="unitwebhook.admin_add")
        self.assertEqual(event.username, "n.admin")
        # The secret is never shown again; an empty field keeps it.
        change = reverse("admin:notices_unitwebhook_change", args=[robot.pk])
        page = self.client.get(change)
        self.assertNotContains(page, "SECabc")
        self.assertNotContains(page, "access_token=abc")
        self.client.post(
            change,
            {"unit": self.gongxin.pk, "kind": "dingtalk", "url": "", "secret": ""},
        )
        robot.refresh_from_db()
        self.assertEqual(
            (robot.url.open(), robot.secret.open(), robot.enabled),
            ("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc", False),
        )
        self.client.post(
            change,
            {
                "unit": self.gongxin.pk,
                "kind": "dingtalk",
                "url": "",
                "secret": "",
                "clear_secret": "on",
                "enabled": "on",
            },
        )
        robot.refresh_from_db()
        self.assertEqual((robot.secret, robot.enabled), ("", True))
        self.assertEqual(robot.url.open(), "https://oapi.dingtalk.com/robot/send?access_token=abc")

    def test_nobody_else_reaches_the_robots(self) -> None:
        for person in (self.supervisor, self.liaison):
            self.client.force_login(person)
            response = self.client.get(reverse("admin:notices_unitwebhook_changelist"))
            self.assertEqual(response.status_code, 302, person)


class TaskTests(NoticeTestCase):
    def test_the_task_delivers_what_is_due(self) -> None:
        self.remind(self.liaison)
        counts = deliver_notices()
        self.assertEqual(counts["email_sent"], 1)
        self.assertEqual(deliver_notices.name, "notices.deliver")
        self.assertEqual(send_notice_digests.name, "notices.digest")

    def test_the_command_delivers_for_cron(self) -> None:
        self.remind(self.liaison)
        out = io.StringIO()
        call_command("deliver_notices", stdout=out)
        self.assertIn("email_sent=1", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)
        call_command("deliver_notices", "--digests", stdout=out)
        self.assertIn("digest_sent=0", out.getvalue())
