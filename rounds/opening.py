"""Rounds are created, scheduled and opened here; opening one starts each
responsible unit's report process and tells its liaisons.

This module sits above the report's flow: rounds.flows declares the steps and
imports their views (rounds.step_views), which call rounds.services; starting
a report needs the flow itself, so it lives here, and so do the pages that
create rounds (rounds.views), above it.
"""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record
from dashboard.summaries import refresh_round_summary
from departments.models import Unit, User
from notices.models import Notice
from notices.services import Message, notify_many
from plans.models import Plan, Task, TaskUnit
from rounds.errors import RoundError
from rounds.flows import ReportFlow
from rounds.models import Entry, ReportEvent, Round, UnitReport
from rounds.periods import round_series_dates
from rounds.selectors import tasks_in_progress

PERIOD_MAX = 40


def _responsible_units(tasks: Sequence[Task]) -> dict[int, list[tuple[Task, bool]]]:
    """unit pk -> [(task, is_lead)]: the lead, co-leads and co-units of each
    task, a unit group (the county governments) standing for each member."""
    by_unit: dict[int, list[tuple[Task, bool]]] = {}
    task_ids = [t.pk for t in tasks]
    tasks_by_pk = {t.pk: t for t in tasks}
    links = TaskUnit.objects.filter(task_id__in=task_ids).select_related("unit")
    members: dict[int, list[int]] = {}
    for group in Unit.objects.filter(kind=Unit.Kind.GROUP).prefetch_related("members"):
        members[group.pk] = [m.pk for m in group.members.all() if m.is_active]
    for link in links:
        task = tasks_by_pk[link.task_id]
        units = members.get(link.unit_id, [link.unit_id])
        for unit_id in units:
            rows = by_unit.setdefault(unit_id, [])
            is_lead = unit_id == task.lead_unit_id
            if all(t.pk != task.pk for t, _lead in rows):
                rows.append((task, is_lead))
    return by_unit


def _validate_round_fields(
    plan: Plan, period: str, opens_on: datetime.date, deadline: datetime.date
) -> str:
    period = period.strip()
    if plan.status == Plan.Status.CLOSED:
        raise RoundError(_("The plan is closed: no round can be opened for it."))
    if not period:
        raise RoundError(_("Name the round's period, e.g. 2023年第三季度."))
    if len(period) > PERIOD_MAX:
        raise RoundError(
            _("The period name is longer than %(max)d characters.") % {"max": PERIOD_MAX}
        )
    if deadline < opens_on:
        raise RoundError(_("The deadline cannot come before the day the round opens."))
    if Round.objects.filter(plan=plan, period=period).exists():
        raise RoundError(
            _("Plan %(plan)s already has a round for %(period)s.")
            % {"plan": plan.doc_number, "period": period}
        )
    return period


