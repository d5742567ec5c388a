"""notify(): at most one notice per person, item and day; the right deliveries."""

import datetime
from unittest import mock

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from notices.models import Delivery, Notice, UnitWebhook
from notices.services import Message, notify_many, preference_set
from notices.tasks import deliver_notices
from tests.notices.base import NOW, NoticeTestCase

Channel, Status = Delivery.Channel, Delivery.Status


class NotifyTests(NoticeTestCase):
    def test_it_makes_one_notice_per_person_with_its_deliveries_and_no_audit_row(self) -> None:
        made = self.remind(self.liaison, self.leader)
        self.assertEqual([n.recipient for n in made], [self.liaison, self.leader])
        notice = Notice.objects.get(recipient=self.liaison)
        self.assertEqual(
            (notice.kind, notice.key, notice.day, notice.title, notice.url, notice.read_at),
            (
                "reminder",
                "report:42:remind:3d",
                datetime.date(2024, 3, 5),
                "2024年2月调度报告3天后截止",
                "/reports/42/",
                None,
            ),
        )
        self.assertEqual(
            sorted(notice.deliveries.values_list("channel", "status", "next_attempt_at")),
            [("email", "pending", NOW), ("inapp", "sent", None)],
        )
        # The notice is itself the record of what the system did.
        self.assertFalse(AuditEvent.objects.filter(action__startswith="notice").exists())

    def test_the_same_item_reaches_a_person_once_a_day(self) -> None:
        first = self.remind(self.liaison)
        again = self.remind(self.liaison, self.leader, now=NOW + datetime.timedelta(hours=8))
        self.assertEqual(len(first), 1)
        # Only the leader is new today: the liaison already has this item.
        self.assertEqual([n.recipient for n in again], [self.leader])
        self.assertEqual(Notice.objects.filter(recipient=self.liaison).count(), 1)
        self.assertEqual(Delivery.objects.filter(channel=Channel.EMAIL).count(), 2)

    def test_the_next_day_brings_a_new_notice(self) -> None:
        self.remind(self.liaison)
        # 00:30 local time on the 6th: a new day in Xingtai (still the 5th in UTC).
        tomorrow = datetime.datetime(2024, 3, 6, 0, 30, tzinfo=NOW.tzinfo)
        made = self.remind(self.liaison, now=tomorrow)
        self.assertEqual(len(made), 1)
        self.assertEqual(
            list(Notice.objects.order_by("day").values_list("day", flat=True)),
            [datetime.date(2024, 3, 5), datetime.date(2024, 3, 6)],
        )

    def test_another_item_is_another_notice_the_same_day(self) -> None:
        self.remind(self.liaison)
        self.remind(self.liaison, key="report:42:remind:1d")
        self.assertEqual(Notice.objects.filter(recipient=self.liaison).count(), 2)

    def test_inactive_people_get_nothing(self) -> None:
        self.leader.is_active = False
        self.leader.save(update_fields=["is_active"])
        made = self.remind(self.liaison, self.leader)
        self.assertEqual([n.recipient for n in made], [self.liaison])
        self.assertFalse(Notice.objects.filter(recipient=self.leader).exists())

    def test_a_person_named_twice_gets_one_notice(self) -> None:
        made = self.remind(self.liaison, self.liaison)
        self.assertEqual(len(made), 1)

    def test_no_recipients_no_notice(self) -> None:
        self.assertEqual(self.remind(), [])

    def test_without_an_address_or_with_e_mail_off_the_e_mail_is_recorded_as_not_sent(
        self,
    ) -> None:
        preference_set(by=self.leader, digest=False, email=False)
        self.remind(self.tax_liaison, self.leader)
        self.assertEqual(
            sorted(
                Delivery.objects.filter(channel=Channel.EMAIL).values_list(
                    "notice__recipient__username", "status", "last_error"
                )
            ),
            [
                ("n.gongxin.leader", "skipped", "e-mail turned off by the person"),
                ("n.shuiwu", "skipped", "no e-mail address"),
            ],
        )

    def test_a_digest_reader_gets_a_digest_delivery_instead_of_an_e_mail(self) -> None:
        preference_set(by=self.liaison, digest=True, email=True)
        self.remind(self.liaison)
        self.assertEqual(
            sorted(Delivery.objects.values_list("channel", "status")),
            [("digest", "pending"), ("inapp", "sent")],
        )

    @override_settings(NOTICE_EMAIL_DAILY_LIMIT=2)
    def test_past_the_daily_e_mail_limit_the_rest_of_the_day_goes_in_the_digest(self) -> None:
        for number in range(4):
            self.remind(self.liaison, key=f"task:{number}:overdue")
        self.assertEqual(
            list(
                Delivery.objects.exclude(channel=Channel.INAPP)
                .order_by("notice__key")
                .values_list("notice__key", "channel")
            ),
            [
                ("task:0:overdue", "email"),
                ("task:1:overdue", "email"),
                ("task:2:overdue", "digest"),
                ("task:3:overdue", "digest"),
            ],
        )
        self.assertTrue(self.liaison.notice_preference.pk)
        # A new day starts a new count.
        self.remind(self.liaison, key="task:9:overdue", now=NOW + datetime.timedelta(days=1))
        self.assertEqual(
            Delivery.objects.get(
                notice__key="task:9:overdue", channel__in=["email", "digest"]
            ).channel,
            "email",
        )

    def test_one_robot_message_per_unit_item_and_day(self) -> None:
        UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url="http://127.0.0.1:9/x")
        UnitWebhook.objects.create(
            unit=self.county, kind="dingtalk", url="http://127.0.0.1:9/y", enabled=False
        )
        self.remind(self.liaison, self.county_liaison)
        # A second call for the same item the same day, with a colleague the first
        # did not name: still one message for the unit's group.
        self.remind(self.liaison, self.colleague, self.leader)
        robots = Delivery.objects.filter(channel=Channel.WEBHOOK)
        self.assertEqual(
            list(robots.values_list("unit__code", "key", "day", "status", "notice__recipient")),
            [("gongxin", "report:42:remind:3d", NOW.date(), "pending", self.liaison.pk)],
        )
        self.remind(self.liaison, now=NOW + datetime.timedelta(days=1))
        self.assertEqual(robots.count(), 2)

    def test_it_refuses_a_link_outside_the_site_and_an_unknown_kind(self) -> None:
        for url in ["https://example.com/", "//example.com/x", "javascript:alert(1)"]:
            with self.subTest(url=url), self.assertRaises(ValueError):
                self.remind(self.liaison, url=url)
        with self.assertRaises(ValueError):
            self.remind(self.liaison, kind="gossip")
        with self.assertRaises(ValueError):
            self.remind(self.liaison, key="")
        self.assertFalse(Notice.objects.exists())

    def test_a_long_title_is_cut_and_its_line_breaks_folded(self) -> None:
        made = self.remind(self.liaison, title="督办\n" + "很长" * 200)
        self.assertEqual(len(made[0].title), 200)
        self.assertTrue(made[0].title.startswith("督办 很长"))


