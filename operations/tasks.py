"""Housekeeping on the Celery beat schedule (config/settings.py)."""

from celery import shared_task

from jobs.services import jobs_tidy


@shared_task(name="jobs.tidy", ignore_result=True)
def tidy_jobs() -> None:
    """Fail the jobs that lost their worker, delete the files of old ones."""
    jobs_tidy()
