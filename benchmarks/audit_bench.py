"""Audited writes per second with 1, 8 and 32 concurrent writers, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/audit_bench.py [--writers 1 8 32] [--seconds 5]
        [--work-ms 5] [--previous REF]

Works on its own database (`bench_audit`, made anew on the server DATABASE_URL
names; PostgreSQL only: SQLite has one writer at a time whatever the code does).

What it models: a request that changes something. Each writer is a thread with
its own database connection, standing for one gunicorn thread; it runs
transactions one after the other, each shaped like the product's requests: the
audited write first (audit_record by a liaison of its own, as a save or a
login does), then the rest of the request inside the same transaction — one
UPDATE of the writer's own row (the record the request changes) and
`--work-ms` milliseconds of other work (more statements, the form, the
workflow step), stood for by a sleep that holds the transaction open without
using CPU. Whatever lock the audit write takes is held through that rest.

Prints JSON per writer count: committed transactions per second, the median
and 95th percentile time of one transaction, and whether the trail verifies
afterwards (every row written, chain unbroken). With --previous REF (a git
commit) the same measurement runs on that commit's code too, exported with
`git archive` into a temporary directory, on a database of its own
(`bench_audit_previous`), and both are printed side by side.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from previous_code import export_commit

BASE_DIR = Path(__file__).resolve().parent.parent


def seed(writers: int) -> list[Any]:
    from departments.models import Unit, User
    from departments.services import person_upsert, registry_sync

    registry_sync(by=None)
    units = list(Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("sort_order"))
    return [
        person_upsert(
            username=f"bench.writer.{n}",
            role=User.Role.LIAISON,
            unit=units[n % len(units)],
            display_name=f"writer {n}",
            password_hash="!",
            by=None,
        )[0]
        for n in range(writers)
    ]


def run_writers(people: list[Any], seconds: float, work_ms: float) -> dict[str, Any]:
    """`len(people)` threads writing for `seconds`; the figures of their transactions."""
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.services import audit_record
    from departments.models import User

    barrier = threading.Barrier(len(people) + 1)
    durations: list[list[float]] = [[] for _ in people]
    errors: list[str] = []
    stop = threading.Event()

    def write(n: int) -> None:
        try:
            person = User.objects.select_related("unit").get(pk=people[n].pk)
            barrier.wait()
            while not stop.is_set():
                started = time.perf_counter()
                with transaction.atomic():
                    audit_record(action="bench.write", by=person, obj=person, summary={"n": n})
                    User.objects.filter(pk=person.pk).update(last_login=timezone.now())
                    time.sleep(work_ms / 1000)
                durations[n].append(time.perf_counter() - started)
        except Exception as exc:  # counted and printed: a benchmark must not hide them
            errors.append(f"{type(exc).__name__}: {exc}")
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(people))]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        sys.exit(f"A writer failed before starting: {errors}")
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(d for per_writer in durations for d in per_writer)
    return {
        "writes_per_second": round(len(every) / elapsed, 1),
        "transactions": len(every),
        "p50_ms": round(statistics.median(every) * 1000, 1) if every else None,
        "p95_ms": round(every[int(0.95 * (len(every) - 1))] * 1000, 1) if every else None,
        "errors": errors[:5],
    }


def measure(writers: list[int], seconds: float, work_ms: float, code: str | None) -> dict:
    """All writer counts in this process, on a database made anew; `code`: the
    directory of another version of the code to measure instead of this one."""
    sys.path.insert(0, code or str(BASE_DIR))
    if code:
        os.chdir(code)
    sys.path.insert(0, str(BASE_DIR / "benchmarks"))
    import ledger_bench

    ledger_bench.BENCH_DB = "bench_audit_previous" if code else "bench_audit"
    os.environ["DATABASE_URL"] = ledger_bench.bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from audit.models import AuditEvent
    from audit.verify import verify_chain

    if connection.vendor != "postgresql":
        sys.exit("The audit benchmark needs a PostgreSQL DATABASE_URL.")
    call_command("migrate", verbosity=0)
    people = seed(max(writers))
    connection.close()
    figures: dict[str, Any] = {}
    for count in writers:
        before = AuditEvent.objects.count()
        figures[str(count)] = run_writers(people[:count], seconds, work_ms)
        written = AuditEvent.objects.count() - before
        figures[str(count)]["rows_written"] = written
    checked, broken = verify_chain()
    total = AuditEvent.objects.count()
    figures["trail_verifies"] = broken is None and checked == total
    figures["trail_rows"] = total
    return figures


def run_measure(args: argparse.Namespace, code: str | None = None) -> dict[str, Any]:
    """The measurement in a process of its own (Django is set up once per process)."""
    command = [
        sys.executable,
        __file__,
        "--one",
        *("--seconds", str(args.seconds), "--work-ms", str(args.work_ms)),
        "--writers",
        *map(str, args.writers),
    ]
    if code:
        command += ["--code", code]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--work-ms", type=float, default=5.0)
    parser.add_argument("--previous", help="a git commit whose code to measure too")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.chdir(BASE_DIR)
    if args.one:
        print(json.dumps(measure(args.writers, args.seconds, args.work_ms, args.code)))
        return
    report: dict[str, Any] = {
        "seconds_per_count": args.seconds,
        "work_ms_after_the_audit_write": args.work_ms,
        "cpus": os.cpu_count(),
        "this_code": run_measure(args),
    }
    print(json.dumps({"this_code": report["this_code"]}), file=sys.stderr)
    if args.previous:
        with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
            report["previous"] = args.previous
            report["previous_code"] = run_measure(args, export_commit(args.previous, tmp))
        report["side_by_side"] = {
            str(count): {
                "writes_per_second": [
                    report["previous_code"][str(count)]["writes_per_second"],
                    report["this_code"][str(count)]["writes_per_second"],
                ],
                "p95_ms": [
                    report["previous_code"][str(count)]["p95_ms"],
                    report["this_code"][str(count)]["p95_ms"],
                ],
            }
            for count in args.writers
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
