"""Structured logs: every response carries a request id (the proxy's, or a new one),
and LOG_FORMAT=json writes one JSON object a line holding it."""

import io
import json
import logging
import re
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase, TestCase
from gunicorn.glogging import SafeAtoms

from operations.logs import JsonFormatter

NEW_ID = re.compile(r"^[0-9a-f]{32}$")


class RequestIdTests(TestCase):
    def test_a_request_without_an_id_gets_a_new_one_in_the_response(self) -> None:
        first = self.client.get("/login/")["X-Request-ID"]
        second = self.client.get("/login/")["X-Request-ID"]
        self.assertRegex(first, NEW_ID)
        self.assertRegex(second, NEW_ID)
        self.assertNotEqual(first, second)

    def test_the_proxys_id_is_kept(self) -> None:
        response = self.client.get("/login/", headers={"X-Request-ID": "5f0c8e1b2d4a"})
        self.assertEqual(response["X-Request-ID"], "5f0c8e1b2d4a")

    def test_an_id_that_could_forge_a_log_line_is_replaced(self) -> None:
        for forged in ['x" level="ERROR', "a" * 65, "line\nbreak", ""]:
            with self.subTest(forged=forged):
                response = self.client.get("/login/", headers={"X-Request-ID": forged})
                self.assertRegex(response["X-Request-ID"], NEW_ID)

    def test_even_a_redirect_to_https_names_its_request(self) -> None:
        with self.settings(SECURE_SSL_REDIRECT=True):
            response = self.client.get("/login/", headers={"X-Request-ID": "abc-1"})
            health = self.client.get("/healthz")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["X-Request-ID"], "abc-1")
        # The health endpoint is exempt from the redirect: a balancer probes over HTTP.
        self.assertNotEqual(health.status_code, 301)

    def test_a_line_logged_while_serving_carries_the_requests_id(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        logger = logging.getLogger("django.request")
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)
        self.client.get("/no-such-page/", headers={"X-Request-ID": "req-42"})
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        self.assertEqual(len(lines), 1, lines)
        line = lines[0]
        self.assertEqual(
            (line["level"], line["logger"], line["message"], line["request_id"]),
            ("WARNING", "django.request", "Not Found: /no-such-page/", "req-42"),
        )
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


class JsonFormatterTests(SimpleTestCase):
    def record(self, name: str, message: str, args: object = None, **extra) -> dict:
        record = logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None)
        record.__dict__.update(extra)
        return json.loads(JsonFormatter().format(record))

    def test_outside_a_request_there_is_no_id_and_chinese_stays_readable(self) -> None:
        line = self.record("supervision", "督办单 %s 已发出", ("督办〔2026〕3号",))
        self.assertEqual(line["message"], "督办单 督办〔2026〕3号 已发出")
        self.assertNotIn("request_id", line)

    def test_a_traceback_goes_in_one_field_of_the_same_line(self) -> None:
        try:
            raise ValueError("broken")
        except ValueError:
            record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
            record.exc_info = sys.exc_info()
        text = JsonFormatter().format(record)
        self.assertEqual(len(text.splitlines()), 1)
        line = json.loads(text)
        self.assertIn("ValueError: broken", line["exception"])

    def test_gunicorns_access_line_has_fields_and_the_responses_request_id(self) -> None:
        # As gunicorn.glogging.Logger.access passes them: the format and its atoms.
        atoms = SafeAtoms(
            {
                "h": "10.0.0.5",
                "m": "GET",
                "U": "/plans/1/",
                "s": "200",
                "B": 5120,
                "M": 48,
                "{x-request-id}o": "abc123",
            }
        )
        line = self.record("gunicorn.access", '%(h)s "%(m)s %(U)s" %(s)s', atoms)
        self.assertEqual(line["message"], '10.0.0.5 "GET /plans/1/" 200')
        self.assertEqual(
            {key: line[key] for key in ("remote", "method", "path", "status", "bytes")},
            {
                "remote": "10.0.0.5",
                "method": "GET",
                "path": "/plans/1/",
                "status": "200",
                "bytes": 5120,
            },
        )
        self.assertEqual((line["duration_ms"], line["request_id"]), (48, "abc123"))


class LogFormatSettingTests(SimpleTestCase):
    def run_python(self, code: str, log_format: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={
                "PATH": "/usr/bin:/bin",
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "LOG_FORMAT": log_format,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    def test_json_makes_every_line_one_json_object(self) -> None:
        code = (
            "import django, logging; django.setup(); "
            "logging.getLogger('supervision').warning('sweep took %s s', 12)"
        )
        done = self.run_python(code, "json")
        self.assertEqual(done.returncode, 0, done.stderr)
        line = json.loads(done.stderr.strip())
        self.assertEqual(
            (line["level"], line["logger"], line["message"]),
            ("WARNING", "supervision", "sweep took 12 s"),
        )
        self.assertEqual(self.run_python(code, "text").stderr.strip(), "sweep took 12 s")

    def test_an_unknown_format_stops_the_process(self) -> None:
        done = self.run_python("import django; django.setup()", "xml")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("LOG_FORMAT must be text or json.", done.stderr)
