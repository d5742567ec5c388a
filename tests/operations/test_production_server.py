"""The production shape, run for real: gunicorn with deploy/gunicorn.conf.py and a
Celery worker, both with DJANGO_ENV=production, against PostgreSQL and Redis.

The test waits for /healthz to answer 200, logs in through chromium as the demo's
supervisor and a liaison and opens every page they reach from home (no 5xx, the
assets served by the application itself), sends a task through Redis that the
worker runs against the database, and stops both processes as systemd would
(SIGTERM), checking that they exit cleanly.

Marked `postgres` (skipped on SQLite, required on .ci/run's PostgreSQL leg) and
`production_server`: `pytest -m production_server` runs it alone.
"""

import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser, Response

from audit.models import AuditEvent
from demo.management.commands.load_demo import DEMO_PASSWORD
from departments.models import User
from tests.browser import log_in
from tests.operations.isolated import _server
from tests.test_responsive import pages_to_visit

pytestmark = [
    pytest.mark.production_server,
    pytest.mark.browser,
    pytest.mark.postgres(
        reason="the production server runs on PostgreSQL: a second process cannot see "
        "the test's SQLite database"
    ),
]

BASE_DIR = Path(django_settings.BASE_DIR)
BIN = Path(sys.executable).parent
# Redis for this test's worker (its queue is purged when the worker starts).
BROKER = os.environ.get("PRODUCTION_SERVER_TEST_BROKER", "redis://127.0.0.1:6379/3")
# How long anything may take before the test gives up (seconds).
START_TIMEOUT = 90
STOP_TIMEOUT = 45
# The people of the smoke test, as the demo names them.
PEOPLE = ("supervisor", "gongxin.liaison")


@dataclass
class Server:
    url: str
    env: dict[str, str]
    logs: Path
    anchors: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def json_lines(self, name: str) -> list[dict[str, Any]]:
        lines = []
        for line in self.log(name).splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    server = _server()
    credentials = server["user"] or ""
    if server["password"]:
        credentials += ":" + server["password"]
    name = connection.settings_dict["NAME"]
    return f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"


def start(server: Server, name: str, command: list[str]) -> None:
    """In a process group of its own, so that nothing it starts outlives the test."""
    out = (server.logs / f"{name}.log").open("wb")
    server.processes[name] = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=server.env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()


def stop(server: Server) -> dict[str, int | None]:
    """SIGTERM to the main process, as `systemctl stop` sends it (KillMode=mixed);
    SIGKILL to its whole group after STOP_TIMEOUT, and to whatever is left of it."""
    for process in server.processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes: dict[str, int | None] = {}
    for name, process in server.processes.items():
        try:
            codes[name] = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            codes[name] = None
    for process in server.processes.values():
        try:
            os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, if any
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
    return codes


