"""deliver_due(): e-mail through Django's mail backend and the units' group robots,
with quiet hours, retries, timeouts and a per-robot rate limit. The robots are
local HTTP servers started by the tests."""

import base64
import contextlib
import datetime
import hashlib
import hmac
import socket

from django.core import mail
from django.test import override_settings

from audit.models import AuditEvent
from notices.delivery import deliver_due
from notices.models import Delivery, Notice, UnitWebhook
from notices.services import notice_mark_read
from tests.notices.base import NOW, SHANGHAI, NoticeTestCase
from tests.notices.robot import PUBLIC, WECOM_HOST, RobotServer, resolving, routed_to

Channel, Status = Delivery.Channel, Delivery.Status
LATER = NOW + datetime.timedelta(minutes=1)


def at(hour: int, minute: int = 0, day: int = 5) -> datetime.datetime:
    return datetime.datetime(2024, 3, day, hour, minute, tzinfo=SHANGHAI)


class EmailTests(NoticeTestCase):
    def test_it_e_mails_each_notice_with_its_link_and_writes_no_audit_row(self) -> None:
        self.remind(self.liaison, self.leader)
        counts = deliver_due(now=LATER)
        self.assertEqual((counts["claimed"], counts["email_sent"]), (2, 2))
        self.assertEqual(
            sorted(message.to[0] for message in mail.outbox),
            ["n.gongxin.leader@example.cn", "n.gongxin@example.cn"],
        )
        message = mail.outbox[0]
        self.assertEqual(message.subject, "[行动方案督办系统] 2024年2月调度报告3天后截止")
        self.assertIn("请按时填报本期进展。", message.body)
        self.assertIn("http://127.0.0.1:8000/reports/42/", message.body)
        self.assertIn("http://127.0.0.1:8000/notices/preferences/", message.body)
        self.assertEqual(
            set(Delivery.objects.filter(channel=Channel.EMAIL).values_list("status", "sent_at")),
            {(Status.SENT, LATER)},
        )
        self.assertFalse(AuditEvent.objects.filter(action__startswith="notice").exists())
        # Sent once: the next sweep finds nothing due.
        self.assertEqual(deliver_due(now=LATER + datetime.timedelta(hours=1))["claimed"], 0)
        self.assertEqual(len(mail.outbox), 2)

    def test_nothing_is_due_before_its_time(self) -> None:
        self.remind(self.liaison)
        self.assertEqual(deliver_due(now=NOW - datetime.timedelta(seconds=1))["claimed"], 0)
        self.assertEqual(mail.outbox, [])

    def test_a_notice_read_in_the_application_first_is_not_e_mailed(self) -> None:
        (notice,) = self.remind(self.liaison)
        notice_mark_read(notice=notice, by=self.liaison)
        counts = deliver_due(now=LATER)
        self.assertEqual(counts["skipped"], 1)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(
            Delivery.objects.get(channel=Channel.EMAIL).last_error,
            "read in the application first",
        )

    def test_a_person_made_inactive_meanwhile_gets_no_e_mail(self) -> None:
        self.remind(self.liaison)
        self.liaison.is_active = False
        self.liaison.save(update_fields=["is_active"])
        self.assertEqual(deliver_due(now=LATER)["skipped"], 1)
        self.assertEqual(mail.outbox, [])

    @override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_TIMEOUT=1,
        NOTICE_EMAIL_RETRIES=1,
    )
    def test_a_mail_server_that_cannot_be_reached_fails_the_batch_at_once_then_retries(
        self,
    ) -> None:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        self.remind(self.liaison, self.leader)
        with override_settings(EMAIL_PORT=port):
            counts = deliver_due(now=LATER)
            self.assertEqual(counts["email_retry"], 2)
            deliveries = Delivery.objects.filter(channel=Channel.EMAIL)
            self.assertEqual(
                set(deliveries.values_list("status", "attempts", "next_attempt_at")),
                {(Status.PENDING, 1, LATER + datetime.timedelta(minutes=1))},
            )
            self.assertIn("mail server", deliveries.first().last_error)
            counts = deliver_due(now=LATER + datetime.timedelta(minutes=1))
            self.assertEqual(counts["email_failed"], 2)
            self.assertEqual(set(deliveries.values_list("status", flat=True)), {Status.FAILED})


