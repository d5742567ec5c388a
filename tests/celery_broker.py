"""Pointing the project's Celery app at a test's broker.

Setting ``app.conf.broker_url`` alone is not enough once anything was sent: the
app keeps its connection pool and its producers' pool, made for the URL of that
time, and a later test's ``delay()`` would still go there (a test of a broker
that cannot be reached left the next test sending to port 1). Both pools are
dropped with the URL, as Celery drops them after a fork.
"""

from config.celery import app


def use_broker(url: str) -> None:
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
