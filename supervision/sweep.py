"""One sweep does it all: open the rounds whose day has come, fire viewflow's
due timers, climb the escalation ladder for every open item, refresh the
lights, and deliver the notices. Run it from cron (`manage.py supervise`) or
as the Celery beat task `supervision.sweep`; two sweeps at the same moment
act once (each rung is a unique row, and only the sweep that stored it acts).

The ladder's cost follows change: each item's progress (LadderProgress) keeps
the day its next rung falls due, and a sweep offers rungs only for the items
with no progress yet, a deadline moved, or a rung due; the others, whose rungs
were all taken, are not read again until then.
"""

import datetime
import time
import uuid
from collections import Counter, defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import timers

from dashboard.summaries import refresh_round_summaries
from departments.models import Unit, User
from notices.delivery import deliver_due, send_digests
from notices.services import Message, notify_many
from plans.models import Plan
from rounds.models import Round, UnitReport
from rounds.opening import rounds_open_due
from supervision.items import (
    CLIMBING,
    LADDER_SOURCES,
    Item,
    conf,
    open_items,
    red_twice_reason,
)
from supervision.lights import current_rounds, lights_today
from supervision.models import (
    LADDER_DONE,
    LadderProgress,
    LadderStep,
    Light,
    LightRecord,
    SweepRun,
)
from supervision.services import ProposalGround, notice_issue, proposals_raise


def _fire_viewflow_timers(now: datetime.datetime) -> int:
    """viewflow 2.4's timers (none in today's flows; kept so a Timer node works)."""
    fired = 0
    for function in (timers.fire_due_timers, timers.fire_due_start_timers):
        result = function()
        fired += len(result) if hasattr(result, "__len__") else int(bool(result))
    return fired


def _planned_steps(items: list[Item], today: datetime.date) -> list[tuple[Item, str, str, bool]]:
    """(item, step, kind, acts): every rung due for each item; `acts` marks the
    one rung per item that sends a notice (a late first sweep takes the
    earlier reminders silently)."""
    planned = []
    remind_days = sorted(conf("REMIND_DAYS"))
    for item in items:
        days = (item.due - today).days
        if item.kind in CLIMBING:
            if days >= 0:
                due = [d for d in remind_days if days <= d]
                for d in due:
                    planned.append((item, f"remind-{d}", LadderStep.Kind.REMIND, d == due[0]))
            else:
                planned.append((item, "urge", LadderStep.Kind.URGE, True))
                if -days > conf("NOTICE_AFTER_DAYS"):
                    planned.append((item, "notice", LadderStep.Kind.NOTICE, True))
        elif item.kind == "notice" and days < 0:
            planned.append((item, "propose", LadderStep.Kind.PROPOSE, True))
    return planned


def _take(
    planned: list[tuple[Item, str, str, bool]], now: datetime.datetime
) -> set[tuple[str, str]]:
    """Store the rungs; return those this sweep stored (the others were taken before).
    In key order, so that two sweeps racing wait for each other, never deadlock."""
    if not planned:
        return set()
    token = uuid.uuid4()
    rows = [
        LadderStep(item=item.key, step=step, kind=kind, unit_id=item.unit_id, at=now, sweep=token)
        for item, step, kind, _acts in sorted(planned, key=lambda p: (p[0].key, p[1]))
    ]
    for start in range(0, len(rows), 1000):
        LadderStep.objects.bulk_create(rows[start : start + 1000], ignore_conflicts=True)
    return set(LadderStep.objects.filter(sweep=token).values_list("item", "step"))


# A sweep that records the progress of this many items or more analyses the table.
ANALYZE_AFTER = 1000


def _rule() -> str:
    """The ladder's settings, as a progress row records them: "1,3|5"."""
    days = ",".join(str(d) for d in sorted(conf("REMIND_DAYS")))
    return f"{days}|{conf('NOTICE_AFTER_DAYS')}"


def _pending(today: datetime.date, rule: str) -> set[str]:
    """The keys of the open items that may have a rung to take today: those with
    no progress stored, their deadline moved since, other ladder settings, or
    their next rung due. One query per kind of item, whatever their number."""
    keys: set[str] = set()
    for kind, (rows, due) in LADDER_SOURCES.items():
        waiting = LadderProgress.objects.filter(
            source=kind,
            object_id=OuterRef("pk"),
            due=OuterRef(due),
            rule=rule,
            next_on__gt=today,
        )
        found = rows().filter(~Exists(waiting)).values_list("pk", flat=True)
        keys.update(f"{kind}:{pk}" for pk in found)
    return keys


