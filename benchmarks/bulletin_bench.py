"""Measure rendering a bulletin (通报) to PDF.

    .venv/bin/python benchmarks/bulletin_bench.py [--repeat 3] [--tasks 500] [--profile]

Works on its own database (see ledger_bench.bench_database_url; here `bench_bulletin`).
Prints JSON for (a) the Xingtai plan, all 27 tasks dispatched, one round with a few
reports sent, and (b) a plan of --tasks tasks, 45 units, one round (manage.py
seed_scale): the median total time of gathering, charts and PDF, the pages, the
time WeasyPrint alone takes to render and write the same HTML, and the ratio of the
two (our overhead); and (c) the sample 督办单: its first rendering in the process
(loading WeasyPrint and the fonts) and the median of the following ones. Each time
is given twice: wall-clock and the process's CPU time (`*_cpu_s`), the fairer figure
when other work shares the machine. "goals" compares them with issue 19's: the
bulletin within 1.5× WeasyPrint's own time, the Xingtai bulletin under 2 s, the
督办单 under 0.3 s once the fonts are loaded. Not a test: the numbers depend on
the machine.
"""

import argparse
import datetime
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

import ledger_bench  # noqa: E402

ledger_bench.BENCH_DB = "bench_bulletin"


def xingtai_round() -> tuple[Any, Any, datetime.date]:
    """The Xingtai plan, every task dispatched, one round with some reports sent."""
    from django.conf import settings
    from django.utils import timezone

    from departments.services import registry_sync
    from plans.importer.service import plan_import
    from rounds.models import Entry, UnitReport
    from rounds.opening import round_create
    from workflow.dispatch import task_dispatch

    source = Path(settings.BASE_DIR) / "data" / "plans" / "xingtai-quality-2023-2027.txt"
    registry_sync(by=None)
    plan = plan_import(data=source.read_bytes(), source_name=source.name, by=None).plan
    opened, deadline = datetime.date(2026, 3, 10), datetime.date(2026, 3, 31)
    task_dispatch(tasks=list(plan.tasks.all()), by=None, today=opened)
    rnd = round_create(plan=plan, by=None, period="2026年第一季度", deadline=deadline, today=opened)
    schedules = ["on", "ahead", "behind", "done"]
    reports = list(UnitReport.objects.filter(round=rnd).order_by("unit__sort_order"))
    for number, report in enumerate(reports):
        if number % 3 == 2:
            continue  # never sent
        sent = deadline + datetime.timedelta(days=-1 if number % 2 else 2)
        for n, entry in enumerate(Entry.objects.filter(report=report)):
            entry.schedule = schedules[(number + n) % len(schedules)]
            entry.progress = "按计划推进，已召开专题会议部署落实。"
            entry.status = Entry.Status.SUBMITTED
            entry.save()
        report.sent_at = timezone.make_aware(datetime.datetime.combine(sent, datetime.time(9)))
        report.state = UnitReport.Status.SENT
        report.save()
    return plan, rnd, datetime.date(2026, 4, 5)


def scale_round(tasks: int) -> tuple[Any, Any, datetime.date]:
    from django.core.management import call_command

    from plans.models import Plan
    from rounds.models import Round

    doc = f"规模测试〔{tasks}〕号"
    call_command(
        "seed_scale",
        tasks=tasks,
        units=ledger_bench.UNITS,
        rounds=1,
        plan_doc=doc,
        stdout=open(os.devnull, "w"),
    )
    plan = Plan.objects.get(doc_number=doc)
    rnd = Round.objects.filter(plan=plan).order_by("-opens_on").first()
    return plan, rnd, rnd.deadline + datetime.timedelta(days=5)


def fields() -> dict[str, Any]:
    from django.conf import settings

    from bulletins.models import DEFAULT_TITLE
    from bulletins.render import document_fields
    from bulletins.services import DEFAULT_CLOSING, DEFAULT_OPENING
    from documents.pdf import DEFAULT_ADDRESSEES, DEFAULT_CC

    return document_fields(
        issuer=settings.WORKING_GROUP_NAME,
        number_text="",
        title=DEFAULT_TITLE,
        addressees=DEFAULT_ADDRESSEES,
        opening=DEFAULT_OPENING.format(period="2026年第一季度"),
        closing=DEFAULT_CLOSING,
        copy_to=DEFAULT_CC,
        issued_on=None,
    )


# Issue 19's goals for the official documents.
BULLETIN_MAX_RATIO = 1.5
XINGTAI_BULLETIN_MAX_S = 2.0
NOTICE_MAX_S = 0.3


class Timer:
    """Wall-clock and this process's CPU seconds of a `with` block."""

    def __enter__(self) -> "Timer":
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def weasyprint_only(html: str) -> Timer:
    """WeasyPrint's own time to lay out and write `html`: documents.pdf.html_to_pdf, the
    renderer every official document goes through, with its fonts and stylesheet
    loaded already (as for every document after a process's first)."""
    from documents.pdf import html_to_pdf

    with Timer() as timer:
        html_to_pdf(html)
    return timer


