"""Sessions: a new key at login, dead after logout, 30 minutes idle, 12 hours at most."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import TestCase, override_settings
from django.urls import reverse

from departments.models import Unit, User
from departments.services import registry_sync
from tests.base import make_person
from tests.clock import FrozenClockMixin

PASSWORD = "Quiet-Harbour-2024"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
START = datetime(2024, 5, 6, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class SessionTests(FrozenClockMixin, TestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person(
            "s.chen",
            User.Role.SUPERVISOR,
            Unit.objects.get(code="shichang"),
            password=PASSWORD,
            display_name="陈静",
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def log_in(self):
        response = self.client.post(reverse("login"), {"username": "s.chen", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        return response

    def session_key(self) -> str:
        return self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def assert_logged_in(self) -> None:
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def assert_sent_to_login(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_logging_in_gives_a_new_session_key(self) -> None:
        before = self.client.session
        before["visited"] = True
        before.save()
        self.log_in()
        self.assertNotEqual(self.session_key(), before.session_key)
        self.assertFalse(Session.objects.filter(session_key=before.session_key).exists())

    def test_after_logout_the_old_session_cookie_is_useless(self) -> None:
        self.log_in()
        old_key = self.session_key()
        self.assert_logged_in()
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertFalse(Session.objects.filter(session_key=old_key).exists())
        self.client.cookies[settings.SESSION_COOKIE_NAME] = old_key
        self.assert_sent_to_login()

    def test_the_session_cookie_is_http_only_and_same_site(self) -> None:
        response = self.log_in()
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        # Gone when the browser closes, whatever the idle timeout.
        self.assertEqual(cookie["max-age"], "")

    def test_a_session_idle_for_thirty_minutes_and_a_second_ends(self) -> None:
        self.log_in()
        self.at(timedelta(minutes=30, seconds=1))
        self.assert_sent_to_login()

    def test_a_session_idle_for_just_under_thirty_minutes_goes_on(self) -> None:
        self.log_in()
        self.at(timedelta(minutes=29, seconds=59))
        self.assert_logged_in()

    def test_activity_keeps_the_session_beyond_thirty_minutes_from_login(self) -> None:
        self.log_in()
        for minutes in (20, 45, 70, 99):
            self.at(timedelta(minutes=minutes))
            self.assert_logged_in()
        self.at(timedelta(minutes=99 + 30, seconds=1))
        self.assert_sent_to_login()

    def keep_busy_until(self, hours: int) -> None:
        for minutes in range(20, hours * 60, 20):
            self.at(timedelta(minutes=minutes))
            self.assert_logged_in()

    def test_a_session_ends_twelve_hours_after_login_even_with_activity(self) -> None:
        self.log_in()
        self.keep_busy_until(12)
        self.at(timedelta(hours=12, seconds=-1))
        self.assert_logged_in()
        self.at(timedelta(hours=12, seconds=1))
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("login") + "?next=/", fetch_redirect_response=False)
        self.assert_sent_to_login()

    def test_the_login_page_says_why_the_session_ended(self) -> None:
        self.log_in()
        self.keep_busy_until(12)
        self.at(timedelta(hours=12, minutes=1))
        response = self.client.get(reverse("home"), follow=True)
        self.assertContains(
            response,
            "Your session has ended: a session lasts at most 12 hours. Please log in again.",
        )

    def test_a_new_login_starts_a_new_twelve_hours(self) -> None:
        self.log_in()
        self.keep_busy_until(11)
        self.at(timedelta(hours=11))
        self.client.post(reverse("logout"))
        self.log_in()
        for minutes in (25, 50, 70):
            self.at(timedelta(hours=11, minutes=minutes))
            self.assert_logged_in()

    @override_settings(SESSION_ABSOLUTE_HOURS=2)
    def test_the_absolute_limit_comes_from_the_settings(self) -> None:
        self.log_in()
        self.keep_busy_until(2)
        self.at(timedelta(hours=2, seconds=1))
        response = self.client.get(reverse("home"), follow=True)
        self.assertContains(
            response,
            "Your session has ended: a session lasts at most 2 hours. Please log in again.",
        )