def _next_on(item: Item, today: datetime.date) -> datetime.date:
    """The first day after `today` on which `_planned_steps` plans more for the item."""
    day = datetime.timedelta(days=1)
    if item.kind in CLIMBING:
        starts = [item.due - d * day for d in conf("REMIND_DAYS")]
        starts += [item.due + day, item.due + (conf("NOTICE_AFTER_DAYS") + 1) * day]
    else:  # an unanswered 督办单: an interview proposed the day after its deadline
        starts = [item.due + day]
    return min((start for start in starts if start > today), default=LADDER_DONE)


def _progress_store(items: list[Item], today: datetime.date, rule: str) -> None:
    """Record how far the items have climbed, in the sweep's transaction (with the
    rungs); in key order, as `_take`."""
    rows = sorted(
        (
            LadderProgress(
                source=item.kind,
                object_id=int(item.key.partition(":")[2]),
                due=item.due,
                next_on=_next_on(item, today),
                rule=rule,
            )
            for item in items
        ),
        key=lambda row: (row.source, row.object_id),
    )
    for start in range(0, len(rows), 1000):
        LadderProgress.objects.bulk_create(
            rows[start : start + 1000],
            update_conflicts=True,
            unique_fields=["source", "object_id"],
            update_fields=["due", "next_on", "rule"],
        )


def _people(unit_ids: set[int]) -> tuple[dict[int, list[User]], dict[int, list[User]], list[User]]:
    liaisons: dict[int, list[User]] = defaultdict(list)
    leaders: dict[int, list[User]] = defaultdict(list)
    supervisors: list[User] = []
    people = User.objects.filter(is_active=True).filter(
        role__in=[User.Role.LIAISON, User.Role.LEADER, User.Role.SUPERVISOR]
    )
    for person in people:
        if person.role == User.Role.SUPERVISOR:
            supervisors.append(person)
        elif person.unit_id in unit_ids and person.role == User.Role.LIAISON:
            liaisons[person.unit_id].append(person)
        elif person.unit_id in unit_ids:
            leaders[person.unit_id].append(person)
    return liaisons, leaders, supervisors


# What the sweep reports, per kind of notice sent.
KIND_COUNTS = {
    "reminder": "reminders",
    "urge": "urges",
    "supervision_notice": "notice_recipients",
    "interview": "proposal_recipients",
}


def _refresh_lights(today: datetime.date, items: list[Item], counts: Counter) -> dict[int, str]:
    """Store each plan's current round's lights (today's, as every page shows them
    for that round; they stay the round's once the next opens); return the units
    red now and in the previous round (for interview proposals), unit pk -> latest
    round key."""
    task_lights, unit_lights = lights_today(today=today, items=items)
    rounds = current_rounds(
        list({r.plan_id for r in Round.objects.filter(status=Round.Status.OPEN)})
    )
    latest = [rs[0] for rs in rounds.values()]
    previous = {rs[0].pk: rs[1] for rs in rounds.values() if len(rs) > 1}
    round_tasks = defaultdict(list)
    for round_id, task_id in Round.tasks.through.objects.filter(
        round_id__in=[r.pk for r in latest]
    ).values_list("round_id", "task_id"):
        round_tasks[round_id].append(task_id)
    round_units = defaultdict(set)
    for round_id, unit_id in UnitReport.objects.filter(
        round_id__in=[r.pk for r in latest]
    ).values_list("round_id", "unit_id"):
        round_units[round_id].add(unit_id)
    records = []
    for rnd in latest:
        for task_id in round_tasks[rnd.pk]:
            info = task_lights.get(task_id)
            if info is not None:
                records.append(
                    LightRecord(
                        round=rnd,
                        subject=f"task:{task_id}",
                        task_id=task_id,
                        color=info.color,
                        reasons=info.reasons,
                    )
                )
        for unit_id in round_units[rnd.pk]:
            info = unit_lights.get(unit_id)
            color, reasons = (info.color, info.reasons) if info else (Light.GREEN, [])
            records.append(
                LightRecord(
                    round=rnd,
                    subject=f"unit:{unit_id}",
                    unit_id=unit_id,
                    color=color,
                    reasons=reasons,
                )
            )
    for start in range(0, len(records), 1000):
        LightRecord.objects.bulk_create(
            records[start : start + 1000],
            update_conflicts=True,
            unique_fields=["round", "subject"],
            update_fields=["color", "reasons", "updated_at"],
        )
    counts["lights"] += len(records)
    refresh_round_summaries(round_ids=[r.pk for r in latest])
    red_before = set(
        LightRecord.objects.filter(
            round__in=list(previous.values()), unit__isnull=False, color=Light.RED
        ).values_list("round_id", "unit_id")
    )
    red_twice: dict[int, str] = {}
    for rnd in latest:
        before = previous.get(rnd.pk)
        if before is None:
            continue
        for unit_id in round_units[rnd.pk]:
            info = unit_lights.get(unit_id)
            if info and info.color == Light.RED and (before.pk, unit_id) in red_before:
                red_twice[unit_id] = f"red2:{unit_id}:{rnd.pk}"
    return red_twice


