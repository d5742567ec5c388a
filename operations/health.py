"""/healthz: whether this application machine can serve, for the load balancer.

Checks, each cheap (a few milliseconds together): the database answers a trivial
query; the Celery broker (Redis) answers a ping within HEALTH_TIMEOUT_SECONDS
(no broker configured is fine: the work then runs in-process); MEDIA_ROOT takes
a file; fontconfig finds a Chinese font for the official documents; no e-mail
or robot delivery has waited longer than HEALTH_NOTICE_LATE_MINUTES; and the
supervision sweep ran within HEALTH_SWEEP_LATE_MINUTES.

200 with a JSON body when every check passes, 503 naming the failing ones
otherwise. No login: the body holds states and counts, never a record, a name
or an error message that could carry a host or a password. Nothing is audited
per probe (a probe every few seconds would drown the trail). The body is for
machines and the operators reading them: its words are not translated.
"""

import datetime
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from documents.checks import cjk_font_families, missing_official_faces
from notices.models import Delivery
from supervision.models import SweepRun

Check = dict[str, Any]


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def broker_url() -> str:
    """The broker the Celery worker reads, or "" when the work runs in-process
    (no broker configured, or tasks run eagerly)."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return ""
    return (getattr(settings, "CELERY_BROKER_URL", "") or "").strip()


def check_redis() -> Check:
    url = broker_url()
    if not url:
        return {"ok": True, "detail": "not configured: work runs in-process"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {"ok": True, "detail": "not a Redis broker: not checked"}
    import redis

    timeout = float(getattr(settings, "HEALTH_TIMEOUT_SECONDS", 0.5))
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_media() -> Check:
    # The storage makes MEDIA_ROOT at its first upload; a new installation that has
    # none yet is healthy, so make it as the storage would (or fail as it would).
    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    # Created and deleted at once (delete=True): nothing is left behind.
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".healthz-") as probe:
        probe.write(b"ok")
        probe.flush()
    return {"ok": True}


def check_fonts() -> Check:
    # documents.checks caches both lookups per process: only the first probe pays.
    if not cjk_font_families():
        return {"ok": False, "detail": "no Chinese font: see manage.py check (documents.W002)"}
    return {"ok": True, "missing_official_faces": list(missing_official_faces())}


def check_notices() -> Check:
    minutes = int(getattr(settings, "HEALTH_NOTICE_LATE_MINUTES", 60))
    allowed = int(getattr(settings, "HEALTH_NOTICE_LATE_MAX", 0))
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    # The partial index notices_delivery_due (pending, by next_attempt_at) serves this.
    late = Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        channel__in=[Delivery.Channel.EMAIL, Delivery.Channel.WEBHOOK],
        next_attempt_at__lte=cutoff,
    ).count()
    return {"ok": late <= allowed, "late": late, "late_after_minutes": minutes}


def check_sweep() -> Check:
    """When the sweep last ran (supervision.SweepRun, by its index: no scan) and how
    long it took. Fails when the last run is older than HEALTH_SWEEP_LATE_MINUTES:
    the beat or the workers stopped, so no reminder, 督办单 or light moves. A new
    installation that has not swept yet passes (`last_run_at` null)."""
    last = SweepRun.objects.order_by("-started_at").values("started_at", "took_ms").first()
    if last is None:
        return {"ok": True, "last_run_at": None}
    minutes = settings.HEALTH_SWEEP_LATE_MINUTES
    age = timezone.now() - last["started_at"]
    return {
        "ok": age <= datetime.timedelta(minutes=minutes),
        "last_run_at": last["started_at"].isoformat(),
        "took_ms": last["took_ms"],
        "late_after_minutes": minutes,
    }


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "redis": check_redis,
    "media": check_media,
    "fonts": check_fonts,
    "notices": check_notices,
    "sweep": check_sweep,
}


def run_checks() -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a probe reports, never raises
            # The class only: a message may name a host, a path or a password.
            results[name] = {"ok": False, "error": type(exc).__name__}
    failing = [name for name, result in results.items() if not result["ok"]]
    return {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": results,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    body = run_checks()
    return JsonResponse(
        body, status=503 if body["failing"] else 200, json_dumps_params={"ensure_ascii": False}
    )
