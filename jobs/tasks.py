"""Starting a job: a Celery task in a worker, or, without a broker, in the web
process (settings.JOBS_RUN).

- "celery": the task "jobs.run" is sent once the request's transaction commits;
  a broker that cannot be reached does not fail the request: the job then runs in
  a thread of the web process (logged), as below.
- "thread": a thread of the web process runs it after the transaction commits, so
  the request still returns at once and the page polls as with a worker. The
  development server (`make run`, no broker) works this way.
- "sync": in the request itself, before it answers (the tests; and a command line).
"""

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

from jobs.runner import job_run

logger = logging.getLogger(__name__)

MODES = ("celery", "thread", "sync")


@shared_task(name="jobs.run", autoretry_for=(), ignore_result=True)
def run_job(job_id: int) -> str:
    return job_run(job_id=job_id)


def _in_thread(job_id: int) -> None:
    try:
        job_run(job_id=job_id)
    finally:
        # The thread's own database connections: not left for the server to find.
        connections.close_all()


def _start_thread(job_id: int) -> None:
    threading.Thread(target=_in_thread, args=(job_id,), name=f"job-{job_id}", daemon=True).start()


def _send(job_id: int) -> None:
    try:
        # No connection retries: the request must not wait for a broker that is down.
        run_job.apply_async((job_id,), retry=False)
    except Exception:
        logger.warning("No Celery broker for job %s; running it in this process.", job_id)
        _start_thread(job_id)


def job_start(job_id: int) -> None:
    """Have the job run, the way settings.JOBS_RUN says (call it in the transaction
    that created the job: it waits for the commit, except in "sync")."""
    mode = settings.JOBS_RUN
    if mode == "sync":
        job_run(job_id=job_id)
    elif mode == "thread":
        transaction.on_commit(lambda: _start_thread(job_id))
    else:
        transaction.on_commit(lambda: _send(job_id))
