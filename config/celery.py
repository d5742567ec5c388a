"""The Celery application: the supervision sweep on a beat schedule and work
sent off the request path (notice delivery). Broker: Redis."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("supervision")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_up_documents(**kwargs: object) -> None:
    # Each worker process loads WeasyPrint and the official faces as it starts, so
    # the first 督办单 or bulletin it renders is as fast as the next.
    from documents.warmup import warm_up_now

    warm_up_now()
