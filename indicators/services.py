"""State changes of indicators: building them from the plan's targets, the working
group's settings (kind, owner, baseline), and the values owner units report.

Each validates first, writes in one transaction and leaves an audit row.
"""

import re
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from audit.services import audit_record
from departments.models import Unit, User
from departments.permissions import may_supervise, require_supervisor
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from indicators.selectors import breakdown_possible, current_round, plan_span
from plans.models import Comparator, Plan, PlanTarget, Task, TaskTarget, TaskUnit
from rounds.models import Round

NOTE_MAX = 300
VALUE_LIMIT = Decimal(10) ** 14
# Counts named by these verbs accumulate from the plan's start (新增标准 32 → 85 → 140).
_CUMULATIVE = re.compile(r"^(?:新增|新建|建设|建成|创建|培育|累计)")
_YEARLY_WORDS = re.compile(r"年均|每年")


class IndicatorError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _guess_kind(name: str, unit_of_measure: str, every_year: bool, years: int) -> str:
    """A yearly amount when the plan says 每年; a cumulative count when a count of new
    things is stated for several years; otherwise a level (rates, shares, stocks)."""
    if every_year:
        return Indicator.Kind.ANNUAL
    if unit_of_measure not in ("%", "‰") and years > 1 and _CUMULATIVE.match(name):
        return Indicator.Kind.CUMULATIVE
    return Indicator.Kind.LEVEL


def _direction(comparators: list[str]) -> str:
    lower = {Comparator.AT_MOST, Comparator.LESS_THAN}
    if comparators and all(c in lower for c in comparators):
        return Comparator.AT_MOST
    return Comparator.AT_LEAST


def _default_owner(plan: Plan) -> Unit | None:
    """The unit leading most of the plan's tasks (for a plan's targets section, the
    working group's own bureau as a rule), until the supervisor names the owner."""
    row = (
        Task.objects.filter(plan=plan)
        .exclude(lead_unit__kind=Unit.Kind.GROUP)
        .values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
        .first()
    )
    return Unit.objects.get(pk=row["lead_unit"]) if row else None


@transaction.atomic
def indicators_build(*, plan: Plan, by: User | None) -> int:
    """Make an indicator of each quantity the plan states a number for: one per name in
    the targets section, one per name in each task; yearly targets from the years
    stated (每年: every year of the plan). Existing indicators are kept as they are.
    Returns how many were made."""
    if by is not None:
        require_supervisor(by, IndicatorError)
    existing = set(Indicator.objects.filter(plan=plan).values_list("task_id", "name"))
    span = plan_span(
        plan,
        list(
            PlanTarget.objects.filter(plan=plan, year__isnull=False).values_list("year", flat=True)
        ),
    )
    groups: dict[tuple[int | None, str], list] = defaultdict(list)
    names: dict[str, str] = {}
    for target in PlanTarget.objects.filter(plan=plan, value__isnull=False).exclude(indicator=""):
        # "研发经费投入增长" in one year and "研发经费投入年均增长" in the next are one series.
        name = names.setdefault(_YEARLY_WORDS.sub("", target.indicator), target.indicator)
        groups[(None, name)].append(target)
    for target in (
        TaskTarget.objects.filter(task__plan=plan, value__isnull=False)
        .exclude(indicator="")
        .select_related("task")
    ):
        groups[(target.task_id, target.indicator)].append(target)
    owner = _default_owner(plan)
    # A unit group (各县(市、区)政府) owns no indicator: its members report their own
    # shares instead (TaskTarget.by_member), the city value being their sum.
    leads = dict(
        Task.objects.filter(plan=plan)
        .exclude(lead_unit__kind=Unit.Kind.GROUP)
        .values_list("pk", "lead_unit")
    )
    made: list[tuple[Indicator, list]] = []
    for order, ((task_pk, name), targets) in enumerate(groups.items()):
        if (task_pk, name[:200]) in existing:
            continue
        every_year = any(t.every_year for t in targets)
        units_of_measure = {t.unit_of_measure for t in targets}
        indicator = Indicator(
            plan=plan,
            task_id=task_pk,
            name=name[:200],
            unit_of_measure=sorted(units_of_measure)[0] if units_of_measure else "",
            kind=_guess_kind(name, targets[0].unit_of_measure, every_year, len(targets)),
            direction=_direction([t.comparator for t in targets if t.comparator]),
            owner_id=leads.get(task_pk) if task_pk else (owner.pk if owner else None),
            order=order,
        )
        made.append((indicator, targets))
    # Two inserts whatever the plan's size (PostgreSQL and SQLite return the ids).
    Indicator.objects.bulk_create([indicator for indicator, _targets in made])
    rows = []
    for indicator, targets in made:
        yearly: dict[int, object] = {}
        for target in targets:
            years = list(span.years) if target.every_year else [target.year] if target.year else []
            for year in years:
                yearly.setdefault(year, target)
        rows += [
            IndicatorTarget(
                indicator=indicator,
                year=year,
                comparator=target.comparator or Comparator.AT_LEAST,
                value=target.value,
                text=target.text,
                task_target=target if isinstance(target, TaskTarget) else None,
            )
            for year, target in sorted(yearly.items())
        ]
    IndicatorTarget.objects.bulk_create(rows)
    group_led = [i.pk for i, _targets in made if i.task_id is not None and i.owner_id is None]
    TaskTarget.objects.filter(
        pk__in=IndicatorTarget.objects.filter(
            indicator__in=group_led, task_target__isnull=False
        ).values("task_target_id")
    ).update(by_member=True)
    if made:
        audit_record(action="indicator.build", by=by, obj=plan, summary={"indicators": len(made)})
    return len(made)


