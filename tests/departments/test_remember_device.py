"""'Stay logged in on this device': the cookie outlives the browser until the end of
the working day, never beyond the absolute limit, and the idle timeout still holds."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import TestCase, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import registry_sync
from departments.signals import record_login
from tests.audit_coverage import audited
from tests.base import make_person
from tests.clock import FrozenClockMixin

PASSWORD = "Quiet-Harbour-2024"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 5, 6, 8, 30, tzinfo=SHANGHAI)
EIGHT_PM = datetime(2024, 5, 6, 20, 0, tzinfo=SHANGHAI)
IDLE_MESSAGE = "Your session has ended after 30 minutes without activity. Please log in again."


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class RememberDeviceTests(FrozenClockMixin, TestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person(
            "l.sun", User.Role.LIAISON, Unit.objects.get(code="gongxin"), password=PASSWORD
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def log_in(self, *, remember: bool):
        data = {"username": "l.sun", "password": PASSWORD}
        if remember:
            data["remember_device"] = "1"
        response = self.client.post(reverse("login"), data)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        return response.cookies[settings.SESSION_COOKIE_NAME]

    def login_row(self) -> AuditEvent:
        return AuditEvent.objects.filter(action="auth.login").latest("id")

    def stored_session(self) -> Session:
        return Session.objects.get(
            session_key=self.client.cookies[settings.SESSION_COOKIE_NAME].value
        )

    def assert_logged_in(self) -> None:
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def assert_sent_to_login(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_login_page_offers_the_choice(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertContains(response, 'name="remember_device"')
        self.assertContains(response, "Stay logged in on this device until 20:00 today")
        self.assertContains(response, "30 minutes without activity still will.")

    def test_without_the_box_the_cookie_ends_with_the_browser(self) -> None:
        with audited(record_login, action="auth.login", summary={"remember_device": False}):
            cookie = self.log_in(remember=False)
        self.assertEqual(cookie["max-age"], "")
        self.assertEqual(cookie["expires"], "")
        self.assertNotIn("remembered_until", self.login_row().summary)

    def test_with_the_box_the_cookie_lasts_until_eight_in_the_evening(self) -> None:
        until = EIGHT_PM.isoformat()
        with audited(
            record_login,
            action="auth.login",
            by=self.user,
            summary={"remember_device": True, "remembered_until": until},
            count=1,
        ):
            cookie = self.log_in(remember=True)
        self.assertEqual(int(cookie["max-age"]), 11 * 3600 + 30 * 60)
        self.assertEqual(cookie["expires"], "Mon, 06 May 2024 12:00:00 GMT")
        self.assertTrue(cookie["httponly"])
        self.assertEqual(self.stored_session().expire_date, EIGHT_PM)

    def test_a_remembered_session_still_ends_after_thirty_idle_minutes(self) -> None:
        self.log_in(remember=True)
        self.at(timedelta(minutes=29, seconds=59))
        self.assert_logged_in()
        self.at(timedelta(minutes=29, seconds=59) + timedelta(minutes=30, seconds=1))
        response = self.client.get(reverse("home"), follow=True)
        self.assertContains(response, IDLE_MESSAGE)
        self.assert_sent_to_login()
        expired = AuditEvent.objects.get(action="auth.session_expired")
        self.assertEqual(expired.user, self.user)

    def test_activity_keeps_a_remembered_session_until_eight_and_no_longer(self) -> None:
        self.log_in(remember=True)
        for minutes in range(20, 11 * 60 + 30, 20):
            self.at(timedelta(minutes=minutes))
            self.assert_logged_in()
        self.at(EIGHT_PM - START - timedelta(seconds=1))
        self.assert_logged_in()
        self.at(EIGHT_PM - START + timedelta(seconds=1))
        self.assert_sent_to_login()

    @override_settings(SESSION_ABSOLUTE_HOURS=2)
    def test_the_cookie_never_outlasts_the_absolute_limit(self) -> None:
        self.assertContains(
            self.client.get(reverse("login")), "Stay logged in on this device until 10:30 today"
        )
        cookie = self.log_in(remember=True)
        self.assertEqual(int(cookie["max-age"]), 2 * 3600)
        self.assertEqual(
            self.login_row().summary["remembered_until"], (START + timedelta(hours=2)).isoformat()
        )

    def test_after_the_working_day_the_box_is_not_offered_and_changes_nothing(self) -> None:
        self.at(EIGHT_PM - START + timedelta(minutes=5))
        self.assertNotContains(self.client.get(reverse("login")), 'name="remember_device"')
        cookie = self.log_in(remember=True)
        self.assertEqual(cookie["max-age"], "")
        self.assertEqual(self.login_row().summary, {"remember_device": True})

    @override_settings(SESSION_REMEMBER_UNTIL="18:30")
    def test_the_end_of_the_working_day_comes_from_the_settings(self) -> None:
        self.assertContains(
            self.client.get(reverse("login")), "Stay logged in on this device until 18:30 today"
        )
        cookie = self.log_in(remember=True)
        self.assertEqual(int(cookie["max-age"]), 10 * 3600)

    @override_settings(SESSION_REMEMBER_DEVICE=False)
    def test_a_deployment_can_take_the_option_away(self) -> None:
        self.assertNotContains(self.client.get(reverse("login")), 'name="remember_device"')
        cookie = self.log_in(remember=True)
        self.assertEqual(cookie["max-age"], "")
        self.assertEqual(self.login_row().summary, {"remember_device": False})
