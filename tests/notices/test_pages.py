"""The notification centre: a person's own notices only, unread first; marking
them read; the e-mail settings; the unread count on every page."""

import datetime

from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from notices.context import unread
from notices.models import Notice, NoticePreference
from notices.services import notice_mark_read, notices_mark_all_read, preference_set
from tests.audit_coverage import audited
from tests.notices.base import NOW, NoticeTestCase


class CentreTests(NoticeTestCase):
    def setUp(self) -> None:
        self.old, self.new = (
            self.remind(self.liaison, key="old", title="较早的提醒")[0],
            self.remind(
                self.liaison,
                key="new",
                title="督办单：请于3日内反馈",
                url="/supervision/notices/7/",
                now=NOW + datetime.timedelta(hours=1),
            )[0],
        )
        self.remind(self.leader, key="leader", title="领导的通知")
        self.client.force_login(self.liaison)

    def test_it_lists_the_persons_notices_unread_first_with_their_links(self) -> None:
        notice_mark_read(notice=self.new, by=self.liaison)
        response = self.client.get(reverse("notice_list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["notices"]), [self.old, self.new])
        self.assertContains(response, "通知中心")
        self.assertContains(response, "1 条未读通知")
        self.assertContains(response, '<a href="/supervision/notices/7/">督办单：请于3日内反馈</a>')
        self.assertNotContains(response, "领导的通知")

    def test_the_unread_filter_shows_unread_notices_only(self) -> None:
        notice_mark_read(notice=self.new, by=self.liaison)
        response = self.client.get(reverse("notice_list"), {"show": "unread"})
        self.assertEqual(list(response.context["notices"]), [self.old])
        notices_mark_all_read(by=self.liaison)
        response = self.client.get(reverse("notice_list"), {"show": "unread"})
        self.assertContains(response, "没有未读通知。")

    def test_the_list_is_paginated_in_a_fixed_number_of_queries(self) -> None:
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("notice_list"))
        for number in range(45):
            self.remind(self.liaison, key=f"bulk:{number}")
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(reverse("notice_list"), {"page": 2})
        self.assertEqual(len(many), len(few))
        # The session, the person, the page count, the page, the unread count.
        self.assertLessEqual(len(many), 6)
        self.assertEqual(len(response.context["notices"]), 20)
        self.assertEqual(response.context["page"].paginator.num_pages, 3)

    def test_marking_a_notice_read_records_it_and_opens_its_link(self) -> None:
        url = reverse("notice_read", args=[self.new.pk])
        with audited(
            notice_mark_read,
            action="notice.read",
            by=self.liaison,
            obj=self.new,
            summary={"key": "new"},
            count=1,
        ):
            response = self.client.post(url, {"open": "1"})
        self.assertRedirects(response, "/supervision/notices/7/", fetch_redirect_response=False)
        self.new.refresh_from_db()
        self.assertIsNotNone(self.new.read_at)
        event = AuditEvent.objects.get(action="notice.read")
        self.assertEqual(
            (event.username, event.object_type, event.object_id),
            ("n.gongxin", "notices.Notice", str(self.new.pk)),
        )
        self.assertEqual(event.summary["key"], "new")
        # Read already: nothing changes, no second row.
        response = self.client.post(url, {"next": reverse("notice_list") + "?show=unread"})
        self.assertRedirects(
            response, reverse("notice_list") + "?show=unread", fetch_redirect_response=False
        )
        self.assertEqual(AuditEvent.objects.filter(action="notice.read").count(), 1)

    def test_after_marking_read_it_never_redirects_off_the_site(self) -> None:
        url = reverse("notice_read", args=[self.old.pk])
        response = self.client.post(url, {"next": "https://evil.example/"})
        self.assertRedirects(response, reverse("notice_list"), fetch_redirect_response=False)

    def test_marking_read_needs_a_post(self) -> None:
        response = self.client.get(reverse("notice_read", args=[self.old.pk]))
        self.assertEqual(response.status_code, 405)
        self.old.refresh_from_db()
        self.assertIsNone(self.old.read_at)

    def test_another_persons_notice_answers_404_and_the_attempt_is_recorded(self) -> None:
        theirs = Notice.objects.get(recipient=self.leader)
        url = reverse("notice_read", args=[theirs.pk])
        for method in ("get", "post"):
            with self.subTest(method=method):
                self.assertEqual(getattr(self.client, method)(url).status_code, 404)
        theirs.refresh_from_db()
        self.assertIsNone(theirs.read_at)
        denied = AuditEvent.objects.filter(action="access.denied", username="n.gongxin")
        self.assertEqual(denied.count(), 2)
        self.assertEqual(denied.first().object_id, str(theirs.pk))
        # Not even the working group's supervisor reads someone else's notices.
        self.client.force_login(self.supervisor)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(self.client.post(reverse("notice_read", args=[10**9])).status_code, 404)

    def test_marking_all_read_marks_the_persons_notices_only(self) -> None:
        with audited(
            notices_mark_all_read,
            action="notice.read_all",
            by=self.liaison,
            summary={"count": 2},
            count=1,
        ):
            response = self.client.post(reverse("notices_read_all"))
        self.assertRedirects(response, reverse("notice_list"), fetch_redirect_response=False)
        self.assertEqual(
            sorted(
                (username, read_at is not None)
                for username, read_at in Notice.objects.values_list(
                    "recipient__username", "read_at"
                )
            ),
            [("n.gongxin", True), ("n.gongxin", True), ("n.gongxin.leader", False)],
        )
        event = AuditEvent.objects.get(action="notice.read_all")
        self.assertEqual((event.username, event.summary), ("n.gongxin", {"count": 2}))
        self.assertEqual(notices_mark_all_read(by=self.liaison), 0)
        self.assertEqual(AuditEvent.objects.filter(action="notice.read_all").count(), 1)

    def test_the_pages_need_a_login(self) -> None:
        self.client.logout()
        for name in ("notice_list", "notice_preferences"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_centre_reads_in_english_too(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(reverse("notice_list"))
        self.assertContains(response, "Notification centre")
        self.assertContains(response, "2 unread notices")
        self.assertContains(response, "Mark all as read")


class UnreadCountTests(NoticeTestCase):
    def test_the_context_processor_counts_unread_notices_in_one_query(self) -> None:
        for key in ("a", "b", "c"):
            self.remind(self.liaison, key=key)
        notices_mark_all_read(by=self.leader)
        notice_mark_read(
            notice=Notice.objects.filter(recipient=self.liaison).first(), by=self.liaison
        )
        request = RequestFactory().get("/")
        request.user = self.liaison
        with self.assertNumQueries(1):
            self.assertEqual(unread(request), {"unread_notices": 2})
            # Asked again in the same request (the page and the header): no second query.
            self.assertEqual(unread(request), {"unread_notices": 2})

    def test_nobody_signed_in_costs_no_query(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        with self.assertNumQueries(0):
            self.assertEqual(unread(request), {"unread_notices": 0})


class PreferenceTests(NoticeTestCase):
    def test_a_person_chooses_the_daily_digest_and_it_is_recorded(self) -> None:
        self.client.force_login(self.liaison)
        page = self.client.get(reverse("notice_preferences"))
        self.assertContains(page, "邮件发送至 n.gongxin@example.cn。")
        self.assertTrue(page.context["form"]["email"].value())
        with audited(
            preference_set,
            action="notice.preferences",
            by=self.liaison,
            summary={"after": {"digest": True, "email": True}},
            count=1,
        ):
            response = self.client.post(
                reverse("notice_preferences"), {"email": "on", "digest": "on"}
            )
        self.assertRedirects(response, reverse("notice_preferences"))
        preference = NoticePreference.objects.get(user=self.liaison)
        self.assertEqual((preference.email, preference.digest), (True, True))
        event = AuditEvent.objects.get(action="notice.preferences")
        self.assertEqual(event.username, "n.gongxin")
        self.assertEqual(
            event.summary,
            {
                "before": {"digest": False, "email": True},
                "after": {"digest": True, "email": True},
                "waiting_not_sent": 0,
            },
        )

    def test_turning_e_mail_off_drops_the_e_mails_still_waiting(self) -> None:
        self.remind(self.liaison)
        preference = preference_set(by=self.liaison, digest=False, email=False)
        self.assertFalse(preference.email)
        self.assertEqual(
            list(self.liaison.notices.get().deliveries.values_list("channel", "status")),
            [("inapp", "sent"), ("email", "skipped")],
        )

    def test_a_person_without_an_address_is_told_so(self) -> None:
        self.client.force_login(self.tax_liaison)
        page = self.client.get(reverse("notice_preferences"))
        self.assertContains(page, "您的账号尚未登记邮箱")
