"""Measure the ledger page, the round page and the ledger export at scale.

    .venv/bin/python benchmarks/ledger_bench.py [--sizes 1000 100000] [--export 10000]

Works on its own database, never the application's: with a PostgreSQL
DATABASE_URL it (re)creates the database `bench_ledger` on that server; with
SQLite (the default) the file var/bench_ledger.sqlite3. For each size it seeds
a plan of that many ledger rows (manage.py seed_scale: tasks x monthly rounds,
45 units), then requests the pages through Django's test client as a
supervisor and as a liaison, and prints JSON: the median time of several
requests and the number of queries of each. Not a test: numbers depend on the
machine; the query counts must not depend on the size.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_ledger"
UNITS = 45


def bench_database_url() -> str:
    """The URL of the benchmark's own database, created empty."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        bench = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
        admin = urlunsplit(parts._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            connection.execute(f"CREATE DATABASE {BENCH_DB}")
        return bench
    if url and not url.startswith("sqlite"):
        sys.exit(f"Unsupported DATABASE_URL for the benchmark: {url.split(':')[0]}")
    path = BASE_DIR / "var" / f"{BENCH_DB}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def shape(rows: int) -> tuple[int, int]:
    """(tasks, rounds) for a ledger of `rows` rows: more tasks and more rounds as it grows."""
    rounds = 20 if rows <= 2_000 else 50 if rows <= 20_000 else 100
    return max(1, rows // rounds), rounds


def timed(client: Any, url: str, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: caches, the database's own buffers
    times = []
    for _n in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            size = len(response.content)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "queries": len(queries),
        "bytes": size,
    }


def seed(rows: int) -> dict[str, Any]:
    from django.core.management import call_command

    from plans.models import Plan

    tasks, rounds = shape(rows)
    doc = f"规模测试〔{rows}〕号"
    started = time.perf_counter()
    call_command(
        "seed_scale",
        tasks=tasks,
        units=UNITS,
        rounds=rounds,
        plan_doc=doc,
        stdout=open(os.devnull, "w"),
    )
    plan = Plan.objects.get(doc_number=doc)
    return {
        "plan": plan,
        "tasks": tasks,
        "rounds": rounds,
        "seed_seconds": round(time.perf_counter() - started, 1),
    }


def measure(rows: int, seeded: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from departments.models import User
    from ledger.rows import PAGE_SIZE
    from rounds.models import Entry, Round

    plan = seeded["plan"]
    supervisor = User.objects.get(username="scale.supervisor")
    # The liaison of the unit that leads the most tasks of the plan.
    busiest = (
        plan.tasks.values("lead_unit").annotate(n=Count("id")).order_by("-n").first()["lead_unit"]
    )
    liaison = User.objects.get(unit_id=busiest, role=User.Role.LIAISON)
    newest = Round.objects.filter(plan=plan).order_by("-opens_on").first()
    ledger = reverse("plan_ledger", args=[plan.pk])
    count = Entry.objects.filter(report__round__plan=plan, is_lead=True).count()
    last_page = -(-count // PAGE_SIZE)
    client = Client()
    client.force_login(supervisor)
    result: dict[str, Any] = {
        "ledger_rows": count,
        "tasks": seeded["tasks"],
        "rounds": seeded["rounds"],
        "units": UNITS,
        "seed_seconds": seeded["seed_seconds"],
        "ledger_page": timed(client, ledger, repeat),
        "ledger_last_page": timed(client, f"{ledger}?page={last_page}", repeat),
        "ledger_one_round": timed(client, f"{ledger}?round={newest.pk}", repeat),
        "ledger_behind_schedule": timed(client, f"{ledger}?status=behind", repeat),
        "round_page": timed(client, reverse("round_detail", args=[newest.pk]), repeat),
    }
    client.force_login(liaison)
    result["liaison_ledger_page"] = timed(client, ledger, repeat)
    return result


def export(seeded: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.test import Client, override_settings
    from django.urls import reverse

    from departments.models import User

    client = Client()
    client.force_login(User.objects.get(username="scale.supervisor"))
    url = reverse("plan_ledger_xlsx", args=[seeded["plan"].pk])
    # The file made in the request, as before background jobs (jobs_bench.py times
    # the job path beside it).
    with override_settings(LEDGER_EXPORT_INLINE_MAX_ROWS=10**9):
        figures = timed(client, url, repeat)
    return {"ledger_rows": seeded["tasks"] * seeded["rounds"], **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--export", type=int, default=10_000, help="rows of the timed export")
    parser.add_argument("--repeat", type=int, default=7, help="requests per measure")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; mail stays in memory
    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "sizes": {},
    }
    seeded_by_size = {}
    for rows in args.sizes:
        seeded_by_size[rows] = seeded = seed(rows)
        report["sizes"][str(rows)] = measure(rows, seeded, args.repeat)
        print(json.dumps({str(rows): report["sizes"][str(rows)]}), file=sys.stderr)
    if args.export:
        seeded = seeded_by_size.get(args.export) or seed(args.export)
        report["export_xlsx"] = export(seeded, max(1, args.repeat // 2))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