def _red_twice_items(red_twice: dict[int, str], today: datetime.date) -> list[Item]:
    """The units red in their plan's last two rounds (unit pk -> "red2:<unit>:<round>"),
    as items whose label names the two rounds, in two queries."""
    if not red_twice:
        return []
    latest = Round.objects.in_bulk({int(key.rsplit(":", 1)[1]) for key in red_twice.values()})
    rounds = current_rounds(list({rnd.plan_id for rnd in latest.values()}))
    periods = {rs[0].pk: (rs[1].period, rs[0].period) for rs in rounds.values() if len(rs) > 1}
    items = []
    for unit_id, key in red_twice.items():
        round_id = int(key.rsplit(":", 1)[1])
        label = (
            red_twice_reason(*periods[round_id])
            if round_id in periods
            else _("Red in two consecutive rounds")
        )
        items.append(
            Item(
                key=key,
                kind="red2",
                unit_id=unit_id,
                due=today,
                label=label,
                plan_id=latest[round_id].plan_id,
                round_id=round_id,
            )
        )
    return items


def sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """One pass of the supervision mechanism; returns what it did, per kind."""
    now = now or timezone.now()
    started = time.perf_counter()
    today = timezone.localtime(now).date()
    counts: Counter = Counter()
    counts["rounds_opened"] = len(rounds_open_due(today=today))
    counts["timers_fired"] = _fire_viewflow_timers(now)
    items = open_items()
    counts["open_items"] = len(items)
    red_twice = _refresh_lights(today, items, counts)
    rule = _rule()
    pending = _pending(today, rule)
    climbing = [item for item in items if item.key in pending]
    counts["ladder_items"] = len(climbing)
    planned = _planned_steps(climbing, today)
    planned += [
        (item, "propose", LadderStep.Kind.PROPOSE, True)
        for item in _red_twice_items(red_twice, today)
    ]
    with transaction.atomic():
        won = _take(planned, now)
        _progress_store(climbing, today, rule)
        acting = [
            (item, kind) for item, step, kind, acts in planned if acts and (item.key, step) in won
        ]
        _climb(acting, today=today, now=now, counts=counts)
    if len(climbing) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Fresh statistics, or the planner may loop over one table for each row
        # of the other in `_pending` until autovacuum comes by (a first sweep).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {LadderProgress._meta.db_table}")
    for name, value in deliver_due(now=now).items():
        counts[name] += value
    for name, value in (send_digests(now=now) or {}).items():
        counts[name] += value
    _record_run(now, started, counts)
    return dict(counts)


def _record_run(now: datetime.datetime, started: float, counts: Counter) -> None:
    """The run, for the health endpoint; and the runs older than the days kept, gone."""
    SweepRun.objects.create(
        started_at=now,
        took_ms=round((time.perf_counter() - started) * 1000),
        counts={name: value for name, value in counts.items() if value},
    )
    keep = datetime.timedelta(days=settings.SWEEP_RUNS_KEEP_DAYS)
    SweepRun.objects.filter(started_at__lt=now - keep).delete()


