"""The PDF renderer warms up once per process: in a Celery worker process as it
starts, in a web process from its first request, in a thread of its own."""

import os
import subprocess
import sys
import threading

from celery.signals import worker_process_init
from django.conf import settings
from django.core.signals import request_started
from django.test import SimpleTestCase, override_settings

from config import celery
from documents import warmup

# A fresh interpreter: the warm-up thread loads the faces, then the 督办单 renders.
SCRIPT = """
import datetime, os, threading, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from documents import warmup
from documents.supervision import OverdueItem, render_supervision_notice
from django.core.signals import request_started
request_started.send(sender=None)
next(t for t in threading.enumerate() if t.name == "pdf-warm-up").join()
pdf = render_supervision_notice(
    unit="市工业和信息化局", serial=3, items=[OverdueItem(4, "任务", "逾期5天")],
    issued_on=datetime.date(2026, 12, 10), reply_by=datetime.date(2026, 12, 20),
)
print(warmup._warmed_pid == os.getpid(), pdf[:5].decode())
"""


class WarmUpTests(SimpleTestCase):
    def setUp(self) -> None:
        self.addCleanup(setattr, warmup, "_warmed_pid", warmup._warmed_pid)
        warmup._warmed_pid = None

    def test_it_is_connected_to_the_worker_start_and_to_requests(self) -> None:
        self.assertIn(celery._warm_up_documents, worker_process_init._live_receivers(None))
        self.assertIn(
            warmup.warm_up_in_background, [entry[1]() for entry in request_started.receivers]
        )

    @override_settings(PDF_WARM_UP=True)
    def test_it_renders_once_per_process(self) -> None:
        self.assertTrue(warmup.warm_up_now())
        self.assertFalse(warmup.warm_up_now())
        warmup.warm_up_in_background()
        self.assertNotIn("pdf-warm-up", [t.name for t in threading.enumerate()])

    def test_the_setting_turns_it_off(self) -> None:
        self.assertFalse(settings.PDF_WARM_UP)  # tests/conftest.py
        self.assertFalse(warmup.warm_up_now())
        self.assertIsNone(warmup._warmed_pid)

    def test_a_web_process_warms_up_in_a_thread_from_its_first_request(self) -> None:
        env = {**os.environ, "PDF_WARM_UP": "1"}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.split(), ["True", "%PDF-"])
