"""Measure the annual assessment's computation: 50 units over the 12 rounds of a year.

    .venv/bin/python benchmarks/assessment_bench.py [--units 50] [--tasks 150] [--repeat 7]

Works on its own database, never the application's: with a PostgreSQL DATABASE_URL it
(re)creates the database `bench_assessment` on that server; with SQLite (the default)
the file var/bench_assessment.sqlite3. It seeds a plan with manage.py seed_scale
(--units units, --tasks tasks, 12 monthly rounds with every responsible unit's
entries), moves the rounds into one year (the year before this one, January to
December) and adds what the other criteria read: the bureau's returns of entries, a
light per unit and task each round (some red), 督办单, held interviews, lead tasks due
in the year and most of them closed. Then it prints JSON: the median time of several
computations of the year (assessment.selectors.compute) and its query count, the
time of publicising it (computing, storing every unit's score, notifying), and of the
two exports. Not a test: the times depend on the machine; the query count must not
depend on the numbers of units and rounds.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_assessment"
ROUNDS = 12
GOAL_SECONDS = 2.0


def bench_database_url() -> str:
    """The URL of the benchmark's own database, created empty (as ledger_bench makes it)."""
    sys.path.insert(0, str(BASE_DIR / "benchmarks"))
    import ledger_bench

    ledger_bench.BENCH_DB = BENCH_DB
    return ledger_bench.bench_database_url()


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed(*, units: int, tasks: int, year: int, rng: random.Random) -> dict[str, Any]:
    """The plan of seed_scale, its rounds moved into `year`, and the records the other
    criteria read."""
    from django.core.management import call_command
    from django.db import transaction

    from plans.models import Plan

    doc = f"考核测试〔{units}×{tasks}〕号"
    started = time.perf_counter()
    call_command(
        "seed_scale",
        tasks=tasks,
        units=units,
        rounds=ROUNDS,
        plan_doc=doc,
        stdout=open(os.devnull, "w"),
    )
    plan = Plan.objects.get(doc_number=doc)
    with transaction.atomic():
        counts = _into_year(plan, year, rng)
    return {
        "plan": plan,
        "seed_seconds": round(time.perf_counter() - started, 1),
        **counts,
    }