def probe(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_healthy(server: Server) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT
    last: Any = None
    while time.monotonic() < deadline:
        for name, process in server.processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{server.log(name)[-3000:]}")
        try:
            status, body = probe(server.url)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = error
        else:
            if status == 200:
                return body
            last = (status, body)
        time.sleep(0.5)
    pytest.fail(f"/healthz never answered 200: {last}\n{server.log('gunicorn')[-3000:]}")


@pytest.fixture
def production_server(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    audit_key = secrets.token_hex(32)
    media, static, logs = tmp_path / "media", tmp_path / "static", tmp_path / "logs"
    for directory in (media, static, logs):
        directory.mkdir()
    anchors = tmp_path / "audit-anchors.jsonl"
    # The demo is loaded here, chained with the same audit key the servers use.
    settings.AUDIT_KEY, settings.AUDIT_KEY_ID = audit_key, "production-test"
    settings.AUDIT_ANCHOR_FILE, settings.MEDIA_ROOT = str(anchors), media
    call_command("load_demo", stdout=io.StringIO())
    # Production refuses to start while demo accounts exist (config/wsgi.py); these
    # become ordinary accounts that happen to know the demo's password.
    User.objects.filter(is_demo=True).update(is_demo=False)

    url = f"http://127.0.0.1:{port}"
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name in {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "FONTCONFIG_PATH", "VIRTUAL_ENV"}
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": audit_key,
        "AUDIT_KEY_ID": "production-test",
        "AUDIT_ANCHOR_FILE": str(anchors),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
        "ALLOWED_HOSTS": "127.0.0.1",
        # As behind nginx: the browser's requests say X-Forwarded-Proto https (see
        # the smoke test); its Origin stays http://, which is trusted explicitly.
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "CSRF_TRUSTED_ORIGINS": url,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
    }
    # Collected without the compressed copies production's storage adds: brotli over
    # viewflow's 49 MB of assets takes minutes on a 2-core machine, and WhiteNoise
    # serves the plain files the same way.
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    server = Server(url=url, env=env, logs=logs, anchors=anchors)
    try:
        start(server, "gunicorn", [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"])
        start(
            server,
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--hostname",
                f"production-test-{port}@%h",
                "--without-mingle",
                "--without-gossip",
                "--purge",
            ],
        )
        yield server
    finally:
        stop(server)


def visit_as(browser: Browser, server: Server, username: str) -> list[str]:
    """Log in and open every page reachable from home; the problems, as sentences."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1366, "height": 768},
        # What nginx adds to every request it passes on (deploy/nginx/).
        extra_http_headers={"X-Forwarded-Proto": "https"},
    )
    problems: list[str] = []
    assets: list[int] = []

    def seen(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{username}: {response.status} from {response.url}")
        if "/static/" in response.url:
            assets.append(response.status)

    context.on("response", seen)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, server.url, username, DEMO_PASSWORD)
        pages = pages_to_visit(page, server.url)
        assert {"plan", "task", "rounds", "ledger"} <= set(pages), pages
        for name, path in pages.items():
            response = page.goto(server.url + path)
            assert response is not None, path
            if not response.ok:
                problems.append(f"{username}: {path} ({name}) answered {response.status}")
            elif not response.headers.get("x-request-id"):
                problems.append(f"{username}: {path} answered without X-Request-ID")
        if not assets or any(status not in (200, 304) for status in assets):
            problems.append(f"{username}: the assets answered {assets}")
        return problems
    finally:
        context.close()


def test_gunicorn_and_a_worker_serve_the_demo_in_production_settings(
    production_server: Server, browser: Browser
) -> None:
    server = production_server
    health = wait_healthy(server)
    assert health["failing"] == [], health
    assert health["checks"]["redis"] == {"ok": True}, health

    problems = []
    for username in PEOPLE:
        problems += visit_as(browser, server, username)
    assert problems == [], "\n".join(problems)

    # The worker takes a task from Redis and works on the database: the audit
    # anchor task appends the trail's head to a fresh anchor file.
    server.anchors.rename(server.anchors.with_suffix(".before"))
    head = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    sender = Celery(broker=BROKER)
    try:
        sender.send_task("audit.anchor")
    finally:
        sender.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and not server.anchors.exists():
        time.sleep(0.5)
    assert server.anchors.exists(), server.log("worker")[-3000:]
    anchor = json.loads(server.anchors.read_text().splitlines()[-1])
    assert (anchor["id"], anchor["key"]) == (head, "production-test"), anchor

    codes = stop(server)
    assert codes == {"gunicorn": 0, "worker": 0}, codes

    # gunicorn's access lines: JSON, with the id the application answered with.
    access = [line for line in server.json_lines("gunicorn") if line["logger"] == "gunicorn.access"]
    assert access, server.log("gunicorn")[-3000:]
    assert all(len(line.get("request_id", "")) == 32 for line in access), access[:3]
    assert not [line for line in access if int(line["status"]) >= 500]
    for name in ("gunicorn", "worker"):
        assert "Traceback" not in server.log(name), server.log(name)[-5000:]
    assert any(
        line["message"].startswith("Task audit.anchor") for line in server.json_lines("worker")
    ), server.log("worker")[-3000:]
