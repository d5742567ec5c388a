"""Measure the supervision sweep at scale.

    .venv/bin/python benchmarks/sweep_bench.py [--sizes 1000 100000]

Works on its own database like ledger_bench.py (var/bench_sweep.sqlite3, or
the PostgreSQL database `bench_sweep` when DATABASE_URL names a PostgreSQL
server). For each size it makes that many open items past their deadline (the
agreed items of a dispatch meeting, spread over 45 units with a liaison and
a leader each), then times two sweeps: the first climbs a rung for every item
(a 催办 to each unit's people), the second finds nothing new to do (the
steady state of a sweep every few minutes). Prints JSON with the time and the
number of queries of each; the query counts must not grow with the items.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

UNITS = 45


def seed(items: int) -> None:
    from departments.models import Unit, User
    from departments.services import person_upsert, registry_sync
    from meetings.models import Decision, Meeting
    from plans.importer.service import plan_import

    registry_sync(by=None)
    plan_path = BASE_DIR / "data" / "plans" / "xingtai-quality-2023-2027.txt"
    plan = plan_import(data=plan_path.read_bytes(), source_name=plan_path.name, by=None).plan
    units = list(Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("sort_order")[:UNITS])
    for unit in units:
        for role in (User.Role.LIAISON, User.Role.LEADER):
            person_upsert(
                username=f"bench.{unit.code}.{role}",
                role=role,
                unit=unit,
                display_name=unit.name,
                password_hash="!",
                by=None,
            )
    # A meeting numbers its agreed items from 1 (a small integer): a thousand each.
    creator = User.objects.filter(username__startswith="bench.").first()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            plan=plan,
            held_on=datetime.date(2026, 1, 5),
            place="会议室",
            chair="副市长",
            attendees="",
            summary="",
            created_by=creator,
        )
        for _n in range(-(-items // 1000))
    )
    Decision.objects.bulk_create(
        (
            Decision(
                meeting=meetings[n // 1000],
                number=n % 1000 + 1,
                text=f"议定事项{n + 1}",
                owner_unit=units[n % len(units)],
                due_on=datetime.date(2026, 2, 1),
            )
            for n in range(items)
        ),
        batch_size=5000,
    )


def timed_sweep(now: datetime.datetime) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision.sweep import sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = sweep(now=now)
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "queries": len(queries), "did": counts}


def one_size(size: int) -> dict[str, Any]:
    """Seed and measure one size in this process (a fresh database)."""
    import ledger_bench

    ledger_bench.BENCH_DB = "bench_sweep"
    os.environ["DATABASE_URL"] = ledger_bench.bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(size)
    seeded = time.perf_counter() - started
    now = timezone.make_aware(datetime.datetime(2026, 2, 3, 9, 0))
    return {
        "database": connection.vendor,
        "open_items": size,
        "seed_seconds": round(seeded, 1),
        "first_sweep": timed_sweep(now),
        "steady_sweep": timed_sweep(now + datetime.timedelta(minutes=5)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.chdir(BASE_DIR)
    if args.one:
        print(json.dumps(one_size(args.one), ensure_ascii=False))
        return
    import subprocess

    report: dict[str, Any] = {"sizes": {}}
    for size in args.sizes:
        # A process per size: each on a database made anew.
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        report["database"] = figures.pop("database")
        report["sizes"][str(size)] = figures
        print(json.dumps({str(size): figures}, ensure_ascii=False), file=sys.stderr)
    print(json.dumps(report, indent=2, ensure_ascii=False))


def _name(url: str) -> str:
    import dj_database_url

    return dj_database_url.parse(url)["NAME"]


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR / "benchmarks"))
    main()
