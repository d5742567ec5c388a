"""Every login, logout, failure, lockout and session end leaves an audit row."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import TestCase, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import registry_sync
from departments.signals import record_lockout, record_login, record_login_failed, record_logout
from tests.audit_coverage import audited
from tests.base import make_person
from tests.clock import FrozenClockMixin

PASSWORD = "Quiet-Harbour-2024"
WRONG = "Secret-Guess-7731"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
START = datetime(2024, 5, 6, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ADDRESS = "10.12.0.8"


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class LoginAuditTests(FrozenClockMixin, TestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person(
            "l.zhou",
            User.Role.LIAISON,
            Unit.objects.get(code="gongxin"),
            password=PASSWORD,
            display_name="周敏",
        )

    def log_in(self, password: str, username: str = "l.zhou"):
        return self.client.post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR=ADDRESS,
        )

    def rows(self, action: str) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(action=action).order_by("id"))

    def assert_row(
        self, event: AuditEvent, *, outcome: str, username: str, user: User | None
    ) -> None:
        self.assertEqual(event.outcome, outcome)
        self.assertEqual(event.username, username)
        self.assertEqual(event.user, user)
        self.assertEqual(event.client_ip, ADDRESS)

    def assert_no_password_in_the_trail(self) -> None:
        for event in AuditEvent.objects.all():
            text = " ".join(
                str(value)
                for value in (event.username, event.object_repr, event.summary, event.action)
            )
            self.assertNotIn(WRONG, text)
            self.assertNotIn(PASSWORD, text)

    def test_a_login_writes_a_row_with_the_person_their_unit_and_address(self) -> None:
        with audited(record_login, action="auth.login", by=self.user, client_ip=ADDRESS, count=1):
            self.log_in(PASSWORD)
        (event,) = self.rows("auth.login")
        self.assert_row(event, outcome=AuditEvent.Outcome.OK, username="l.zhou", user=self.user)
        self.assertEqual(event.unit_name, "市工业和信息化局")
        self.assertEqual(event.role, User.Role.LIAISON)

    def test_a_logout_writes_a_row(self) -> None:
        self.log_in(PASSWORD)
        with audited(record_logout, action="auth.logout", by=self.user, client_ip=ADDRESS, count=1):
            self.client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
        (event,) = self.rows("auth.logout")
        self.assert_row(event, outcome=AuditEvent.Outcome.OK, username="l.zhou", user=self.user)

    def test_a_wrong_password_writes_a_failed_row_without_the_password(self) -> None:
        with audited(
            record_login_failed,
            action="auth.login_failed",
            by=None,
            username="l.zhou",
            outcome=AuditEvent.Outcome.FAILED,
            summary={"reason": "credentials"},
            count=1,
        ):
            self.log_in(WRONG)
        (event,) = self.rows("auth.login_failed")
        self.assert_row(event, outcome=AuditEvent.Outcome.FAILED, username="l.zhou", user=None)
        self.assertEqual(event.summary, {"reason": "credentials"})
        self.assertFalse(self.rows("auth.login"))
        self.assert_no_password_in_the_trail()

    def test_an_unknown_user_name_writes_a_failed_row_with_the_name_typed(self) -> None:
        self.log_in(WRONG, username="l.nobody")
        (event,) = self.rows("auth.login_failed")
        self.assert_row(event, outcome=AuditEvent.Outcome.FAILED, username="l.nobody", user=None)

    def test_a_very_long_user_name_is_cut_to_fit_the_trail(self) -> None:
        self.log_in(WRONG, username="x" * 149)
        self.log_in(WRONG, username="y" * 300)
        events = self.rows("auth.login_failed")
        self.assertEqual([len(e.username) for e in events], [149, 150])

    def test_the_failure_that_locks_writes_a_failed_row_and_a_lockout_row(self) -> None:
        for minute in range(4):
            self.at(timedelta(minutes=minute))
            self.log_in(WRONG)
        self.at(timedelta(minutes=4))
        with audited(
            record_lockout,
            action="auth.lockout",
            by=None,
            username="l.zhou",
            outcome=AuditEvent.Outcome.DENIED,
            summary={"failures": 5},
            count=1,
        ):
            self.log_in(WRONG)
        failures = self.rows("auth.login_failed")
        self.assertEqual(len(failures), 5)
        self.assertEqual({e.summary["reason"] for e in failures}, {"credentials"})
        (lockout,) = self.rows("auth.lockout")
        self.assert_row(lockout, outcome=AuditEvent.Outcome.DENIED, username="l.zhou", user=None)
        self.assertEqual(lockout.summary["failures"], 5)
        self.assertEqual(
            datetime.fromisoformat(lockout.summary["locked_until"]),
            START + timedelta(minutes=34),
        )
        self.assert_no_password_in_the_trail()

    def test_an_attempt_refused_during_the_lock_writes_a_failed_row_saying_so(self) -> None:
        for minute in range(5):
            self.at(timedelta(minutes=minute))
            self.log_in(WRONG)
        self.at(timedelta(minutes=10))
        self.log_in(PASSWORD)
        refused = self.rows("auth.login_failed")[-1]
        self.assert_row(refused, outcome=AuditEvent.Outcome.FAILED, username="l.zhou", user=None)
        self.assertEqual(refused.summary, {"reason": "locked"})
        self.assertEqual(len(self.rows("auth.lockout")), 1)
        self.assertFalse(self.rows("auth.login"))

    def test_the_end_of_a_session_at_its_absolute_limit_writes_a_row(self) -> None:
        self.log_in(PASSWORD)
        for minutes in range(20, 12 * 60, 20):
            self.at(timedelta(minutes=minutes))
            self.client.get(reverse("home"), REMOTE_ADDR=ADDRESS)
        self.at(timedelta(hours=12, seconds=1))
        self.client.get(reverse("home"), REMOTE_ADDR=ADDRESS)
        (event,) = self.rows("auth.session_expired")
        self.assert_row(event, outcome=AuditEvent.Outcome.OK, username="l.zhou", user=self.user)
        self.assertFalse(self.rows("auth.logout"))

    def test_the_rows_keep_the_hash_chain_intact(self) -> None:
        from audit.services import row_digest

        self.log_in(WRONG)
        self.log_in(PASSWORD)
        self.client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
        events = list(AuditEvent.objects.order_by("id"))
        for before, event in itertools.pairwise(events):
            self.assertEqual(event.prev_hash, before.hash)
            self.assertEqual(event.hash, row_digest(event))