class NotifyManyTests(NoticeTestCase):
    @override_settings(NOTICE_EMAIL_DAILY_LIMIT=0)
    def test_many_items_in_a_fixed_number_of_queries_without_audit_rows(self) -> None:
        def messages(count: int, start: int) -> list[Message]:
            return [
                Message(
                    recipients=[self.liaison, self.leader],
                    kind="urge",
                    key=f"decision:{start + n}",
                    title=f"催办：议定事项{start + n}",
                    url="/meetings/1/",
                )
                for n in range(count)
            ]

        with CaptureQueriesContext(connection) as few:
            made = notify_many(messages(3, 0), now=NOW)
        self.assertEqual(len(made), 6)
        with CaptureQueriesContext(connection) as many:
            made = notify_many(messages(40, 100), now=NOW)
        self.assertEqual(len(made), 80)
        # A handful of statements, not some per item (SQLite may split a
        # large insert in two for its limit on bound variables).
        self.assertLessEqual(len(few), 8)
        self.assertLessEqual(len(many), len(few) + 2)
        # The same items again the same day: nothing new, for anyone.
        self.assertEqual(notify_many(messages(40, 100), now=NOW), [])
        self.assertEqual(Notice.objects.filter(recipient=self.leader).count(), 43)
        self.assertFalse(AuditEvent.objects.filter(action__startswith="notice").exists())


class ScheduleTests(NoticeTestCase):
    def test_with_notice_async_off_nothing_is_queued(self) -> None:
        with (
            mock.patch.object(deliver_notices, "apply_async") as queued,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.remind(self.liaison)
        queued.assert_not_called()

    @override_settings(NOTICE_ASYNC=True)
    def test_with_notice_async_on_delivery_is_queued_once_the_transaction_commits(self) -> None:
        with mock.patch.object(deliver_notices, "apply_async") as queued:
            with self.captureOnCommitCallbacks(execute=False) as callbacks:
                self.remind(self.liaison, self.leader)
            queued.assert_not_called()
            self.assertEqual(len(callbacks), 1)
            callbacks[0]()
        queued.assert_called_once_with(retry=False)

    @override_settings(NOTICE_ASYNC=True)
    def test_a_broker_that_cannot_be_reached_does_not_fail_the_request(self) -> None:
        with (
            mock.patch.object(deliver_notices, "apply_async", side_effect=ConnectionError("down")),
            self.assertLogs("notices.services", "WARNING"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            made = self.remind(self.liaison)
        self.assertEqual(len(made), 1)
