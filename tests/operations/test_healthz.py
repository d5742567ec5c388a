"""/healthz: 200 when this machine can serve, 503 naming the failing check, no
login, and nothing in the body that names a person, a unit, a host or a path."""

import datetime
import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import TestCase, override_settings
from django.utils import timezone

from notices.models import Delivery
from supervision.models import SweepRun
from supervision.sweep import sweep
from tests.notices.base import PeopleMixin

# This engineer's Redis database (tests share one server).
BROKER = "redis://127.0.0.1:6379/3"
# A port nothing listens on.
DEAD_BROKER = "redis://127.0.0.1:9/0"


@override_settings(CELERY_BROKER_URL=BROKER)
class HealthzTests(PeopleMixin, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.make_people()

    def setUp(self) -> None:
        media = tempfile.TemporaryDirectory()
        self.addCleanup(media.cleanup)
        self.media = Path(media.name)
        self.enterContext(override_settings(MEDIA_ROOT=self.media))

    def probe(self, method: str = "get") -> tuple[int, dict]:
        response = getattr(self.client, method)("/healthz")
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("no-cache", response["Cache-Control"])
        return response.status_code, (json.loads(response.content) if method == "get" else {})

    def test_it_answers_200_without_login_when_every_check_passes(self) -> None:
        status, body = self.probe()
        self.assertEqual(status, 200, body)
        self.assertEqual((body["status"], body["failing"]), ("ok", []))
        self.assertEqual(
            list(body["checks"]), ["database", "redis", "media", "fonts", "notices", "sweep"]
        )
        self.assertTrue(all(check["ok"] for check in body["checks"].values()))
        self.assertEqual(body["checks"]["notices"]["late"], 0)
        self.assertIsNone(body["checks"]["sweep"]["last_run_at"])
        # The media probe leaves nothing behind.
        self.assertEqual(list(self.media.iterdir()), [])

    def test_a_load_balancer_may_probe_with_head(self) -> None:
        status, _body = self.probe("head")
        self.assertEqual(status, 200)
        self.assertEqual(self.client.post("/healthz").status_code, 405)

    def test_a_new_installation_without_media_root_yet_is_healthy(self) -> None:
        # make run on a new machine: no upload has made MEDIA_ROOT yet.
        with override_settings(MEDIA_ROOT=self.media / "not-yet"):
            status, body = self.probe()
        self.assertEqual(status, 200, body)
        self.assertEqual(list((self.media / "not-yet").iterdir()), [])

    def test_media_that_takes_no_file_is_503_naming_media(self) -> None:
        # A path under a plain file: no account, root included, can write there.
        blocker = self.media / "not-a-directory"
        blocker.write_text("x")
        with override_settings(MEDIA_ROOT=blocker / "media"):
            status, body = self.probe()
        self.assertEqual(status, 503)
        self.assertEqual((body["status"], body["failing"]), ("fail", ["media"]))
        self.assertEqual(body["checks"]["media"], {"ok": False, "error": "NotADirectoryError"})

    def test_deliveries_waiting_past_the_limit_are_503_naming_notices(self) -> None:
        two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
        self.remind(self.liaison, now=two_hours_ago)
        self.assertTrue(
            Delivery.objects.filter(channel="email", status="pending").exists(),
        )
        status, body = self.probe()
        self.assertEqual(status, 503)
        self.assertEqual(body["failing"], ["notices"])
        self.assertEqual(
            body["checks"]["notices"], {"ok": False, "late": 1, "late_after_minutes": 60}
        )
        # Within the allowance, or not yet late, it passes.
        with override_settings(HEALTH_NOTICE_LATE_MAX=1):
            self.assertEqual(self.probe()[0], 200)
        with override_settings(HEALTH_NOTICE_LATE_MINUTES=180):
            self.assertEqual(self.probe()[0], 200)

    def test_a_broker_that_does_not_answer_is_503_naming_redis_without_its_address(self) -> None:
        with override_settings(CELERY_BROKER_URL=DEAD_BROKER, HEALTH_TIMEOUT_SECONDS=0.2):
            status, body = self.probe()
        self.assertEqual(status, 503)
        self.assertEqual(body["failing"], ["redis"])
        self.assertEqual(body["checks"]["redis"], {"ok": False, "error": "ConnectionError"})

    def test_without_a_broker_the_work_runs_in_process_and_redis_passes(self) -> None:
        with override_settings(CELERY_BROKER_URL=""):
            status, body = self.probe()
        self.assertEqual(status, 200)
        self.assertEqual(
            body["checks"]["redis"], {"ok": True, "detail": "not configured: work runs in-process"}
        )

    def test_it_reports_the_sweeps_last_run_and_fails_when_the_beat_stopped(self) -> None:
        sweep(now=timezone.now() - datetime.timedelta(minutes=10))
        status, body = self.probe()
        self.assertEqual(status, 200, body)
        last = SweepRun.objects.get()
        self.assertEqual(
            body["checks"]["sweep"],
            {
                "ok": True,
                "last_run_at": last.started_at.isoformat(),
                "took_ms": last.took_ms,
                "late_after_minutes": settings.HEALTH_SWEEP_LATE_MINUTES,
            },
        )
        # No run for longer than the limit: the beat or the workers stopped.
        SweepRun.objects.update(
            started_at=timezone.now()
            - datetime.timedelta(minutes=settings.HEALTH_SWEEP_LATE_MINUTES + 1)
        )
        status, body = self.probe()
        self.assertEqual((status, body["failing"]), (503, ["sweep"]))

    def test_the_sweep_keeps_its_runs_for_the_days_set(self) -> None:
        now = timezone.now()
        old = now - datetime.timedelta(days=settings.SWEEP_RUNS_KEEP_DAYS, minutes=1)
        sweep(now=old)
        sweep(now=now)
        self.assertEqual(list(SweepRun.objects.values_list("started_at", flat=True)), [now])

    def test_the_body_names_no_person_unit_host_or_path(self) -> None:
        self.remind(self.liaison, now=timezone.now() - datetime.timedelta(hours=2))
        blocker = self.media / "file"
        blocker.write_text("x")
        with override_settings(CELERY_BROKER_URL=DEAD_BROKER, MEDIA_ROOT=blocker / "media"):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        text = response.content.decode()
        self.assertEqual(json.loads(text)["failing"], ["redis", "media", "notices"])
        database = settings.DATABASES["default"]
        secrets = [
            "127.0.0.1",
            ":9/",
            str(self.media),
            str(database["NAME"]),
            self.liaison.username,
            self.liaison.email,
            self.gongxin.name,
            "Traceback",
        ]
        for secret in secrets:
            self.assertNotIn(secret, text)

    def remind(self, *people, now: datetime.datetime) -> None:
        from notices.services import notify

        notify(
            recipients=people,
            kind="reminder",
            key="report:42:remind:3d",
            title="报告3天后截止",
            url="/reports/42/",
            now=now,
        )
