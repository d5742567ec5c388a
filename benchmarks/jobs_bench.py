"""Slow work off the request path: the ledger's .xlsx export and 印发通报, inline (the
old path) beside a job run by a real Celery worker; and the first 督办单 of a
process against the second, without and with the warm-up.

    .venv/bin/python benchmarks/jobs_bench.py [--rows 10000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/jobs_bench.py

Works on its own database (`bench_jobs`, created anew; a SQLite file under var/
without DATABASE_URL) seeded by seed_scale as benchmarks/ledger_bench.py does,
starts `celery -A config worker --concurrency 1` on it (broker: JOBS_BENCH_BROKER,
default redis://127.0.0.1:6379/5), and prints JSON: for each path the time the
request took and, for a job, the time until its file (or bulletin) was ready.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "benchmarks"))
import ledger_bench  # noqa: E402

BROKER = os.environ.get("JOBS_BENCH_BROKER", "redis://127.0.0.1:6379/5")

# A fresh interpreter: the first and second 督办单 of a process, optionally after
# the warm-up a worker process does as it starts.
FIRST_SECOND = """
import datetime, json, os, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from documents.supervision import OverdueItem, render_supervision_notice
from documents.warmup import warm_up_now
times = {}
if os.environ["PDF_WARM_UP"] == "1":
    started = time.perf_counter(); warm_up_now(); times["warm_up_s"] = time.perf_counter() - started
for name in ("first_s", "second_s"):
    started = time.perf_counter()
    render_supervision_notice(
        unit="市工业和信息化局", serial=3,
        items=[OverdueItem(4, "支持产业基础质量建设", "2026年第四季度调度报告逾期5天")],
        issued_on=datetime.date(2026, 12, 10), reply_by=datetime.date(2026, 12, 20),
    )
    times[name] = time.perf_counter() - started
print(json.dumps({k: round(v, 3) for k, v in times.items()}))
"""


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def first_and_second_pdf(repeat: int) -> dict[str, Any]:
    """Median over `repeat` fresh processes of each kind."""
    result: dict[str, Any] = {}
    for label, warm in (("without_warm_up", "0"), ("with_warm_up", "1")):
        runs = []
        for _n in range(repeat):
            done = subprocess.run(
                [sys.executable, "-c", FIRST_SECOND],
                cwd=BASE_DIR,
                env={**os.environ, "PDF_WARM_UP": warm},
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        result[label] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return result


def start_worker(media: str) -> subprocess.Popen:
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "MEDIA_ROOT": media, "PDF_WARM_UP": "1"}
    worker = subprocess.Popen(
        [
            *(str(BASE_DIR / ".venv/bin/celery"), "-A", "config", "worker"),
            *("--concurrency", "1", "--loglevel", "WARNING", "--without-gossip"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,  # its banner: this script's stdout is the JSON
    )
    from config.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return worker
    worker.terminate()
    sys.exit("The Celery worker did not answer within 2 minutes.")


def wait_done(job_id: int) -> float:
    from jobs.models import Job

    while True:
        state = Job.objects.filter(pk=job_id).values_list("state", flat=True).get()
        if state == Job.State.DONE:
            return time.perf_counter()
        if state == Job.State.FAILED:
            sys.exit(f"job {job_id} failed: {Job.objects.get(pk=job_id).error}")
        time.sleep(0.05)


def ledger_export(plan: Any, client: Any, repeat: int) -> dict[str, Any]:
    from django.test import override_settings
    from django.urls import reverse

    from jobs.models import Job

    url = reverse("plan_ledger_xlsx", args=[plan.pk])
    inline, request, ready = [], [], []
    for _n in range(repeat):
        with override_settings(LEDGER_EXPORT_INLINE_MAX_ROWS=10**9):
            started = time.perf_counter()
            response = client.get(url)
            size = sum(len(chunk) for chunk in response.streaming_content)
            inline.append(time.perf_counter() - started)
            assert response.status_code == 200 and size, response.status_code
        started = time.perf_counter()
        response = client.get(url)
        request.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
        job = Job.objects.order_by("-pk").first()
        ready.append(wait_done(job.pk) - started)
    return {
        "inline_download_ms": ms(statistics.median(inline)),
        "job_request_ms": ms(statistics.median(request)),
        "job_request_max_ms": ms(max(request)),
        "job_file_ready_ms": ms(statistics.median(ready)),
    }


def bulletin_issue(plan: Any, client: Any, supervisor: Any) -> dict[str, Any]:
    from django.urls import reverse
    from django.utils import timezone

    from bulletins import services
    from jobs.models import Job
    from rounds.models import Round

    rnd = Round.objects.filter(plan=plan).order_by("-opens_on").first()
    inline = services.bulletin_draft(plan=plan, round=rnd, by=supervisor)
    started = time.perf_counter()
    services.bulletin_issue(bulletin=inline, by=supervisor, now=timezone.now(), confirmed=True)
    inline_s = time.perf_counter() - started
    draft = services.bulletin_draft(plan=plan, round=rnd, by=supervisor)
    started = time.perf_counter()
    response = client.post(reverse("bulletin_issue", args=[draft.pk]), {"confirmed": "yes"})
    request_s = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    job = Job.objects.filter(kind="bulletins.issue").order_by("-pk").first()
    ready_s = wait_done(job.pk) - started
    return {
        "tasks": plan.tasks.count(),
        "inline_issue_ms": ms(inline_s),
        "job_request_ms": ms(request_s),
        "job_issued_ms": ms(ready_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="ledger rows exported")
    # The Xingtai plan has 27 tasks (印发通报 took 3.6 s in the browser).
    parser.add_argument("--bulletin-tasks", type=int, default=27, help="tasks of the issued plan")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    report: dict[str, Any] = {"first_and_second_pdf_s": first_and_second_pdf(args.repeat)}
    print(json.dumps(report), file=sys.stderr)

    ledger_bench.BENCH_DB = "bench_jobs"
    os.environ["DATABASE_URL"] = ledger_bench.bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CELERY_BROKER_URL"] = BROKER
    os.environ["JOBS_RUN"] = "celery"
    media = tempfile.mkdtemp(prefix="jobs-bench-media-")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from departments.models import User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    report["database"] = connection.vendor
    seeded = ledger_bench.seed(args.rows)
    call_command(
        "seed_scale",
        tasks=args.bulletin_tasks,
        units=ledger_bench.UNITS,
        rounds=3,
        plan_doc="通报测试〔1〕号",
        stdout=open(os.devnull, "w"),
    )
    from plans.models import Plan

    small = {"plan": Plan.objects.get(doc_number="通报测试〔1〕号")}
    supervisor = User.objects.get(username="scale.supervisor")
    client = Client()
    client.force_login(supervisor)
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    worker = start_worker(media)
    try:
        report["ledger_export"] = {
            "rows": seeded["tasks"] * seeded["rounds"],
            **ledger_export(seeded["plan"], client, args.repeat),
        }
        print(json.dumps(report["ledger_export"]), file=sys.stderr)
        report["bulletin_issue"] = bulletin_issue(small["plan"], client, supervisor)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
