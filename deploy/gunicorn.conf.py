"""gunicorn's configuration for the application machines:
`.venv/bin/gunicorn -c deploy/gunicorn.conf.py` (deploy/systemd/supervision-web.service).

Every value can be changed from the environment (the EnvironmentFile,
deploy/env.example) without editing this file.
"""

import multiprocessing
import os
from pathlib import Path

_checkout = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# The project's root, whatever directory the service starts in: the WSGI module and
# the log formatter (operations.logs) are imported from there.
chdir = str(_checkout)
wsgi_app = "config.wsgi:application"
proc_name = "supervision-web"

# nginx on the same machine talks to gunicorn over loopback; a separate load
# balancer or nginx host: bind to the machine's private address instead.
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]

# cores + 1 processes of 2 threads: 6 requests at once on 2 cores, 18 on 8. A request
# here is mostly Python (a liaison's page spends some 30 ms of CPU against a few ms
# waiting on PostgreSQL), and a process runs one thread of Python at a time: a
# second thread overlaps one request's waits with another's work, more only make
# them take turns. Measured in the deadline rush (benchmarks/rush_bench.py, 42
# liaisons at once on 2 cores), 4 threads a process cost 27 s of CPU for the load
# where 2 cost 16 s (wall time 18.5 → 10.4 s): switching between threads and
# between processes that outnumber the cores is paid for in CPU. Each process holds
# its own copy of Django, the fonts and the PDF stylesheets (about 150 MB once a PDF
# has been made). WEB_CONCURRENCY (the usual name) or GUNICORN_WORKERS and
# GUNICORN_THREADS override; each thread may hold one PostgreSQL connection, so
# keep workers × threads × machines under the server's max_connections.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = _int("GUNICORN_THREADS", 2)

# The slowest requests measured (README, Benchmarks) take seconds, not minutes: the
# 10,000-row ledger export 6.3 s on the request path, issuing a bulletin 3.6 s. A
# worker silent for GUNICORN_TIMEOUT (120 s) is stuck and restarted; nginx's
# proxy_read_timeout (deploy/nginx/supervision.conf) waits as long. Uploads do not
# count: nginx takes the whole body before it passes the request on.
timeout = _int("GUNICORN_TIMEOUT", 120)
# On stop or reload, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps connections to gunicorn open (upstream keepalive): a little longer
# than nginx waits, so gunicorn is not the one closing under a request.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# Recycle a process after about 1000 requests (±100, so they do not all restart at
# once): whatever a long run accumulates (PDF rendering, openpyxl, fontTools
# caches) is given back.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# preload_app off: config/wsgi.py queries the database when it loads (it refuses
# to serve while demo accounts exist), and a connection opened in the master would
# be shared by every forked worker. Each worker loads the application itself, and
# `systemctl reload` (SIGHUP) then starts workers on the new code.
preload_app = False


def post_worker_init(worker) -> None:
    """Load WeasyPrint and the official faces before the worker takes its first
    request (documents.warmup), so nobody's first 督办单 waits for them; then put
    what the process loaded to start out of the garbage collector's sight."""
    import gc

    from documents.warmup import warm_up_now

    warm_up_now()
    # Django, WeasyPrint and the faces are some 200,000 objects that live as long
    # as the process. Python's full collections, every few hundred requests, scanned
    # them all each time (about 200 ms of one request's CPU on the development
    # machine, and 4-5 % of the whole); frozen, they are never scanned again.
    gc.collect()
    gc.freeze()


# Only nginx on this machine may say the request came over HTTPS (X-Forwarded-Proto);
# Django reads it through SECURE_PROXY_SSL_HEADER. Give nginx's address when it runs
# elsewhere.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicornc's socket: under systemd, in the unit's RuntimeDirectory; unset, none
# (systemd manages the process: reload with SIGHUP, more workers with SIGTTIN).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# Logs to stdout/stderr: journald keeps them (journalctl -u supervision-web).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client (nginx's X-Forwarded-For), the request, status, bytes, milliseconds and
# the request id that the application answered with (nginx's X-Request-ID, or the
# application's own): the same id as the application's log lines of that request.
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms '
    'request_id=%({x-request-id}o)s "%(a)s"'
)

if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    # One JSON object a line for gunicorn's own lines too (operations.logs), with
    # the access line's parts (method, path, status, duration_ms, request_id) as fields.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "operations.logs.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }
