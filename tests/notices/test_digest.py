"""send_digests(): one e-mail a day with the unread notices, for people who chose
it and for those past the daily e-mail limit."""

import datetime

from django.core import mail
from django.test import override_settings

from audit.models import AuditEvent
from notices.delivery import deliver_due, send_digests
from notices.models import Delivery, NoticePreference
from notices.services import notice_mark_read, preference_set
from tests.notices.base import NOW, SHANGHAI, NoticeTestCase

EVENING = datetime.datetime(2024, 3, 5, 17, 30, tzinfo=SHANGHAI)
DAY = datetime.timedelta(days=1)


class DigestTests(NoticeTestCase):
    def setUp(self) -> None:
        preference_set(by=self.liaison, digest=True, email=True)

    def test_a_digest_reader_gets_one_e_mail_with_the_days_unread_notices(self) -> None:
        self.remind(self.liaison, key="a", title="报告3天后截止")
        self.remind(self.liaison, key="b", title="督办单待反馈", kind="supervision_notice")
        # Not the digest's: e-mailed on its own by the delivery sweep.
        self.remind(self.leader, key="a", title="报告3天后截止")
        events = AuditEvent.objects.count()
        counts = send_digests(now=EVENING)
        self.assertEqual((counts["digest_sent"], counts["digest_failed"]), (1, 0))
        (message,) = mail.outbox
        self.assertEqual(message.to, ["n.gongxin@example.cn"])
        self.assertEqual(message.subject, "[行动方案督办系统] 2 条未读通知")
        self.assertIn("1. 提醒：报告3天后截止", message.body.replace(": ", "："))
        self.assertIn("2. 督办单：督办单待反馈", message.body.replace(": ", "："))
        self.assertIn("http://127.0.0.1:8000/notices/", message.body)
        self.assertEqual(
            set(
                Delivery.objects.filter(channel="digest").values_list(
                    "status", "sent_at", "attempts"
                )
            ),
            {("sent", EVENING, 1)},
        )
        self.assertEqual(AuditEvent.objects.count(), events)
        # The delivery sweep never sends digest deliveries on their own.
        deliver_due(now=EVENING)
        self.assertEqual([m.to for m in mail.outbox[1:]], [["n.gongxin.leader@example.cn"]])

    def test_at_most_one_digest_a_day(self) -> None:
        self.remind(self.liaison, key="a")
        send_digests(now=EVENING)
        self.remind(self.liaison, key="b", now=EVENING + datetime.timedelta(minutes=5))
        counts = send_digests(now=EVENING + datetime.timedelta(hours=1))
        self.assertEqual(counts["digest_sent"], 0)
        self.assertEqual(len(mail.outbox), 1)
        # The next day's digest brings what came after yesterday's.
        counts = send_digests(now=EVENING + DAY)
        self.assertEqual(counts["digest_sent"], 1)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(
            NoticePreference.objects.get(user=self.liaison).last_digest_on, (EVENING + DAY).date()
        )

    def test_the_digest_waits_for_its_time_of_day_however_often_the_sweep_runs(self) -> None:
        self.remind(self.liaison)
        for hour, minute in [(10, 0), (12, 0), (17, 29)]:
            send_digests(now=NOW.replace(hour=hour, minute=minute))
        self.assertEqual(mail.outbox, [])
        with self.settings(NOTICE_DIGEST_AT="08:00"):
            self.assertEqual(send_digests(now=NOW)["digest_sent"], 1)

    def test_notices_read_before_the_digest_are_left_out(self) -> None:
        (read,) = self.remind(self.liaison, key="a", title="已读的通知")
        self.remind(self.liaison, key="b", title="未读的通知")
        notice_mark_read(notice=read, by=self.liaison)
        send_digests(now=EVENING)
        (message,) = mail.outbox
        self.assertNotIn("已读的通知", message.body)
        self.assertIn("未读的通知", message.body)
        self.assertEqual(
            Delivery.objects.get(channel="digest", notice=read).status, Delivery.Status.SKIPPED
        )

    def test_nothing_unread_no_e_mail(self) -> None:
        (notice,) = self.remind(self.liaison)
        notice_mark_read(notice=notice, by=self.liaison)
        self.assertEqual(send_digests(now=EVENING)["digest_sent"], 0)
        self.assertEqual(mail.outbox, [])

    @override_settings(NOTICE_QUIET_HOURS="17:00-18:00")
    def test_no_digest_in_quiet_hours(self) -> None:
        self.remind(self.liaison)
        self.assertEqual(send_digests(now=EVENING)["deferred"], 1)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(send_digests(now=EVENING + datetime.timedelta(hours=1))["digest_sent"], 1)

    @override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,
        EMAIL_TIMEOUT=1,
    )
    def test_a_digest_that_could_not_be_sent_is_tried_again_the_same_day(self) -> None:
        self.remind(self.liaison)
        self.assertEqual(send_digests(now=EVENING)["digest_failed"], 1)
        delivery = Delivery.objects.get(channel="digest")
        self.assertEqual((delivery.status, delivery.attempts), ("pending", 1))
        self.assertIn("mail server", delivery.last_error)
        with self.settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self.assertEqual(
                send_digests(now=EVENING + datetime.timedelta(hours=1))["digest_sent"], 1
            )

    @override_settings(NOTICE_EMAIL_DAILY_LIMIT=1)
    def test_people_past_the_daily_limit_get_the_rest_in_a_digest(self) -> None:
        self.remind(self.leader, key="a", title="第一条")
        self.remind(self.leader, key="b", title="第二条")
        self.remind(self.leader, key="c", title="第三条")
        deliver_due(now=NOW)
        send_digests(now=EVENING)
        self.assertEqual(len(mail.outbox), 2)
        digest = mail.outbox[1]
        self.assertEqual(digest.subject, "[行动方案督办系统] 2 条未读通知")
        self.assertIn("第二条", digest.body)
        self.assertIn("第三条", digest.body)
        self.assertNotIn("第一条", digest.body)

    def test_turning_e_mail_off_drops_what_waited_for_the_digest(self) -> None:
        self.remind(self.liaison)
        preference_set(by=self.liaison, digest=True, email=False)
        self.assertEqual(send_digests(now=EVENING)["digest_sent"], 0)
        self.assertEqual(
            Delivery.objects.get(channel="digest").last_error, "e-mail turned off by the person"
        )
