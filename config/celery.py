"""The Celery application: the supervision sweep on a beat schedule and work
sent off the request path (notice delivery). Broker: Redis."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("supervision")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_up_documents(**kwargs: object) -> None:
    # Each worker process loads WeasyPrint and the official faces as it starts, so
    # the first 督办单 or bulletin it renders is as fast as the next. Imported here:
    # this module is loaded before Django is set up.
    import gc

    from documents.warmup import warm_up_now

    warm_up_now()
    # What the process loaded to start lives as long as it: out of the collector's
    # sight, as in the web processes (deploy/gunicorn.conf.py).
    gc.collect()
    gc.freeze()


@worker_init.connect
def _warm_up_single_process_worker(sender: object = None, **kwargs: object) -> None:
    # The solo and threads pools run tasks in the worker's own process, which sends
    # no worker_process_init; the prefork pool's children warm up themselves (above),
    # and its parent, which renders nothing, does not.
    if "prefork" not in str(getattr(sender, "pool_cls", "")):
        _warm_up_documents()