def _into_year(plan: Any, year: int, rng: random.Random) -> dict[str, int]:
    from viewflow.workflow.status import PROCESS

    from departments.models import User
    from rounds.models import Entry, ReportEvent, Round, UnitReport
    from supervision.models import Interview, Light, LightRecord, SupervisionNotice
    from workflow.models import TaskEvent, TaskProcess

    supervisor = User.objects.get(username="scale.supervisor")
    rounds = list(Round.objects.filter(plan=plan).order_by("opens_on", "id"))
    # Two passes: the new labels may be the old labels of other rounds.
    for rnd in rounds:
        rnd.period = f"tmp-{rnd.pk}"
    Round.objects.bulk_update(rounds, ["period"])
    for month, rnd in enumerate(rounds, start=1):
        rnd.period = f"{year}年{month}月"
        rnd.opens_on = datetime.date(year, month, 20)
        rnd.deadline = (rnd.opens_on + datetime.timedelta(days=16)).replace(day=5)
    Round.objects.bulk_update(rounds, ["period", "opens_on", "deadline"])
    deadlines = {rnd.pk: rnd.deadline for rnd in rounds}

    reports = list(UnitReport.objects.filter(round__plan=plan))
    for report in reports:
        if report.sent_at is not None:
            sent = deadlines[report.round_id] + datetime.timedelta(days=report.late_days - 2)
            report.sent_at = aware(sent)
    UnitReport.objects.bulk_update(reports, ["sent_at"], batch_size=1000)

    returned = Entry.objects.filter(report__round__plan=plan, times_returned__gt=0)
    events = [
        ReportEvent(
            report_id=entry.report_id,
            task_id=entry.task_id,
            action=ReportEvent.Action.RETURN,
            by=supervisor,
            reason="数据不全，请补充佐证材料。",
        )
        for entry in returned.only("report_id", "task_id")
    ]
    ReportEvent.objects.bulk_create(events, batch_size=1000)

    lights = []
    for report in reports:
        color = rng.choices([Light.GREEN, Light.YELLOW, Light.RED], [70, 20, 10])[0]
        reasons = [] if color == Light.GREEN else [f"任务完成逾期{rng.randint(1, 30)}天"]
        lights.append(
            LightRecord(
                round_id=report.round_id,
                subject=f"unit:{report.unit_id}",
                unit_id=report.unit_id,
                color=color,
                reasons=reasons,
            )
        )
    task_ids = list(plan.tasks.values_list("pk", flat=True))
    for rnd in rounds:
        for task_id in task_ids:
            color = rng.choices([Light.GREEN, Light.YELLOW, Light.RED], [70, 20, 10])[0]
            lights.append(
                LightRecord(round=rnd, subject=f"task:{task_id}", task_id=task_id, color=color)
            )
    LightRecord.objects.bulk_create(lights, batch_size=1000)

    unit_ids = sorted({report.unit_id for report in reports})
    notices = []
    for number in range(1, len(unit_ids) // 2 + 1):
        issued = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        notices.append(
            SupervisionNotice(
                year=year,
                number=number,
                plan=plan,
                unit_id=rng.choice(unit_ids),
                items=[{"item": f"bench:{number}", "label": "报告", "reason": "报告逾期3天"}],
                issued_at=aware(issued),
                answer_by=issued + datetime.timedelta(days=5),
            )
        )
    SupervisionNotice.objects.bulk_create(notices)

    interviews = []
    for _n in range(max(1, len(unit_ids) // 6)):
        interview = Interview.objects.create(
            unit_id=rng.choice(unit_ids),
            interviewee="副局长",
            held_at=aware(datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)), 15),
            place="市政府会议室",
            reason="连续两期亮红灯。",
            status=Interview.Status.HELD,
            created_by=supervisor,
        )
        interview.tasks.set(rng.sample(task_ids, 2))
        interviews.append(interview)

    processes = list(TaskProcess.objects.filter(plan_task__plan=plan))
    closes = []
    for process in processes:
        process.complete_by = datetime.date(year, rng.randint(1, 12), 28)
        if rng.random() < 0.6:
            closed_on = process.complete_by + datetime.timedelta(days=rng.randint(-40, 20))
            process.status = PROCESS.DONE
            process.completion_closed = True
            process.finished = aware(closed_on)
            closes.append(TaskEvent(process=process, by=supervisor, action=TaskEvent.Action.CLOSE))
    TaskProcess.objects.bulk_update(
        processes, ["complete_by", "status", "completion_closed", "finished"], batch_size=1000
    )
    TaskEvent.objects.bulk_create(closes, batch_size=1000)
    return {
        "rounds": len(rounds),
        "reports": len(reports),
        "returns": len(events),
        "lights": len(lights),
        "notices": len(notices),
        "interviews": len(interviews),
        "lead_tasks": len(processes),
        "tasks_closed": len(closes),
    }


def timed(function: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm: caches, the database's own buffers
    times = []
    for _n in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "queries": len(queries),
        "result": result,
    }


def once(function: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    return {"ms": round(seconds * 1000, 1), "queries": len(queries), "result": result}


def measure(seeded: dict[str, Any], year: int, repeat: int) -> dict[str, Any]:
    from django.utils import timezone

    from assessment import services
    from assessment.document import render_pdf
    from assessment.excel import assessment_xlsx
    from assessment.selectors import compute
    from departments.models import User

    plan = seeded["plan"]
    supervisor = User.objects.get(username="scale.supervisor")
    assessment = services.assessment_create(plan=plan, year=year, by=supervisor)
    as_of = datetime.date(year + 1, 1, 31)
    computed = timed(lambda: compute(assessment, as_of), repeat)
    results = computed.pop("result")
    now = timezone.make_aware(datetime.datetime(year + 1, 1, 31, 9))
    publicised = once(
        lambda: services.assessment_publicise(assessment=assessment, by=supervisor, now=now)
    )
    publicised.pop("result")
    xlsx = once(lambda: len(assessment_xlsx(assessment)))
    xlsx["bytes"] = xlsx.pop("result")
    pdf = once(lambda: len(render_pdf(assessment)))
    pdf["bytes"] = pdf.pop("result")
    return {
        "units_assessed": len(results),
        "compute": {**computed, "under_goal": computed["median_ms"] < GOAL_SECONDS * 1000},
        "publicise": publicised,
        "xlsx": xlsx,
        "pdf": pdf,
        "top": [(r.rank, r.name, str(r.total), r.grade) for r in results[:3]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=7, help="computations measured")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year - 1
    seeded = seed(units=args.units, tasks=args.tasks, year=year, rng=random.Random(args.seed))
    report: dict[str, Any] = {
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "year": year,
        "units": args.units,
        "tasks": args.tasks,
        **{key: value for key, value in seeded.items() if key != "plan"},
        **measure(seeded, year, args.repeat),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
