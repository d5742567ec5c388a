"""The server CPU of a liaison's report round pages, one request at a time, and
the previous code's beside it.

    .venv/bin/python benchmarks/page_cpu_bench.py [--repeat 7] [--previous REF]
        [--database NAME] [--profile STEP]

The deadline rush (benchmarks/rush_bench.py) is CPU-bound: with 42 liaisons on
2 cores each request waits for ~21 others, so each step's CPU decides its p95.
This measures that CPU without the load: the demo seeded on a PostgreSQL
database of its own (`bench_page_cpu`, dropped and made anew with `manage.py
migrate` and `manage.py load_demo`; the server is the rush bench's:
RUSH_BENCH_DATABASE_URL, else DATABASE_URL when it names PostgreSQL, else
postgres://postgres@127.0.0.1:5432/postgres), then, through
Django's test client in one process (DEBUG off, as production), for a county
liaison with a big report (lincheng.liaison) and a lead unit's
(gongxin.liaison): 我的待办 (inbox), the report page (report), the claim,
the fill page (the step's form), an autosave of every entry (save: the POST
the form sends as the liaison types) and the submit (the POST only); and the
plan's ledger (supervisor) and dashboard (leadership), which readers load
meanwhile. The whole sequence runs once to warm the caches, then --repeat
times: printed are the median and the least process CPU of each step
(time.process_time, the Django process only, not PostgreSQL's; on a shared
machine the least is the steadier figure) and its number of queries.

Writes (claim, save, submit) each run in a transaction rolled back afterwards,
all of a liaison's steps inside one rolled back at the end: the database is
left as seeded, and --database NAME measures on an existing demo database
instead of seeding one (both code paths then on that database).

With --previous REF the same measurement runs first on the code of that git
commit (exported with `git archive`, on the database `bench_page_cpu_previous`),
and the table shows both. --profile STEP prints the cProfile of that step
(e.g. "report lincheng.liaison") after the table.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from previous_code import export_commit
from rush_bench import admin_sql, database_url  # the server as the rush bench finds it

BASE_DIR = Path(__file__).resolve().parent.parent
LIAISONS = ("lincheng.liaison", "gongxin.liaison")
READERS = (("ledger", "supervisor"), ("dashboard", "leadership"))
STEPS = ("inbox", "report", "claim", "fill page", "save", "submit")


def environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "",
        "DATABASE_URL": database_url(database),
        "DB_CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "testserver",
    }


def seed(code: Path, database: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{database}"')
    env = environment(database)
    for command in (["migrate", "-v0"], ["load_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=code,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"{command} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


# --- in the process measuring one version of the code ------------------------------------


class Meter:
    """Times each step once per pass: a first pass warms the caches (templates,
    translations, content types, the database's buffers), --repeat passes are
    timed, one more counts the queries, and with --profile one profiles."""

    def __init__(self, profile: str | None) -> None:
        self.mode = "warm"
        self.profile = profile
        self.times: dict[str, list[float]] = {}
        self.queries: dict[str, int] = {}
        self.status: dict[str, int] = {}
        self.profiler: Any = None

    def measure(self, name: str, call: Any, *, rollback: bool = False) -> Any:
        """`call` once, in a transaction rolled back afterwards if `rollback`."""
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        def once() -> Any:
            if self.mode == "count":
                with CaptureQueriesContext(connection) as queries:
                    answer = call()
                self.queries[name] = len(queries)
                return answer
            if self.mode == "profile":
                if self.profile != name:
                    return call()
                return self.profiler.runcall(call)
            started = time.process_time()
            answer = call()
            spent = time.process_time() - started
            if self.mode == "time":
                self.times.setdefault(name, []).append(spent)
            return answer

        if rollback:
            with transaction.atomic():
                answer = once()
                transaction.set_rollback(True)
        else:
            answer = once()
        self.status[name] = answer.status_code
        return answer

    def figures(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "ms": round(statistics.median(times) * 1000, 1),
                "min_ms": round(min(times) * 1000, 1),
                "queries": self.queries[name],
                "status": self.status[name],
            }
            for name, times in self.times.items()
        }


def liaison_steps(meter: Meter, username: str) -> None:
    from django.db import transaction
    from django.test import Client
    from rush_bench import Page, fill_data
    from viewflow.workflow.models import Task

    from departments.models import User
    from rounds.flows import ReportFlow
    from rounds.models import Round, UnitReport

    user = User.objects.get(username=username)
    current = Round.objects.filter(status=Round.Status.OPEN).order_by("-opens_on", "-pk").first()
    waiting = Task.objects.filter(flow_task=ReportFlow.fill, status="NEW")
    report = UnitReport.objects.get(
        pk__in=waiting.values("process_id"), round=current, unit=user.unit_id
    )
    tasks = sorted(report.entries.values_list("task_id", flat=True))
    client = Client()
    client.force_login(user)

    def step(name: str) -> str:
        return f"{name} {username}"

    meter.measure(step("inbox"), lambda: client.get("/my-tasks/"))
    page = meter.measure(step("report"), lambda: client.get(f"/reports/{report.pk}/"))
    claim = re.search(r'action="([^"]*/\d+/assign/)"', page.content.decode())
    if claim is None:
        raise SystemExit(f"{username}: no 办理 button on the report page")
    claim_url = claim.group(1)
    execute_url = claim_url.replace("/assign/", "/execute/")
    with transaction.atomic():  # the liaison's steps, all rolled back at the end
        meter.measure(
            step("claim"), lambda: client.post(claim_url, {"_continue": "1"}), rollback=True
        )
        client.post(claim_url, {"_continue": "1"})
        fill = meter.measure(step("fill page"), lambda: client.get(execute_url))
        form = Page(fill.content.decode()).form(**{"class": "report-form"})
        if form is None:
            raise SystemExit(f"{username}: no report form on the fill page")
        mine = {str(t): f"{username} 任务{t} 本期进展" for t in tasks}
        saved = dict(fill_data(form, mine, tasks, "save"))
        saved.pop("action")
        meter.measure(
            step("save"),
            lambda: client.post(execute_url, saved, headers={"X-Autosave": "1"}),
            rollback=True,
        )
        sent = fill_data(form, mine, tasks, "submit")
        meter.measure(step("submit"), lambda: client.post(execute_url, dict(sent)), rollback=True)
        transaction.set_rollback(True)


def reader_steps(meter: Meter) -> None:
    from django.test import Client

    from departments.models import User
    from rounds.models import Round

    plan = Round.objects.filter(status=Round.Status.OPEN).order_by("-opens_on", "-pk").first()
    for name, username in READERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        path = f"/plans/{plan.plan_id}/{name}/"
        meter.measure(f"{name} {username}", lambda c=client, p=path: c.get(p))


def measure(code: str | None, database: str, repeat: int, profile: str | None) -> dict[str, Any]:
    sys.path.insert(0, code or str(BASE_DIR))
    os.chdir(code or BASE_DIR)
    os.environ.update(environment(database))
    import django

    django.setup()
    meter = Meter(profile)
    modes = ["warm"] + ["time"] * repeat + ["count"] + (["profile"] * repeat if profile else [])
    for mode in modes:
        meter.mode = mode
        if mode == "profile" and meter.profiler is None:
            import cProfile

            meter.profiler = cProfile.Profile(time.process_time)
        for username in LIAISONS:
            liaison_steps(meter, username)
        reader_steps(meter)
    bad = {name: status for name, status in meter.status.items() if status >= 400}
    if bad:
        raise SystemExit(f"pages answered an error: {bad}")
    profiled = ""
    if meter.profiler is not None:
        import io
        import pstats

        out = io.StringIO()
        stats = pstats.Stats(meter.profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(90)
        stats.sort_stats("tottime").print_stats(30)
        profiled = out.getvalue()
    return {"figures": meter.figures(), "profile": profiled}


# --- the driver ------------------------------------------------------------------------------


def run_one(code: Path | None, database: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", "--database", database]
    command += ["--repeat", str(args.repeat)]
    if code:
        command += ["--code", str(code)]
    if args.profile:
        command += ["--profile", args.profile]
    done = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if done.returncode:
        raise SystemExit(f"measuring {code or 'this checkout'} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(runs: list[tuple[str, dict[str, Any]]]) -> str:
    names = list(runs[-1][1]["figures"])
    head = f"{'':<28}" + "".join(f"{label:>27}" for label, _ in runs)
    out = [head, f"{'step':<28}" + f"{'ms':>9}{'min ms':>9}{'queries':>9}" * len(runs)]
    out.append("-" * len(out[-1]))
    for name in names:
        row = f"{name:<28}"
        for _label, run in runs:
            figure = run["figures"].get(name)
            row += (
                f"{figure['ms']:>9}{figure['min_ms']:>9}{figure['queries']:>9}"
                if figure
                else f"{'-':>27}"
            )
        out.append(row)
    for label, run in runs:
        total = sum(
            run["figures"][f"{s} lincheng.liaison"]["ms"]
            for s in STEPS
            if f"{s} lincheng.liaison" in run["figures"]
        )
        out.append(f"{label}: lincheng.liaison's round (inbox … submit) {total:.0f} ms of CPU")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--previous", help="a git commit whose code to measure too")
    parser.add_argument("--database", help="an existing demo database to measure on")
    parser.add_argument("--profile", help='a step to profile, e.g. "report lincheng.liaison"')
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.code, args.database, args.repeat, args.profile)))
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="page-cpu-bench-") as tmp:
        if args.previous:
            previous = Path(export_commit(args.previous, tmp))
            # The translations as a checkout has them (the .mo files are not in git).
            subprocess.run(
                [sys.executable, "manage.py", "compilemessages", "-v0", "--ignore=.venv"],
                cwd=previous,
                env={**os.environ, "DJANGO_ENV": "development"},
                check=True,
            )
            database = args.database or "bench_page_cpu_previous"
            if not args.database:
                print(f"seeding {database} …", file=sys.stderr)
                seed(previous, database)
            runs.append((f"previous {args.previous[:10]}", run_one(previous, database, args)))
        database = args.database or "bench_page_cpu"
        if not args.database:
            print(f"seeding {database} …", file=sys.stderr)
            seed(BASE_DIR, database)
        runs.append(("this code", run_one(None, database, args)))
        if not args.database:
            for name in ("bench_page_cpu_previous", "bench_page_cpu"):
                admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(table(runs))
    for label, run in runs:
        if run["profile"]:
            print(f"\n--- {label}: {args.profile}\n{run['profile']}")


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR / "benchmarks"))
    main()
