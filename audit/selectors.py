"""Reading the audit trail: the auditor's page and its export share one filtered queryset."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from audit.models import AuditEvent
from departments.models import Unit


def _start_of_day(day: date) -> datetime:
    # Dates are the city's calendar days: a day starts at 00:00 in Asia/Shanghai
    # (the site's time zone), whichever time zone the request happens to run in.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def audit_events_filtered(*, data: Mapping[str, Any]) -> QuerySet[AuditEvent]:
    """The trail narrowed by an auditor's filters (a validated form's cleaned_data), newest first.

    Keys, all optional: date_from, date_to (dates, both inclusive), user (user name
    contains), unit (exact unit name), action (exact), object (object type or
    representation contains, or object id equals), outcome (exact).
    """
    events = AuditEvent.objects.all()
    if day := data.get("date_from"):
        events = events.filter(at__gte=_start_of_day(day))
    if day := data.get("date_to"):
        # Inclusive: everything before the next day begins.
        events = events.filter(at__lt=_start_of_day(day + timedelta(days=1)))
    if user := data.get("user"):
        events = events.filter(username__icontains=user)
    if unit := data.get("unit"):
        events = events.filter(unit_name=unit)
    if action := data.get("action"):
        events = events.filter(action=action)
    if obj := data.get("object"):
        # An id is matched whole: "12" must not find rows about objects 112 or 120.
        types = Q()
        for label in object_type_labels(obj):
            types |= Q(object_type__icontains=label)
        events = events.filter(types | Q(object_id=obj) | Q(object_repr__icontains=obj))
    if outcome := data.get("outcome"):
        events = events.filter(outcome=outcome)
    # id follows the hash chain, so it is the order in which rows were written.
    return events.order_by("-id")


def object_type_labels(text: str) -> list[str]:
    """What to look for in ``object_type`` for ``text``: rows written before an
    app was renamed keep the old label (the trail is never rewritten), so a
    search for ``plans.Task`` also finds ``ledger.Task``."""
    labels = [text]
    for config in apps.get_app_configs():
        former = getattr(config, "former_label", None)
        if former and text.lower().startswith(f"{config.label}."):
            labels.append(former + text[len(config.label) :])
    return labels


def audit_unit_names() -> list[str]:
    """The unit names that occur in the trail, for the filter's choices, in the
    registry's order (a name no unit bears any more comes last); one query."""
    registry_order = Unit.objects.filter(name=OuterRef("unit_name")).values("sort_order")[:1]
    return list(
        AuditEvent.objects.exclude(unit_name="")
        .annotate(registry_order=Subquery(registry_order))
        .order_by(F("registry_order").asc(nulls_last=True), "unit_name")
        .values_list("unit_name", flat=True)
        .distinct()
    )


def audit_actions() -> list[str]:
    """The actions that occur in the trail, for the filter's choices (one query)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
