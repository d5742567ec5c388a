"""Measure the leadership dashboard against the bare SQL it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/dashboard_bench.py [--sizes 1000 100000] [--repeat 9]

Works on its own databases (see ledger_bench.bench_database_url; here
`bench_dashboard_<rows>`, one per size). For each size it seeds a plan of that many
ledger rows (manage.py seed_scale: tasks x monthly rounds, 45 units), stores every round's
lights as the sweep would (a task's and a unit's LightRecord per round), and a
few interviews, commitments and 督办单. Then, for the whole city (a supervisor)
and for one unit (the liaison of the unit leading the most tasks), it prints JSON:

- page_ms: the median time of the full page through Django's test client, and
  page_cold_ms the same with the charts drawn anew each time (the first look after
  the figures changed; charts are kept by their figures, dashboard/charts.py);
- render_ms: the median time of the selector, the charts and the template alone;
- sql_ms: the median time of the same SQL texts with the same parameters, captured
  while the page was served and run again through a raw cursor, rows fetched;
- the ratios page/sql, page_cold/sql and render/sql (our cost over the floor;
  goal under 3);
- the number of queries (the same at every size);
- previous: the same page through the previous code path (dashboard.full_scan:
  the trend and the categories counted from every entry and stored light of the
  rounds shown, as before the round summaries), its SQL and the ratio of the two
  pages.

The round summaries are built as the product builds them: the seed's rounds by
seed_scale, the stored lights by dashboard.summaries as the sweep refreshes them.
--keep reuses the database and the plans an earlier run seeded (migrating it first).

The current round's lights are those of now (supervision.lights, as the ledger and
the board show them); the stored ones draw the earlier rounds' trend. Not a test:
numbers depend on the machine.
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
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

import ledger_bench  # noqa: E402

ledger_bench.BENCH_DB = "bench_dashboard"  # one per size: see use_database
BATCH = 5_000


def seed_supervision(plan: Any) -> None:
    """Every round's stored lights, and the supervision records a plan under way has."""
    from django.db import connection
    from django.utils import timezone

    from dashboard.summaries import refresh_round_summaries
    from departments.models import User
    from rounds.models import Round, UnitReport
    from supervision.models import (
        Commitment,
        Interview,
        Light,
        LightRecord,
        SupervisionNotice,
    )

    rng = random.Random(8)
    colors = [Light.GREEN] * 6 + [Light.YELLOW] * 2 + [Light.RED, Light.DONE]
    rounds = list(Round.objects.filter(plan=plan).values_list("pk", flat=True))
    links = Round.tasks.through.objects.filter(round_id__in=rounds).values_list(
        "round_id", "task_id"
    )
    reports = UnitReport.objects.filter(round_id__in=rounds).values_list("round_id", "unit_id")
    records = [
        LightRecord(
            round_id=round_id,
            subject=f"task:{task_id}",
            task_id=task_id,
            color=(color := rng.choice(colors)),
            reasons=["本期调度报告逾期3天"] if color == Light.RED else [],
        )
        for round_id, task_id in links.iterator(chunk_size=BATCH)
    ]
    records += [
        LightRecord(
            round_id=round_id,
            subject=f"unit:{unit_id}",
            unit_id=unit_id,
            color=(color := rng.choice(colors[:-1])),
            reasons=["督办单逾期未反馈"] if color == Light.RED else [],
        )
        for round_id, unit_id in reports.iterator(chunk_size=BATCH)
    ]
    LightRecord.objects.bulk_create(records, batch_size=BATCH)
    refresh_round_summaries(round_ids=rounds)
    supervisor = User.objects.get(username="scale.supervisor")
    units = list(plan.tasks.values_list("lead_unit", flat=True).distinct()[:6])
    now = timezone.now()
    for number, unit_id in enumerate(units, start=1):
        interview = Interview.objects.create(
            unit_id=unit_id,
            interviewee="副局长",
            held_at=now + datetime.timedelta(days=number),
            place="市市场监管局三楼会议室",
            reason="调度报告多次逾期。",
            status=Interview.Status.HELD if number % 2 else Interview.Status.SCHEDULED,
            created_by=supervisor,
        )
        if interview.status == Interview.Status.HELD:
            for n in (1, 2):
                Commitment.objects.create(
                    interview=interview,
                    number=n,
                    text=f"整改事项{n}。",
                    due_on=now.date() + datetime.timedelta(days=10 * n - 15),
                )
        SupervisionNotice.objects.create(
            year=now.year,
            number=900_000 + plan.pk * 100 + number,
            plan=plan,
            unit_id=unit_id,
            items=[],
            issued_at=now,
            answer_by=now.date() + datetime.timedelta(days=number - 3),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Recorder:
    """An execute wrapper keeping each query's SQL text and parameters as sent."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def bare_sql(queries: list[tuple[str, Any]]) -> float:
    """The time the database takes for these queries, rows fetched, through a raw cursor."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def measure_view(user: Any, path: str, plan: Any, unit: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory

    from dashboard import charts
    from dashboard.views import page_context

    client = Client()
    client.force_login(user)
    assert client.get(path).status_code == 200  # warm: imports, templates, buffers
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(path)
    assert response.status_code == 200
    pages = []
    for _n in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200
    # The first look after the figures changed: the charts drawn anew.
    colds = []
    for _n in range(repeat):
        charts.clear_cache()
        started = time.perf_counter()
        response = client.get(path)
        colds.append(time.perf_counter() - started)
        assert response.status_code == 200
    request = RequestFactory().get(path)
    request.user = user

    def render() -> str:
        context = page_context(plan=plan, unit=unit, user=user)
        return render_to_string("dashboard/plan.html", context, request=request)

    renders = []
    for _n in range(repeat):
        started = time.perf_counter()
        render()
        renders.append(time.perf_counter() - started)
    selector_queries = Recorder()
    with connection.execute_wrapper(selector_queries):
        render()
    sql = [bare_sql(recorder.queries) for _n in range(repeat)]
    selector_sql = [bare_sql(selector_queries.queries) for _n in range(repeat)]
    page_ms, render_ms, cold_ms = median_ms(pages), median_ms(renders), median_ms(colds)
    sql_ms, selector_sql_ms = median_ms(sql), median_ms(selector_sql)
    previous = measure_previous(client, path, repeat)
    return {
        "page_ms": page_ms,
        "sql_ms": sql_ms,
        "page_ratio": round(page_ms / sql_ms, 2),
        "page_cold_ms": cold_ms,
        "page_cold_ratio": round(cold_ms / sql_ms, 2),
        "queries": len(recorder.queries),
        "render_ms": render_ms,
        "render_sql_ms": selector_sql_ms,
        "render_ratio": round(render_ms / selector_sql_ms, 2),
        "render_queries": len(selector_queries.queries),
        "bytes": len(response.content),
        "previous": previous,
        "previous_over_page": round(previous["page_ms"] / page_ms, 2),
    }


def measure_previous(client: Any, path: str, repeat: int) -> dict[str, Any]:
    """The page through the previous code path: dashboard.full_scan's counts in place
    of the summaries' (the rest of the page, and the figures, the same)."""
    from django.db import connection

    from dashboard import full_scan, views

    current = views.dashboard
    views.dashboard = full_scan.dashboard
    try:
        assert client.get(path).status_code == 200
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            assert client.get(path).status_code == 200
        pages = []
        for _n in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            pages.append(time.perf_counter() - started)
            assert response.status_code == 200
    finally:
        views.dashboard = current
    sql = [bare_sql(recorder.queries) for _n in range(repeat)]
    page_ms, sql_ms = median_ms(pages), median_ms(sql)
    return {
        "page_ms": page_ms,
        "sql_ms": sql_ms,
        "page_ratio": round(page_ms / sql_ms, 2),
        "queries": len(recorder.queries),
    }


def measure(seeded: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.db.models import Count
    from django.urls import reverse

    from departments.models import User
    from rounds.models import Entry
    from supervision.models import LightRecord

    plan = seeded["plan"]
    supervisor = User.objects.get(username="scale.supervisor")
    busiest = (
        plan.tasks.values("lead_unit").annotate(n=Count("id")).order_by("-n").first()["lead_unit"]
    )
    liaison = User.objects.select_related("unit").get(unit_id=busiest, role=User.Role.LIAISON)
    city = reverse("plan_dashboard", args=[plan.pk])
    result: dict[str, Any] = {
        "ledger_rows": Entry.objects.filter(report__round__plan=plan, is_lead=True).count(),
        "entries": Entry.objects.filter(report__round__plan=plan).count(),
        "light_records": LightRecord.objects.filter(round__plan=plan).count(),
        "tasks": seeded["tasks"],
        "rounds": seeded["rounds"],
        "units": ledger_bench.UNITS,
        "seed_seconds": seeded["seed_seconds"],
        "city": measure_view(supervisor, city, plan, None, repeat),
        "unit": measure_view(liaison, city, plan, liaison.unit, repeat),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9, help="runs per measure")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database and plans of an earlier run"
    )
    args = parser.parse_args()

    os.chdir(BASE_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # The test client's host, without the test environment's template instrumentation
    # (it copies the context at every template rendered): the page as served.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    report: dict[str, Any] = {"database": connection.vendor, "sizes": {}}
    for rows in args.sizes:
        use_database(rows, keep=args.keep)
        seeded = kept_plan(rows) if args.keep else None
        if seeded is None:
            seeded = ledger_bench.seed(rows)
            seed_supervision(seeded["plan"])
        report["sizes"][str(rows)] = measure(seeded, args.repeat)
        print(json.dumps({str(rows): report["sizes"][str(rows)]}), file=sys.stderr)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(table(report), file=sys.stderr)


def use_database(rows: int, *, keep: bool) -> None:
    """Serve the next size from its own database (`bench_dashboard_<rows>`), migrated:
    a city whose ledger has `rows` rows, not a small plan beside a large one (a unit's
    light counts its items in every plan, so the large plan would weigh on the small
    plan's page)."""
    import dj_database_url
    from django.core.management import call_command
    from django.db import connections

    ledger_bench.BENCH_DB = f"bench_dashboard_{rows}"
    url = kept_database_url() if keep else ledger_bench.bench_database_url()
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]
    call_command("migrate", verbosity=0)


def kept_database_url() -> str:
    """The benchmark database of an earlier run, as it is."""
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlunsplit(urlsplit(url)._replace(path=f"/{ledger_bench.BENCH_DB}"))
    return f"sqlite:///{BASE_DIR / 'var' / f'{ledger_bench.BENCH_DB}.sqlite3'}"


def kept_plan(rows: int) -> dict[str, Any] | None:
    """The plan an earlier run seeded for `rows` ledger rows, if there is one."""
    from plans.models import Plan

    plan = Plan.objects.filter(doc_number=f"规模测试〔{rows}〕号").first()
    if plan is None:
        return None
    return {
        "plan": plan,
        "tasks": plan.tasks.count(),
        "rounds": plan.rounds.count(),
        "seed_seconds": None,
    }


def table(report: dict[str, Any]) -> str:
    """The figures as README's table: the page and its SQL, now and before."""
    lines = [
        "| ledger rows | view | page | bare SQL | ratio | queries "
        "| previous page | previous SQL | previous ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rows, sizes in report["sizes"].items():
        for view in ("city", "unit"):
            now, before = sizes[view], sizes[view]["previous"]
            lines.append(
                f"| {int(rows):,} | {view} | {now['page_ms']:.0f} ms | {now['sql_ms']:.0f} ms "
                f"| {now['page_ratio']:.2f} | {now['queries']} | {before['page_ms']:.0f} ms "
                f"| {before['sql_ms']:.0f} ms | {before['page_ratio']:.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
