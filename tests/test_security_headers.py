"""Headers and defaults: a Content-Security-Policy with no inline script, no-store on
data, a cap on files per request, no published key outside DEBUG, and a per-address
login throttle high enough for a whole office behind one NAT address."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from departments.models import User
from tests.base import PASSWORD, PlanTestCase, make_person

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A <script> that is not a src= include or a JSON data block, and on…= handlers.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


class HeaderTests(PlanTestCase):
    def test_pages_carry_a_policy_that_runs_only_the_servers_own_scripts(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        policy = directives(response["Content-Security-Policy"])
        self.assertEqual(policy["script-src"], ["'self'"])
        self.assertEqual(policy["default-src"], ["'self'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        # The login page too, before anyone is signed in.
        self.client.logout()
        self.assertIn("Content-Security-Policy", self.client.get(reverse("login")))

    def test_no_template_has_an_inline_script_or_event_handler(self) -> None:
        found = []
        for path in TEMPLATES.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
                found += [
                    f"{path.relative_to(TEMPLATES)}: {m.group()}" for m in pattern.finditer(text)
                ]
        self.assertEqual(found, [])

    def test_data_pages_and_downloads_are_not_stored_by_the_browser(self) -> None:
        self.client.force_login(self.supervisor)
        for url in (
            reverse("plan_detail", args=[self.plan.pk]),
            reverse("plan_ledger", args=[self.plan.pk]),
            reverse("plan_ledger_xlsx", args=[self.plan.pk]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("no-store", response["Cache-Control"])
                self.assertIn("private", response["Cache-Control"])

    def test_more_files_than_the_cap_in_one_request_are_refused(self) -> None:
        self.client.force_login(self.supervisor)
        files = [
            SimpleUploadedFile(f"f{n}.txt", b"x")
            for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
        ]
        response = self.client.post(reverse("plan_import_upload"), {"file": files})
        self.assertEqual(response.status_code, 400)


class SecretKeyTests(PlanTestCase):
    def settings_in_a_fresh_process(self, **env: str) -> subprocess.CompletedProcess:
        clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
        clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
        script = (
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY);"
            "import config.wsgi; print('served')"
        )
        return subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env=clean,
            capture_output=True,
            text=True,
            check=False,
        )

    def test_without_debug_the_published_key_is_never_used_and_the_server_refuses(
        self,
    ) -> None:
        done = self.settings_in_a_fresh_process()
        self.assertEqual(done.stdout.splitlines()[0], "False")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("SECRET_KEY (or SECRET_KEY_FILE) is not set", done.stderr)

    def test_with_debug_the_development_key_serves(self) -> None:
        done = self.settings_in_a_fresh_process(DEBUG="1")
        self.assertEqual(done.stdout.split(), ["True", "served"], done.stderr)

    def test_with_a_key_the_server_starts_without_debug(self) -> None:
        done = self.settings_in_a_fresh_process(SECRET_KEY="a-real-secret-for-this-test-only")
        self.assertEqual(done.stdout.split(), ["False", "served"], done.stderr)


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=6, LOGIN_FAILURE_LIMIT=5)
class AddressThrottleTests(PlanTestCase):
    def log_in(self, username: str, password: str, address: str):  # type: ignore[no-untyped-def]
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_failures_across_names_from_one_address_stop_that_address_only(self) -> None:
        for n in range(6):
            response = self.log_in(f"nobody{n}", "wrong-password", "10.0.0.7")
            self.assertEqual(response.status_code, 200)
        # The right password of a real account, from that address: refused for now.
        response = self.log_in(self.supervisor.username, PASSWORD, "10.0.0.7")
        self.assertEqual(response.status_code, 429)
        self.assertContains(
            response, "Too many failed log-in attempts from this network address", status_code=429
        )
        # The same person from another address is not affected.
        response = self.log_in(self.supervisor.username, PASSWORD, "10.0.0.8")
        self.assertEqual(response.status_code, 302)

    def test_an_office_mistyping_below_the_limit_is_not_stopped(self) -> None:
        people = [make_person(f"t.office{n}", User.Role.LIAISON, self.gongxin) for n in range(5)]
        for person in people:
            self.log_in(person.username, "typo", "10.0.0.9")
        for person in people:
            self.client.logout()
            response = self.log_in(person.username, PASSWORD, "10.0.0.9")
            self.assertEqual(response.status_code, 302, person.username)
