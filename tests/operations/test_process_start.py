"""What a web or worker process does once it has started: the objects it loaded
to start are frozen, out of the garbage collector's full scans."""

import gc
import runpy
from collections.abc import Callable
from pathlib import Path

from django.test import SimpleTestCase

import config.celery

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


class StartedProcessTests(SimpleTestCase):
    def setUp(self) -> None:
        gc.unfreeze()
        self.addCleanup(gc.unfreeze)

    def assert_freezes(self, hook: Callable[[], None]) -> None:
        self.assertEqual(gc.get_freeze_count(), 0)
        hook()
        # Everything alive at that point: thousands of objects in a Django process.
        self.assertGreater(gc.get_freeze_count(), 10_000)

    def test_a_gunicorn_worker_freezes_what_it_loaded(self) -> None:
        post_worker_init = runpy.run_path(str(CONFIG))["post_worker_init"]
        self.assert_freezes(lambda: post_worker_init(None))

    def test_a_celery_worker_process_freezes_what_it_loaded(self) -> None:
        self.assert_freezes(config.celery._warm_up_documents)
