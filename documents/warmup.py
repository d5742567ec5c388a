"""Loading WeasyPrint, fontconfig and the official faces once per process, before
the first document is asked for: that load cost the first 督办单 of a process about
a second more than the second (several seconds on a busy machine), and it is paid
once per process whichever thread pays it.

- A Celery worker process warms up as it starts (config.celery connects
  `warm_up_now` to worker_process_init).
- A web process (gunicorn, the development server) starts a background thread at
  its first request (`request_started`), so that request does not wait either.

settings.PDF_WARM_UP turns both off (the tests, which render few PDFs).
"""

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings

from documents import supervision
from documents.pdf import render_official_pdf, warm_up

logger = logging.getLogger("documents")

_lock = threading.Lock()
# The process that started its warm-up: a forked child starts its own.
_warmed_pid: int | None = None


def warm_up_now(**_signal: Any) -> bool:
    """Warm up in this thread unless this process already has; True when it did."""
    global _warmed_pid
    if not settings.PDF_WARM_UP:
        return False
    with _lock:
        if _warmed_pid == os.getpid():
            return False
        _warmed_pid = os.getpid()
    started = time.perf_counter()
    try:
        warm_up()
        # And the 督办单's own template, which the template loader then keeps compiled.
        render_official_pdf(
            template_name=supervision.TEMPLATE_NAME,
            context=supervision.sample_supervision_notice_context(),
        )
    except Exception:
        # A missing face or library: the documents still render (slower, or the
        # system check says why); never fail a worker's start for it.
        logger.warning("Warming up the PDF renderer failed", exc_info=True)
        return False
    logger.info("PDF renderer warmed up in %.2f s", time.perf_counter() - started)
    return True


def warm_up_in_background(**_signal: Any) -> None:
    """request_started: the first request of a process starts the warm-up thread."""
    if _warmed_pid == os.getpid() or not settings.PDF_WARM_UP:
        return
    threading.Thread(target=warm_up_now, name="pdf-warm-up", daemon=True).start()
