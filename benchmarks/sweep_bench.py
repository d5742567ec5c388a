"""Measure the supervision sweep at scale, and the previous code's beside it.

    .venv/bin/python benchmarks/sweep_bench.py [--sizes 1000 100000] [--previous REF]

Works on its own database like ledger_bench.py (var/bench_sweep.sqlite3, or
the PostgreSQL database `bench_sweep` when DATABASE_URL names a PostgreSQL
server). For each size it makes that many open items past their deadline (the
agreed items of a dispatch meeting, spread over 45 units with a liaison and
a leader each), then times three sweeps: the first climbs a rung for every
item (a 催办 to each unit's people), the next two, five and ten minutes later,
find nothing new to do (the steady state of a sweep every few minutes); on
PostgreSQL the seeded tables are analysed first, as autovacuum would have
long before a real sweep. Prints JSON with the time and the
number of queries of each (the first sweep's time per item too); the query
counts must not grow with the items.

With --previous REF (a git commit, e.g. the one before the sweep kept each
item's progress), the same measurement runs on that commit's code, exported
with `git archive` to a temporary directory, on a database of its own made
anew (`bench_sweep_previous`): the figures of both code paths in one run.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from previous_code import export_commit

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


def one_size(size: int, code: str | None = None) -> dict[str, Any]:
    """Seed and measure one size in this process (a fresh database); `code`: the
    directory of another version of the code to measure instead of this one."""
    if code:
        sys.path.insert(0, code)
        os.chdir(code)
    import ledger_bench

    # The previous code on a database of its own: both may be measured at once.
    ledger_bench.BENCH_DB = "bench_sweep_previous" if code else "bench_sweep"
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, long before a real sweep
    seeded = time.perf_counter() - started
    now = timezone.make_aware(datetime.datetime(2026, 2, 3, 9, 0))
    first = timed_sweep(now)
    first["ms_per_item"] = round(first["seconds"] * 1000 / size, 2)
    return {
        "database": connection.vendor,
        "open_items": size,
        "seed_seconds": round(seeded, 1),
        "first_sweep": first,
        "steady_sweep": timed_sweep(now + datetime.timedelta(minutes=5)),
        "steady_sweep_again": timed_sweep(now + datetime.timedelta(minutes=10)),
    }


def run_one(size: int, code: str | None = None) -> dict[str, Any]:
    """One size in a process of its own, on a database made anew."""
    command = [sys.executable, __file__, "--one", str(size)]
    if code:
        command += ["--code", code]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--previous", help="a git commit whose code to measure too")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.chdir(BASE_DIR)
    if args.one:
        print(json.dumps(one_size(args.one, args.code), ensure_ascii=False))
        return
    report: dict[str, Any] = {"sizes": {}}
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        previous = export_commit(args.previous, tmp) if args.previous else None
        if previous:
            report["previous"] = args.previous
        for size in args.sizes:
            figures = run_one(size)
            report["database"] = figures.pop("database")
            if previous:
                figures["previous_code"] = run_one(size, previous)
                figures["previous_code"].pop("database")
            report["sizes"][str(size)] = figures
            print(json.dumps({str(size): figures}, ensure_ascii=False), file=sys.stderr)
    print(json.dumps(report, indent=2, ensure_ascii=False))


def _name(url: str) -> str:
    import dj_database_url

    return dj_database_url.parse(url)["NAME"]


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR / "benchmarks"))
    main()
