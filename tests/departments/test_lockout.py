"""Five failures for one user name within 15 minutes lock it for 30 minutes."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import person_unlock, registry_sync
from tests.audit_coverage import audited
from tests.base import make_person
from tests.clock import FrozenClockMixin

PASSWORD = "Quiet-Harbour-2024"
WRONG = "Quiet-Harbour-2023"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
START = datetime(2024, 5, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

WRONG_MESSAGE = (
    "Please enter a correct username and password. Note that both fields may be case-sensitive."
)


def locked_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed log-in attempts with this user name. Try again in {minutes} {unit}."


def alert(response) -> str:
    """The message the login page shows, as a person reads it."""
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return found.group(1).strip() if found else ""


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class LockoutTests(FrozenClockMixin, TestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person(
            "l.wang",
            User.Role.LIAISON,
            Unit.objects.get(code="shichang"),
            password=PASSWORD,
            display_name="王丽",
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def log_in(self, password: str, username: str = "l.wang", **extra: str):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, **extra
        )

    def fail_at(self, *minutes: float, username: str = "l.wang", **extra: str) -> list:
        responses = []
        for minute in minutes:
            self.at(timedelta(minutes=minute))
            responses.append(self.log_in(WRONG, username, **extra))
        return responses

    def assert_logged_in(self, response) -> None:
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.user.pk))

    def assert_locked(self, response, minutes_left: int | None = None) -> None:
        self.assertEqual(response.status_code, 429)
        if minutes_left is None:
            self.assertTrue(alert(response).startswith("Too many failed log-in attempts"))
        else:
            self.assertEqual(alert(response), locked_message(minutes_left))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_password_gets_the_generic_message(self) -> None:
        response = self.log_in(WRONG)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(alert(response), WRONG_MESSAGE)

    def test_five_failures_within_fifteen_minutes_lock_the_account(self) -> None:
        responses = self.fail_at(0, 3, 6, 9, 14.9)
        for response in responses[:4]:
            self.assertEqual(response.status_code, 200)
            self.assertEqual(alert(response), WRONG_MESSAGE)
        self.assert_locked(responses[4], minutes_left=30)
        self.at(timedelta(minutes=15))
        self.assert_locked(self.log_in(PASSWORD))

    def test_four_failures_and_a_fifth_sixteen_minutes_after_the_first_do_not_lock(self) -> None:
        responses = self.fail_at(0, 1, 2, 3, 16)
        self.assertEqual([r.status_code for r in responses], [200] * 5)
        self.assertEqual({alert(r) for r in responses}, {WRONG_MESSAGE})
        self.at(timedelta(minutes=16, seconds=1))
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_a_locked_account_is_released_thirty_minutes_after_the_failure_that_locked_it(
        self,
    ) -> None:
        self.fail_at(0, 1, 2, 3, 4)
        locked_at = timedelta(minutes=4)
        self.at(locked_at + timedelta(minutes=30, seconds=-1))
        self.assert_locked(self.log_in(PASSWORD), minutes_left=1)
        self.at(locked_at + timedelta(minutes=30, seconds=1))
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_attempts_refused_during_the_lock_do_not_extend_it(self) -> None:
        self.fail_at(0, 1, 2, 3, 4)
        for response in self.fail_at(10, 20, 30, 33.9):
            self.assert_locked(response)
        self.at(timedelta(minutes=34, seconds=1))
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_after_the_release_one_failure_does_not_lock_again(self) -> None:
        self.fail_at(0, 1, 2, 3, 4)
        (response,) = self.fail_at(34.1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(alert(response), WRONG_MESSAGE)
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_another_client_address_does_not_unlock_the_account(self) -> None:
        self.fail_at(0, 1, 2, 3, 4, REMOTE_ADDR="10.0.0.1")
        self.at(timedelta(minutes=5))
        self.assert_locked(self.log_in(PASSWORD, REMOTE_ADDR="10.9.9.9"))
        self.assert_locked(
            self.log_in(PASSWORD, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
        )
        self.assert_locked(self.log_in(PASSWORD, HTTP_USER_AGENT="Another browser"))

    def test_failures_from_different_addresses_add_up(self) -> None:
        for minute, address in enumerate(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]):
            self.fail_at(minute, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address)
        (response,) = self.fail_at(5, REMOTE_ADDR="10.0.0.5")
        self.assert_locked(response)

    def test_a_lock_on_one_name_leaves_the_others_alone(self) -> None:
        self.fail_at(0, 1, 2, 3, 4, username="l.someone-else")
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_an_unknown_user_name_gets_the_same_answers_as_a_known_one(self) -> None:
        def answers(username: str) -> list[tuple[int, str]]:
            responses = self.fail_at(0, 1, 2, 3, 4, 5, username=username)
            return [(r.status_code, alert(r)) for r in responses]

        known = answers("l.wang")
        unknown = answers("l.nobody")
        self.assertEqual(known, unknown)
        self.assertEqual(
            known,
            [(200, WRONG_MESSAGE)] * 4 + [(429, locked_message(30)), (429, locked_message(29))],
        )

    def test_the_lockout_answer_is_the_login_page_with_its_form(self) -> None:
        (*_earlier, response) = self.fail_at(0, 1, 2, 3, 4)
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "registration/login.html")
        self.assertContains(response, 'name="username"', status_code=429)
        self.assertContains(response, 'name="password"', status_code=429)
        self.assertContains(response, 'value="l.wang"', status_code=429)

    def test_the_lockout_message_is_chinese_by_default(self) -> None:
        del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]
        (*_earlier, response) = self.fail_at(0, 1, 2, 3, 4)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "用户名", status_code=429)
        self.assertContains(response, "登录", status_code=429)

    def test_an_administrator_can_release_a_lock_from_the_command_line(self) -> None:
        self.fail_at(0, 1, 2, 3, 4)
        call_command("axes_reset_username", "l.wang", verbosity=0)
        self.assert_logged_in(self.log_in(PASSWORD))

    def test_an_administrator_lifts_a_lock_in_the_admin_and_it_is_recorded(self) -> None:
        admin = make_person("l.admin", User.Role.ADMIN, Unit.objects.get(code="zhengfuban"))
        self.fail_at(0, 1, 2, 3, 4)
        self.at(timedelta(minutes=5))
        self.client.force_login(admin)
        with audited(person_unlock, action="person.unlock", by=admin, obj=self.user, count=1):
            response = self.client.post(
                reverse("admin:departments_user_changelist"),
                {"action": "unlock_login", "_selected_action": [self.user.pk]},
            )
        self.assertEqual(response.status_code, 302)
        event = AuditEvent.objects.get(action="person.unlock")
        self.assertEqual((event.username, event.object_id), ("l.admin", str(self.user.pk)))
        # The failures stay in the trail although the counters are cleared.
        self.assertEqual(AuditEvent.objects.filter(action="auth.login_failed").count(), 5)
        self.client.logout()
        self.assert_logged_in(self.log_in(PASSWORD))

    @override_settings(
        LOGIN_FAILURE_LIMIT=3,
        AXES_FAILURE_LIMIT=3,
        LOGIN_FAILURE_WINDOW=timedelta(minutes=5),
        LOGIN_LOCKOUT=timedelta(minutes=10),
    )
    def test_the_numbers_come_from_the_settings(self) -> None:
        # Three within five minutes lock for ten minutes.
        self.assertEqual([r.status_code for r in self.fail_at(0, 2, 5.5, 7.6)], [200] * 4)
        (response,) = self.fail_at(8)
        self.assert_locked(response, minutes_left=10)
        self.at(timedelta(minutes=17, seconds=59))
        self.assert_locked(self.log_in(PASSWORD), minutes_left=1)
        self.at(timedelta(minutes=18, seconds=1))
        self.assert_logged_in(self.log_in(PASSWORD))