@transaction.atomic
def round_create(
    *,
    plan: Plan,
    by: User | None,
    period: str,
    deadline: datetime.date,
    today: datetime.date,
    opens_on: datetime.date | None = None,
    cadence: str = Round.Cadence.OTHER,
    tasks: Sequence[Task] | None = None,
) -> Round:
    """Create a round; it opens now when it opens today or earlier, else on its day."""
    opens_on = opens_on or today
    period = _validate_round_fields(plan, period, opens_on, deadline)
    if deadline < today:
        raise RoundError(_("The deadline cannot be in the past."))
    if tasks is not None:
        if not tasks:
            raise RoundError(_("Choose at least one task for the round."))
        if any(task.plan_id != plan.pk for task in tasks):
            raise RoundError(_("Choose only tasks of this plan."))
    rnd = Round.objects.create(
        plan=plan,
        period=period,
        cadence=cadence,
        opens_on=opens_on,
        deadline=deadline,
        chosen_tasks=tasks is not None,
        created_by=by,
    )
    if tasks is not None:
        rnd.tasks.set(tasks)
    audit_record(
        action="round.create",
        by=by,
        obj=rnd,
        summary={
            "plan": plan.doc_number,
            "period": period,
            "opens_on": opens_on.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )
    if opens_on <= today:
        round_open(rnd=rnd, by=by)
    return rnd


@transaction.atomic
def round_open(*, rnd: Round, by: User | None) -> Round:
    """Open a round: one report per responsible unit, its liaisons told."""
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.status == Round.Status.OPEN:
        raise RoundError(_("The round %(period)s is already open.") % {"period": rnd.period})
    tasks = list(rnd.tasks.order_by("order")) if rnd.chosen_tasks else tasks_in_progress(rnd.plan)
    if not tasks:
        raise RoundError(
            _("No task of the plan is in progress: dispatch tasks before opening a round.")
        )
    rnd.tasks.set(tasks)
    by_unit = _responsible_units(tasks)
    units = Unit.objects.in_bulk(list(by_unit))
    start = ReportFlow.start
    reports = []
    for unit_id in sorted(by_unit, key=lambda pk: (units[pk].sort_order, pk)):
        report = start.run(round=rnd, unit=units[unit_id])
        # Nothing is carried over: the form shows the unit's previous entries
        # beside empty fields, so no one re-sends last round's text unawares.
        Entry.objects.bulk_create(
            [Entry(report=report, task=task, is_lead=is_lead) for task, is_lead in by_unit[unit_id]]
        )
        ReportEvent.objects.create(report=report, action=ReportEvent.Action.OPEN, by=by)
        reports.append(report)
    _announce(rnd, reports, {pk: len(rows) for pk, rows in by_unit.items()})
    rnd.status = Round.Status.OPEN
    rnd.opened_at = timezone.now()
    rnd.save(update_fields=["status", "opened_at"])
    refresh_round_summary(round_id=rnd.pk)
    audit_record(
        action="round.open",
        by=by,
        obj=rnd,
        summary={"period": rnd.period, "tasks": len(tasks), "reports": len(by_unit)},
    )
    return rnd


def _announce(rnd: Round, reports: list[UnitReport], task_counts: dict[int, int]) -> None:
    """Tell each unit's liaisons that their report is open, what it covers and when it is due."""
    liaisons: dict[int, list[User]] = {}
    for person in User.objects.filter(
        unit_id__in=[r.unit_id for r in reports], role=User.Role.LIAISON, is_active=True
    ):
        liaisons.setdefault(person.unit_id, []).append(person)
    notify_many(
        [
            Message(
                recipients=liaisons.get(report.unit_id, []),
                kind=Notice.Kind.REPORT,
                key=f"report:{report.pk}:opened",
                title=ngettext(
                    "%(period)s round is open: report on %(count)d task by %(deadline)s",
                    "%(period)s round is open: report on %(count)d tasks by %(deadline)s",
                    task_counts[report.unit_id],
                )
                % {
                    "period": rnd.period,
                    "count": task_counts[report.unit_id],
                    "deadline": rnd.deadline.isoformat(),
                },
                url=reverse("report_detail", args=[report.pk]),
            )
            for report in reports
            if liaisons.get(report.unit_id)
        ]
    )


def rounds_open_due(*, today: datetime.date, by: User | None = None) -> list[Round]:
    """Open the scheduled rounds whose day has come (run by the sweep)."""
    opened = []
    for rnd in Round.objects.filter(status=Round.Status.SCHEDULED, opens_on__lte=today).order_by(
        "opens_on", "id"
    ):
        try:
            opened.append(round_open(rnd=rnd, by=by))
        except RoundError:
            # Nothing in progress yet: it stays scheduled and is tried again next sweep.
            continue
    return opened


@transaction.atomic
def rounds_schedule(
    *,
    plan: Plan,
    by: User | None,
    cadence: str,
    year: int,
    first: int,
    count: int,
    deadline_day: int,
    today: datetime.date,
) -> list[Round]:
    """Schedule `count` monthly or quarterly rounds from period `first` of `year`;
    each opens by itself on its day (see rounds_open_due)."""
    if cadence not in (Round.Cadence.MONTHLY, Round.Cadence.QUARTERLY):
        raise RoundError(_("Choose a monthly or quarterly cadence."))
    per_year = 4 if cadence == Round.Cadence.QUARTERLY else 12
    if not 1 <= first <= per_year:
        raise RoundError(_("There is no such period in a year."))
    if not 1 <= count <= 24:
        raise RoundError(_("Schedule between 1 and 24 rounds at a time."))
    created = []
    index = first
    for _n in range(count):
        label, opens_on, deadline = round_series_dates(cadence, year, index, deadline_day)
        if deadline < today:
            raise RoundError(
                _("The round for %(period)s would already be past its deadline.")
                % {"period": label}
            )
        created.append(
            round_create(
                plan=plan,
                by=by,
                period=label,
                deadline=deadline,
                today=today,
                opens_on=max(opens_on, today),
                cadence=cadence,
            )
        )
        index += 1
        if index > per_year:
            index, year = 1, year + 1
    return created
