"""The sweep as a Celery beat task, for deployments on several machines."""

from celery import shared_task

from supervision.sweep import sweep


@shared_task(name="supervision.sweep", ignore_result=True)
def sweep_task() -> dict[str, int]:
    return sweep()
