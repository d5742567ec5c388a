"""Passwords are stored with Argon2id; an older hash is replaced at the next good login.

These tests run with the hasher list of config/settings.py as production has it
(no fast test hasher): what they check is that list.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    make_password,
)
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.passwords import ProjectArgon2PasswordHasher
from departments.services import person_password_rehash, registry_sync
from tests.audit_coverage import audited
from tests.base import make_person
from tests.clock import FrozenClockMixin

PASSWORD = "Quiet-Harbour-2024"
WRONG = "Quiet-Harbour-2023"
START = datetime(2024, 5, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# The stored form of a hash from the project's hasher, without its salt and digest.
ARGON2_SCHEME = "argon2$argon2id$v=19$m=19456,t=2,p=1"
ADDRESS = "10.12.0.8"


def pbkdf2_hash(password: str) -> str:
    # PBKDF2-SHA256 as Django stored it before, at few iterations so the test is
    # quick: what upgrades it is the algorithm, whatever its iteration count.
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=1000)


def scheme(encoded: str) -> str:
    return encoded.rsplit("$", 2)[0]


class HasherSettingsTests(TestCase):
    def test_new_passwords_are_stored_with_argon2id_at_owasp_strength_or_more(self) -> None:
        encoded = make_password(PASSWORD)
        self.assertEqual(scheme(encoded), ARGON2_SCHEME)
        self.assertTrue(check_password(PASSWORD, encoded))
        hasher = get_hasher()
        self.assertIsInstance(hasher, ProjectArgon2PasswordHasher)
        # OWASP's weakest Argon2id setting it still recommends: 19 MiB, 2 passes.
        self.assertGreaterEqual(hasher.memory_cost, 19 * 1024)
        self.assertGreaterEqual(hasher.memory_cost * hasher.time_cost, 19 * 1024 * 2)

    def test_old_pbkdf2_hashes_still_verify(self) -> None:
        self.assertIn("django.contrib.auth.hashers.PBKDF2PasswordHasher", settings.PASSWORD_HASHERS)
        self.assertTrue(check_password(PASSWORD, pbkdf2_hash(PASSWORD)))


class PasswordUpgradeTests(FrozenClockMixin, TestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person(
            "l.zhao", User.Role.LIAISON, Unit.objects.get(code="gongxin"), password=PASSWORD
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def store(self, encoded: str) -> None:
        User.objects.filter(pk=self.user.pk).update(password=encoded)
        self.user.refresh_from_db()

    def log_in(self, password: str):
        return self.client.post(
            reverse("login"), {"username": "l.zhao", "password": password}, REMOTE_ADDR=ADDRESS
        )

    def stored(self) -> str:
        self.user.refresh_from_db()
        return self.user.password

    def test_a_pbkdf2_account_logs_in_and_is_stored_with_argon2id(self) -> None:
        old = pbkdf2_hash(PASSWORD)
        self.store(old)
        with audited(
            person_password_rehash,
            action="auth.password_rehashed",
            by=self.user,
            obj=self.user,
            client_ip=ADDRESS,
            summary={"from": scheme(old), "to": ARGON2_SCHEME},
            count=1,
        ):
            response = self.log_in(PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(scheme(self.stored()), ARGON2_SCHEME)
        self.assertTrue(self.user.check_password(PASSWORD))
        # The session made at login still matches the new hash: the person stays in.
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        # And the next login finds nothing to re-hash.
        self.client.post(reverse("logout"))
        self.log_in(PASSWORD)
        self.assertEqual(AuditEvent.objects.filter(action="auth.password_rehashed").count(), 1)

    def test_an_argon2_hash_with_other_parameters_is_rehashed(self) -> None:
        django_default = Argon2PasswordHasher()  # t=2, m=100 MiB, p=8
        old = django_default.encode(PASSWORD, django_default.salt())
        self.store(old)
        response = self.log_in(PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(scheme(self.stored()), ARGON2_SCHEME)

    def test_a_current_hash_is_left_as_it_is(self) -> None:
        before = self.stored()
        self.assertEqual(scheme(before), ARGON2_SCHEME)
        self.log_in(PASSWORD)
        self.assertEqual(self.stored(), before)
        self.assertFalse(AuditEvent.objects.filter(action="auth.password_rehashed").exists())

    def test_a_wrong_password_is_refused_and_upgrades_nothing(self) -> None:
        old = pbkdf2_hash(PASSWORD)
        self.store(old)
        response = self.log_in(WRONG)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a correct username and password.")
        self.assertEqual(self.stored(), old)
        self.assertFalse(AuditEvent.objects.filter(action="auth.password_rehashed").exists())
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_inactive_account_is_refused_and_upgrades_nothing(self) -> None:
        old = pbkdf2_hash(PASSWORD)
        User.objects.filter(pk=self.user.pk).update(password=old, is_active=False)
        response = self.log_in(PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(), old)

    def test_the_lockout_still_refuses_the_right_password_and_upgrades_nothing(self) -> None:
        old = pbkdf2_hash(PASSWORD)
        self.store(old)
        for minute in range(settings.LOGIN_FAILURE_LIMIT):
            self.at(timedelta(minutes=minute))
            self.log_in(WRONG)
        self.at(timedelta(minutes=10))
        response = self.log_in(PASSWORD)
        self.assertEqual(response.status_code, 429)
        alert = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode())
        self.assertTrue(alert and alert.group(1).startswith("Too many failed log-in attempts"))
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.stored(), old)
        # Once the lockout has run out, the right password logs in and upgrades.
        self.at(timedelta(minutes=4 + settings.LOGIN_LOCKOUT.total_seconds() // 60 + 1))
        response = self.log_in(PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(scheme(self.stored()), ARGON2_SCHEME)

    def test_a_second_session_of_the_same_login_takes_the_first_ones_hash(self) -> None:
        # Two sessions verified the old hash at the same moment; the first re-hashes.
        self.store(pbkdf2_hash(PASSWORD))
        first, second = User.objects.get(pk=self.user.pk), User.objects.get(pk=self.user.pk)
        self.assertTrue(person_password_rehash(user=first, password=PASSWORD, client_ip=None))
        self.assertFalse(person_password_rehash(user=second, password=PASSWORD, client_ip=None))
        self.assertEqual(second.password, self.stored())
        self.assertEqual(AuditEvent.objects.filter(action="auth.password_rehashed").count(), 1)