def measure_notice(repeat: int) -> dict[str, Any]:
    """The sample 督办单: the process's first rendering (WeasyPrint, fontconfig and the
    faces loaded on the way), then `repeat` more."""
    from documents.pdf import render_official_pdf
    from documents.supervision import TEMPLATE_NAME, sample_supervision_notice_context

    context = sample_supervision_notice_context()
    timers = []
    for _n in range(1 + max(repeat, 1)):
        with Timer() as timer:
            render_official_pdf(template_name=TEMPLATE_NAME, context=context)
        timers.append(timer)
    first, rest = timers[0], timers[1:]
    return {
        "first_s": round(first.wall, 3),
        "first_cpu_s": round(first.cpu, 3),
        "steady_s": round(statistics.median(t.wall for t in rest), 3),
        "steady_cpu_s": round(statistics.median(t.cpu for t in rest), 3),
        "max_steady_s": round(max(t.wall for t in rest), 3),
    }


def goals(report: dict[str, Any]) -> dict[str, Any]:
    """Issue 19's goals, each on wall-clock and on CPU time: the ratio for every
    bulletin measured, the time for the Xingtai one and the 督办单."""
    xingtai, notice = report["xingtai"], report["supervision_notice"]
    bulletins = [
        value for key, value in report.items() if key == "xingtai" or key.startswith("scale_")
    ]
    return {
        f"bulletin ratio <= {BULLETIN_MAX_RATIO}": {
            "wall": all(b["ratio"] <= BULLETIN_MAX_RATIO for b in bulletins),
            "cpu": all(b["ratio_cpu"] <= BULLETIN_MAX_RATIO for b in bulletins),
        },
        f"Xingtai bulletin < {XINGTAI_BULLETIN_MAX_S} s": {
            "wall": xingtai["total_s"] < XINGTAI_BULLETIN_MAX_S,
            "cpu": xingtai["total_cpu_s"] < XINGTAI_BULLETIN_MAX_S,
        },
        f"督办单 < {NOTICE_MAX_S} s once the fonts are loaded": {
            "wall": notice["steady_s"] < NOTICE_MAX_S,
            "cpu": notice["steady_cpu_s"] < NOTICE_MAX_S,
        },
    }


def measure(plan: Any, rnd: Any, today: datetime.date, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from bulletins.content import gather
    from bulletins.render import render_html, render_pdf

    doc_fields = fields()
    render_pdf(gather(plan, rnd, today), doc_fields)  # warm: imports, fonts, templates
    totals, pdf = [], b""
    for _n in range(repeat):
        with Timer() as timer:
            data = gather(plan, rnd, today)
            pdf = render_pdf(data, doc_fields)
        totals.append(timer)
    with CaptureQueriesContext(connection) as queries:
        data = gather(plan, rnd, today)
    html = render_html(data, doc_fields)
    weasy_runs = [weasyprint_only(html) for _n in range(repeat)]
    total = statistics.median(t.wall for t in totals)
    total_cpu = statistics.median(t.cpu for t in totals)
    weasy = statistics.median(t.wall for t in weasy_runs)
    weasy_cpu = statistics.median(t.cpu for t in weasy_runs)
    return {
        "tasks": data["overall"]["tasks"],
        "units": len(data["units"]),
        "total_s": round(total, 3),
        "min_total_s": round(min(t.wall for t in totals), 3),
        "total_cpu_s": round(total_cpu, 3),
        "weasyprint_s": round(weasy, 3),
        "weasyprint_cpu_s": round(weasy_cpu, 3),
        "ratio": round(total / weasy, 2),
        "ratio_cpu": round(total_cpu / weasy_cpu, 2),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "pdf_bytes": len(pdf),
        "html_bytes": len(html.encode()),
        "gather_queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders per measure")
    parser.add_argument("--tasks", type=int, default=500, help="tasks of the large plan (0: none)")
    parser.add_argument("--profile", action="store_true", help="cProfile one Xingtai render")
    args = parser.parse_args()

    os.chdir(BASE_DIR)
    os.environ["DATABASE_URL"] = ledger_bench.bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {"database": connection.vendor}
    # First of all, so that its first rendering is the process's first PDF.
    report["supervision_notice"] = measure_notice(args.repeat)
    plan, rnd, today = xingtai_round()
    if args.profile:
        import cProfile
        import pstats

        from bulletins.content import gather
        from bulletins.render import render_pdf

        render_pdf(gather(plan, rnd, today), fields())
        profiler = cProfile.Profile()
        profiler.enable()
        render_pdf(gather(plan, rnd, today), fields())
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    report["xingtai"] = measure(plan, rnd, today, args.repeat)
    print(json.dumps({"xingtai": report["xingtai"]}), file=sys.stderr)
    if args.tasks:
        report[f"scale_{args.tasks}"] = measure(*scale_round(args.tasks), args.repeat)
    report["goals"] = goals(report)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