def _number(text: str | Decimal | None, label: str) -> Decimal | None:
    if isinstance(text, Decimal):
        return text
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= VALUE_LIMIT:
        raise IndicatorError(
            _("“%(text)s” is not a number for %(indicator)s.") % {"text": text, "indicator": label}
        )
    return value


@transaction.atomic
def indicator_update(
    *,
    indicator: Indicator,
    by: User | None,
    kind: str,
    owner: Unit | None,
    baseline: str | Decimal | None,
    direction: str,
    targets: Mapping[int, str | Decimal | None] | None = None,
    by_member: bool | None = None,
) -> Indicator:
    """The working group sets how an indicator is read: its kind, its owner unit (a task's
    indicators stay with the task's lead unit), its baseline, which way is better, and
    its yearly targets ({year: value}; empty removes the year's target), and for a task's
    indicator whether each member of the task's unit group (each county government)
    reports its own share, the city value being their sum (`by_member`; None leaves it).
    `by` None: the system (the demo's set-up)."""
    if by is not None:
        require_supervisor(by, IndicatorError)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if kind not in Indicator.Kind.values:
        raise IndicatorError(_("Choose the kind of indicator from the list."))
    if direction not in (Comparator.AT_LEAST, Comparator.AT_MOST):
        raise IndicatorError(_("Choose whether higher or lower is better."))
    if indicator.task_id is not None:
        lead = indicator.task.lead_unit
        if owner is not None and owner.pk != lead.pk:
            raise IndicatorError(
                _("A task's indicator is reported by the task's lead unit; it cannot change.")
            )
        # A group lead (the county governments) owns nothing: each member reports its share.
        owner = None if lead.kind == Unit.Kind.GROUP else lead
    elif owner is None:
        raise IndicatorError(_("Choose the unit that reports this indicator."))
    elif owner.kind == Unit.Kind.GROUP:
        raise IndicatorError(
            _("%(group)s is a group of units and cannot report an indicator: choose one unit.")
            % {"group": owner.name}
        )
    elif not TaskUnit.objects.filter(task__plan=indicator.plan_id, unit=owner).exists():
        raise IndicatorError(_("Choose a unit that has tasks in this plan."))
    if by_member and not breakdown_possible(indicator):
        raise IndicatorError(
            _("Only a task's indicator whose task names a group of units can be reported by each.")
        )
    value = _number(baseline, indicator.name)
    span = plan_span(indicator.plan)
    changes: dict[str, object] = {}
    for year, text in (targets or {}).items():
        if year not in span.years:
            raise IndicatorError(
                _("The plan runs from %(first)d to %(last)d.")
                % {"first": span.first_year, "last": span.last_year}
            )
        changes[year] = _number(text, indicator.name)
    before = {
        "kind": indicator.kind,
        "owner": indicator.owner_id,
        "baseline": str(indicator.baseline) if indicator.baseline is not None else None,
        "direction": indicator.direction,
    }
    indicator.kind, indicator.owner, indicator.baseline = kind, owner, value
    indicator.direction = direction
    indicator.save(update_fields=["kind", "owner", "baseline", "direction"])
    task_targets = TaskTarget.objects.filter(
        pk__in=IndicatorTarget.objects.filter(
            indicator=indicator, task_target__isnull=False
        ).values("task_target_id")
    )
    before["by_member"] = task_targets.filter(by_member=True).exists()
    if by_member is not None:
        task_targets.update(by_member=by_member)
    for year, target in changes.items():
        if target is None:
            IndicatorTarget.objects.filter(indicator=indicator, year=year).delete()
        else:
            IndicatorTarget.objects.update_or_create(
                indicator=indicator,
                year=year,
                defaults={"value": target, "comparator": direction},
            )
    audit_record(
        action="indicator.update",
        by=by,
        obj=indicator,
        summary={
            "before": before,
            "after": {
                "kind": kind,
                "owner": owner.pk if owner else None,
                "baseline": str(value) if value is not None else None,
                "direction": direction,
                "by_member": before["by_member"] if by_member is None else by_member,
            },
            "targets": {str(y): (str(v) if v is not None else None) for y, v in changes.items()},
        },
    )
    return indicator