@override_settings(NOTICE_QUIET_HOURS="22:00-07:00")
class QuietHoursTests(NoticeTestCase):
    def test_e_mail_and_robot_messages_wait_for_the_end_of_quiet_hours(self) -> None:
        with RobotServer() as robot:
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=robot.url())
            self.remind(self.liaison, now=at(23, 10))
            counts = deliver_due(now=at(23, 11))
            self.assertEqual((counts["deferred"], counts["claimed"]), (2, 0))
            self.assertEqual(
                set(Delivery.objects.exclude(channel=Channel.INAPP).values_list("next_attempt_at")),
                {(at(7, 0, day=6),)},
            )
            self.assertEqual(deliver_due(now=at(6, 59, day=6))["claimed"], 0)
            self.assertEqual((mail.outbox, robot.requests), ([], []))
            counts = deliver_due(now=at(7, 0, day=6))
            self.assertEqual((counts["email_sent"], counts["webhook_sent"]), (1, 1))
        # The notice itself was in the centre all along.
        self.assertEqual(Notice.objects.get().created_at, at(23, 10))

    def test_before_midnight_inside_the_window_and_in_the_morning_it_ends_the_same_day(
        self,
    ) -> None:
        self.remind(self.liaison, now=at(5, 0))
        deliver_due(now=at(5, 1))
        self.assertEqual(Delivery.objects.get(channel=Channel.EMAIL).next_attempt_at, at(7, 0))

    def test_outside_quiet_hours_mail_goes_at_once(self) -> None:
        self.remind(self.liaison, now=at(21, 59))
        self.assertEqual(deliver_due(now=at(21, 59))["email_sent"], 1)