def _climb(
    acting: list[tuple[Item, str]], *, today: datetime.date, now: datetime.datetime, counts: Counter
) -> None:
    """Act on the rungs this sweep took: remind, urge (催办), issue 督办单, propose
    interviews, and notify the people concerned."""
    liaisons, leaders, supervisors = _people({item.unit_id for item, _kind in acting})
    units = Unit.objects.in_bulk({item.unit_id for item, _kind in acting})
    messages: list[Message] = []
    # One 督办单 per unit and plan (a bulletin names the units of its plan).
    notice_items: dict[tuple[int, int | None], list[Item]] = defaultdict(list)
    proposals: list[Item] = []
    for item, kind in acting:
        reason = item.reason(today)
        if kind == LadderStep.Kind.REMIND:
            messages.append(
                Message(
                    recipients=liaisons[item.unit_id],
                    kind="reminder",
                    key=item.key,
                    title=_("Reminder: %(reason)s") % {"reason": reason},
                    url=item.url,
                )
            )
        elif kind == LadderStep.Kind.URGE:
            messages.append(
                Message(
                    recipients=liaisons[item.unit_id] + leaders[item.unit_id],
                    kind="urge",
                    key=item.key,
                    title=_("Urgent (催办): %(reason)s") % {"reason": reason},
                    url=item.url,
                )
            )
        elif kind == LadderStep.Kind.NOTICE:
            notice_items[(item.unit_id, item.plan_id)].append(item)
        elif kind == LadderStep.Kind.PROPOSE:
            proposals.append(item)
    messages += _propose_interviews(proposals, units, supervisors, now=now, counts=counts)
    messages += _issue_notices(
        notice_items, units, leaders, supervisors, today=today, now=now, counts=counts
    )
    for notice in notify_many(messages, now=now):
        counts[KIND_COUNTS.get(notice.kind, "notices")] += 1


def _propose_interviews(
    items: list[Item],
    units: dict[int, Unit],
    supervisors: list[User],
    *,
    now: datetime.datetime,
    counts: Counter,
) -> list[Message]:
    """Propose the interviews the items call for, one open proposal per unit
    (a new fact adds a reason to it); the supervisors' messages about them."""
    changes = proposals_raise(
        grounds=[
            ProposalGround(unit_id=item.unit_id, evidence=item.key, reason=item.proposal_reason())
            for item in items
        ],
        now=now,
    )
    messages = []
    for change in changes:
        counts["proposals" if change.created else "proposals_extended"] += 1
        title = (
            _("Interview proposed for %(unit)s: %(reason)s")
            if change.created
            else _("New reason to interview %(unit)s: %(reason)s")
        )
        messages.append(
            Message(
                recipients=supervisors,
                kind="interview",
                key=f"proposal:{change.proposal.pk}",
                title=title
                % {
                    "unit": units[change.proposal.unit_id].name,
                    "reason": "；".join(change.reasons),
                },
                url=reverse("supervision_board"),
            )
        )
    return messages


def _issue_notices(
    notice_items: dict[tuple[int, int | None], list[Item]],
    units: dict[int, Unit],
    leaders: dict[int, list[User]],
    supervisors: list[User],
    *,
    today: datetime.date,
    now: datetime.datetime,
    counts: Counter,
) -> list[Message]:
    """Issue one 督办单 per unit and plan with its overdue items, frozen as they
    stand; the messages to the unit's leaders and the supervisors."""
    messages = []
    plans = Plan.objects.in_bulk({plan_id for _unit, plan_id in notice_items if plan_id})
    for (unit_id, plan_id), unit_items in notice_items.items():
        unit = units[unit_id]
        notice = notice_issue(
            unit=unit,
            plan=plans.get(plan_id),
            items=[
                {
                    "item": i.key,
                    "task": i.task_number,
                    "label": i.label,
                    "title": i.title,
                    "reason": i.reason(today),
                    "due": i.due.isoformat(),
                }
                for i in unit_items
            ],
            now=now,
        )
        counts["supervision_notices"] += 1
        messages.append(
            Message(
                recipients=leaders[unit_id] + supervisors,
                kind="supervision_notice",
                key=f"notice:{notice.pk}",
                title=_("Supervision notice %(number)s to %(unit)s")
                % {"number": notice.doc_number, "unit": unit.name},
                url=notice.get_absolute_url(),
            )
        )
    return messages