def _refuse_unless_liaison_now(by: User, round: Round, indicators: list[Indicator]) -> None:
    """Someone other than a supervisor reports only as the liaison of the indicators'
    owner unit, and only in the plan's current round. The owner is the person's own
    unit: a unit group it belongs to (各县(市、区)政府) is not, or any county could
    overwrite another's value."""
    if by.role != User.Role.LIAISON:
        raise IndicatorError(_("Only the owner unit's liaison can report its indicators."))
    if by.unit_id is None or any(i.owner_id != by.unit_id for i in indicators):
        raise IndicatorError(_("Only the owner unit's liaison can report its indicators."))
    latest = current_round(round.plan)
    if latest is None or latest.pk != round.pk:
        raise IndicatorError(
            _(
                "Values are reported in the current round; ask the working group "
                "to correct an earlier one."
            )
        )


def _reported_value(
    indicator: Indicator, text: str | Decimal | None, note: str | None
) -> tuple[Decimal | None, str]:
    """A reported value (None: remove it) and its note, checked."""
    value = _number(text, indicator.name)
    if value is not None and value < 0:
        raise IndicatorError(_("%(indicator)s cannot be negative.") % {"indicator": indicator.name})
    if value is not None and indicator.unit_of_measure == "%" and value > 100:
        raise IndicatorError(
            _("%(indicator)s is a percentage between 0 and 100.") % {"indicator": indicator.name}
        )
    if value is not None and indicator.owner_id is None:
        raise IndicatorError(
            _("Name the unit that reports %(indicator)s first.") % {"indicator": indicator.name}
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise IndicatorError(_("The note is longer than %(max)d characters.") % {"max": NOTE_MAX})
    return value, note


def _store_values(
    round: Round,
    by: User,
    indicators: dict[int, Indicator],
    cleaned: dict[int, tuple[Decimal | None, str]],
) -> list[IndicatorValue]:
    stored = []
    for pk, (value, note) in cleaned.items():
        indicator = indicators[pk]
        if value is None:
            IndicatorValue.objects.filter(indicator=indicator, round=round).delete()
            continue
        record, _created = IndicatorValue.objects.update_or_create(
            indicator=indicator,
            round=round,
            defaults={
                "value": value,
                "note": note,
                "unit_id": indicator.owner_id,
                "reported_by": by,
            },
        )
        stored.append(record)
    return stored


@transaction.atomic
def indicator_values_report(
    *,
    round: Round,
    by: User,
    values: Mapping[int, str | Decimal | None],
    notes: Mapping[int, str] | None = None,
) -> list[IndicatorValue]:
    """An owner unit's liaison reports its plan indicators' values for the current round
    ({indicator pk: value}; empty removes it); a supervisor may enter or correct any
    round's values (from the statistics the working group receives). All or nothing."""
    supervisor = may_supervise(by)
    round = Round.objects.select_related("plan").get(pk=round.pk)
    if round.status != Round.Status.OPEN:
        raise IndicatorError(_("The round %(period)s is not open.") % {"period": round.period})
    indicators = {
        i.pk: i
        # No ordering: the default one joins the (nullable) task, which PostgreSQL
        # refuses to lock.
        for i in Indicator.objects.select_for_update()
        .filter(pk__in=list(values), plan=round.plan_id)
        .order_by("pk")
    }
    if set(values) - set(indicators):
        raise IndicatorError(_("Report only indicators of this round's plan."))
    if any(i.task_id is not None for i in indicators.values()):
        raise IndicatorError(_("A task's indicators are reported in the lead unit's report entry."))
    # An owner left a unit group from before groups were refused: nobody writes its one
    # value (the working group names the one unit that reports it first).
    group_owned = set(
        Unit.objects.filter(
            kind=Unit.Kind.GROUP, pk__in={i.owner_id for i in indicators.values()}
        ).values_list("pk", flat=True)
    )
    for indicator in indicators.values():
        if indicator.owner_id in group_owned and values.get(indicator.pk) not in (None, ""):
            raise IndicatorError(
                _("Name the unit that reports %(indicator)s first.") % {"indicator": indicator.name}
            )
    if not supervisor:
        _refuse_unless_liaison_now(by, round, list(indicators.values()))
    notes = notes or {}
    cleaned = {
        pk: _reported_value(indicators[pk], text, notes.get(pk)) for pk, text in values.items()
    }
    stored = _store_values(round, by, indicators, cleaned)
    audit_record(
        action="indicator.report",
        by=by,
        obj=round,
        summary={
            "values": {
                indicators[pk].name: (str(v) if v is not None else None)
                for pk, (v, _n) in cleaned.items()
            }
        },
    )
    return stored