class RobotTests(NoticeTestCase):
    def robot(self, server: RobotServer, kind: str = "wecom", **fields) -> UnitWebhook:
        return UnitWebhook.objects.create(unit=self.gongxin, kind=kind, url=server.url(), **fields)

    def test_a_wecom_robot_gets_one_text_message_naming_the_units_people(self) -> None:
        with RobotServer() as server:
            self.robot(server)
            self.remind(self.liaison, self.colleague, self.leader, self.county_liaison)
            counts = deliver_due(now=LATER)
        self.assertEqual(counts["webhook_sent"], 1)
        (request,) = server.requests
        self.assertEqual(request["path"], "/cgi-bin/webhook/send")
        self.assertEqual(request["query"], {"key": "test-key"})
        self.assertEqual(request["content_type"], "application/json; charset=utf-8")
        self.assertEqual(
            request["body"],
            {
                "msgtype": "text",
                "text": {
                    "content": "【提醒】2024年2月调度报告3天后截止\n"
                    "请按时填报本期进展。\n"
                    "http://127.0.0.1:8000/reports/42/\n"
                    "请以下同志办理：张伟、李娜、王强",
                    "mentioned_mobile_list": ["13800000001", "13800000003"],
                },
            },
        )
        delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
        self.assertEqual((delivery.status, delivery.attempts), (Status.SENT, 1))

    def test_a_dingtalk_robot_with_a_secret_gets_a_signed_request_and_the_mentions(self) -> None:
        with RobotServer() as server:
            self.robot(server, kind="dingtalk", secret="SEC-test-secret")
            self.remind(self.liaison, self.colleague)
            deliver_due(now=LATER)
        (request,) = server.requests
        self.assertEqual(
            request["body"],
            {
                "msgtype": "text",
                "text": {
                    "content": "【提醒】2024年2月调度报告3天后截止\n"
                    "请按时填报本期进展。\n"
                    "http://127.0.0.1:8000/reports/42/\n"
                    "请以下同志办理：张伟、李娜\n@13800000001"
                },
                "at": {"atMobiles": ["13800000001"], "isAtAll": False},
            },
        )
        query = request["query"]
        self.assertEqual(sorted(query), ["key", "sign", "timestamp"])
        expected = base64.b64encode(
            hmac.new(
                b"SEC-test-secret",
                f"{query['timestamp']}\nSEC-test-secret".encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        # parse_qsl has already URL-decoded the value the sender URL-encoded.
        self.assertEqual(query["sign"], expected)

    def test_after_a_500_answer_it_retries_later_and_succeeds(self) -> None:
        with RobotServer(answers=[(500, {"error": "busy"})]) as server:
            self.robot(server)
            self.remind(self.liaison)
            first = deliver_due(now=LATER)
            delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
            self.assertEqual(first["webhook_retry"], 1)
            self.assertEqual(
                (delivery.status, delivery.attempts, delivery.last_error),
                (Status.PENDING, 1, "HTTP 500"),
            )
            self.assertEqual(delivery.next_attempt_at, LATER + datetime.timedelta(minutes=1))
            # Not before the backoff is over.
            self.assertEqual(deliver_due(now=LATER + datetime.timedelta(seconds=30))["claimed"], 0)
            second = deliver_due(now=LATER + datetime.timedelta(minutes=1))
        self.assertEqual(second["webhook_sent"], 1)
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(server.requests[0]["body"], server.requests[1]["body"])
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts, delivery.last_error), ("sent", 2, ""))

    def test_an_errcode_other_than_0_is_a_failure(self) -> None:
        answer = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        with RobotServer(answers=[answer]) as server:
            self.robot(server)
            self.remind(self.liaison)
            deliver_due(now=LATER)
        self.assertEqual(
            Delivery.objects.get(channel=Channel.WEBHOOK).last_error,
            "errcode 93000: invalid webhook url",
        )

    def test_an_answer_that_is_not_json_is_a_failure(self) -> None:
        with RobotServer(answers=[(200, b"<html>proxy login</html>")]) as server:
            self.robot(server)
            self.remind(self.liaison)
            deliver_due(now=LATER)
        delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
        self.assertEqual(
            (delivery.status, delivery.last_error), ("pending", "the answer is not JSON")
        )

    @override_settings(NOTICE_WEBHOOK_TIMEOUT=0.3)
    def test_a_robot_slower_than_the_timeout_is_a_failure_to_retry(self) -> None:
        with RobotServer(delay=5) as server:
            self.robot(server)
            self.remind(self.liaison)
            started = datetime.datetime.now()
            counts = deliver_due(now=LATER)
            waited = datetime.datetime.now() - started
        self.assertEqual(counts["webhook_retry"], 1)
        self.assertLess(waited, datetime.timedelta(seconds=3))
        delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
        self.assertEqual(
            (delivery.status, delivery.last_error), ("pending", "no answer within 0.3 s")
        )

    @override_settings(NOTICE_WEBHOOK_RETRIES=2)
    def test_it_gives_up_after_the_last_attempt(self) -> None:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        UnitWebhook.objects.create(
            unit=self.gongxin, kind="wecom", url=f"https://{WECOM_HOST}/cgi-bin/webhook/send"
        )
        stack = contextlib.ExitStack()
        stack.enter_context(resolving({WECOM_HOST: [PUBLIC]}))
        stack.enter_context(routed_to(port))
        self.addCleanup(stack.close)
        self.remind(self.liaison)
        delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
        moment = LATER
        outcomes = []
        for _attempt in range(4):
            counts = deliver_due(now=moment)
            outcomes.append((counts["webhook_retry"], counts["webhook_failed"]))
            moment += datetime.timedelta(hours=1)
        self.assertEqual(outcomes, [(1, 0), (1, 0), (0, 1), (0, 0)])
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts), (Status.FAILED, 3))
        self.assertTrue(delivery.last_error.startswith("no connection"), delivery.last_error)
        self.assertIsNone(delivery.next_attempt_at)

    def test_a_robot_disabled_meanwhile_is_not_called(self) -> None:
        with RobotServer() as server:
            robot = self.robot(server)
            self.remind(self.liaison)
            robot.enabled = False
            robot.save()
            counts = deliver_due(now=LATER)
        self.assertEqual((counts["skipped"], server.requests), (1, []))

    def test_a_robot_gets_at_most_20_messages_a_minute(self) -> None:
        with RobotServer() as server:
            self.robot(server)
            for number in range(25):
                self.remind(self.liaison, key=f"task:{number}:overdue", title=f"任务{number}逾期")
            counts = deliver_due(now=LATER)
            self.assertEqual((counts["webhook_sent"], counts["throttled"]), (20, 5))
            self.assertEqual(len(server.requests), 20)
            # A minute later the rest go.
            counts = deliver_due(now=LATER + datetime.timedelta(minutes=1))
            self.assertEqual(counts["webhook_sent"], 5)
        self.assertEqual(
            len({request["body"]["text"]["content"] for request in server.requests}), 25
        )

    def test_loading_a_batch_takes_the_same_queries_for_one_or_many_deliveries(self) -> None:
        with RobotServer() as server:
            self.robot(server)
            self.remind(self.liaison, key="small")
            with self.assertNumQueries(QUERIES_PER_BATCH + 2):
                deliver_due(now=LATER)
            for number in range(5):
                self.remind(self.liaison, self.leader, self.colleague, key=f"big:{number}")
            # Sending and recording each delivery is one UPDATE each: 15 e-mails, 5 robots.
            with self.assertNumQueries(QUERIES_PER_BATCH + 20):
                deliver_due(now=LATER + datetime.timedelta(minutes=5))


# Claim (select, robot lock, robot count, update, savepoint pair) and load (deliveries, names).
QUERIES_PER_BATCH = 8
