"""Reads of meetings and follow-ups that pages share, scoped to the person's units.

Each runs a fixed number of queries whatever the number of meetings or items.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from departments.access import unit_scope
from departments.models import User
from meetings.models import Decision, Meeting
from plans.models import Plan, Task


def meetings_visible_to(user: User, plan: Plan | None = None) -> QuerySet[Meeting]:
    """Every meeting for supervisors and leadership readers; for anyone else the
    meetings their unit attended (a county also through the county group) or
    owns an agreed item of."""
    meetings = Meeting.objects.all()
    if plan is not None:
        meetings = meetings.filter(plan=plan)
    scope = unit_scope(user)
    if scope is None:
        return meetings
    attended = Meeting.units.through.objects.filter(meeting=OuterRef("pk"), unit_id__in=scope)
    owns = Decision.objects.filter(meeting=OuterRef("pk"), owner_unit_id__in=scope)
    return meetings.filter(Exists(attended) | Exists(owns))


def plan_meetings(*, plan: Plan, user: User) -> QuerySet[Meeting]:
    """The plan's meetings the person sees, newest first, with their units and item counts."""
    return (
        meetings_visible_to(user, plan)
        .prefetch_related("units")
        .annotate(
            decision_count=Count("decisions"),
            open_count=Count("decisions", filter=Q(decisions__status=Decision.Status.OPEN)),
        )
        .order_by("-held_on", "-pk")
    )


def meeting_detail_queryset(user: User) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("plan", "created_by")
        .prefetch_related(
            "units",
            Prefetch("tasks", queryset=Task.objects.order_by("order")),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("owner_unit", "task", "closed_by"),
            ),
        )
    )


def decisions_visible_to(user: User) -> QuerySet[Decision]:
    """The agreed items of the meetings the person sees (all of each meeting's items)."""
    return Decision.objects.filter(meeting__in=meetings_visible_to(user))


def open_decisions_for(user: User, today: datetime.date | None = None) -> QuerySet[Decision]:
    """The open follow-ups of the person's unit, by deadline (so the overdue come first),
    each marked `overdue`."""
    if user.unit_id is None:
        return Decision.objects.none()
    today = today or timezone.localdate()
    return (
        Decision.objects.filter(owner_unit_id=user.unit_id, status=Decision.Status.OPEN)
        .select_related("meeting", "meeting__plan", "owner_unit", "task")
        .annotate(overdue=ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField()))
        .order_by("due_on", "meeting__held_on", "meeting_id", "number")
    )


def followups_context(user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """What templates/meetings/_my_followups.html needs, for a page's context."""
    return {"followups": list(open_decisions_for(user, today))}


def decisions_for_ledger(
    plan: Plan,
    user: User,
    tasks: Iterable[Task] | None = None,
    today: datetime.date | None = None,
) -> dict[int, list[Decision]]:
    """The plan's open follow-ups that name a task, by task id, for the ledger page.

    Supervisors and readers see every unit's; anyone else only their own unit's.
    Items that name no task are not listed here (they live on their meeting).
    """
    today = today or timezone.localdate()
    decisions = Decision.objects.filter(
        meeting__plan=plan, status=Decision.Status.OPEN, task__isnull=False
    )
    if tasks is not None:
        decisions = decisions.filter(task__in=[getattr(t, "pk", t) for t in tasks])
    if not user.sees_whole_city:
        decisions = decisions.filter(owner_unit_id=user.unit_id)
    decisions = (
        decisions.select_related("meeting", "owner_unit")
        .annotate(overdue=ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField()))
        .order_by("due_on", "meeting__held_on", "meeting_id", "number")
    )
    by_task: dict[int, list[Decision]] = {}
    for decision in decisions:
        by_task.setdefault(decision.task_id, []).append(decision)
    return by_task
