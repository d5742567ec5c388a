"""Writing a parsed plan to the database, all or nothing."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from departments.models import Unit, User
from departments.names import normalize_unit_name
from departments.selectors import unit_resolver
from departments.services import unit_create
from plans.importer.parser import (
    ParsedPlan,
    ParsedTarget,
    PlanParseError,
    decode_plan_bytes,
    parse_plan,
)
from plans.models import (
    Category,
    Measure,
    MeasureUnit,
    Plan,
    PlanTarget,
    Task,
    TaskTarget,
    TaskUnit,
)

EVERY_YEAR = "每年"


class PlanImportError(Exception):
    """An import refused with a one-line message for the person who ran it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class PlanImportResult:
    parsed: ParsedPlan
    plan: Plan | None = None
    created: bool = False
    replaced: bool = False
    # The document number was already imported and nothing was changed.
    existed: bool = False
    dry_run: bool = False
    new_units: list[str] = field(default_factory=list)


def _parse(data: bytes) -> tuple[str, ParsedPlan, dict[str, list[int]]]:
    """Parse with names resolved through the registry; return the unknown names with their lines."""
    try:
        text = decode_plan_bytes(data)
    except PlanParseError as exc:
        raise PlanImportError(exc.message) from exc
    resolver = unit_resolver()

    def canonical(name: str) -> str:
        unit = resolver.resolve(name)
        return unit.name if unit is not None else normalize_unit_name(name)

    try:
        parsed = parse_plan(text, canonical=canonical)
    except PlanParseError as exc:
        raise PlanImportError(exc.message) from exc
    unknown: dict[str, list[int]] = {}
    for mention in parsed.unit_mentions:
        if resolver.resolve(mention.name) is None:
            lines = unknown.setdefault(mention.name, [])
            if mention.line not in lines:
                lines.append(mention.line)
    return text, parsed, unknown


def _unknown_units_message(unknown: dict[str, list[int]]) -> str:
    listed = "；".join(
        _("%(name)s (line %(lines)s)")
        % {"name": name, "lines": ", ".join(str(line) for line in lines)}
        for name, lines in unknown.items()
    )
    return _(
        "Unknown units, not in the registry: %(units)s. Add them as aliases or run the "
        "import with --create-units."
    ) % {"units": listed}


def plan_import(
    *,
    data: bytes,
    source_name: str,
    by: User | None,
    create_units: bool = False,
    replace: bool = False,
    dry_run: bool = False,
) -> PlanImportResult:
    """Import a plan from its published text (bytes, UTF-8 or GB18030).

    Nothing is written when the text is refused, when `dry_run` is set, or
    when the document number is already imported and `replace` is not set.
    """
    text, parsed, unknown = _parse(data)
    if unknown and not create_units:
        raise PlanImportError(_unknown_units_message(unknown))
    if not parsed.doc_number:
        raise PlanImportError(
            _("The text has no document number (文号), so the plan cannot be identified.")
        )
    result = PlanImportResult(parsed=parsed, new_units=list(unknown), dry_run=dry_run)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            existing = Plan.objects.select_for_update().filter(doc_number=parsed.doc_number).first()
            if existing is not None and not replace:
                result.plan, result.existed = existing, True
                return result
            if existing is not None and existing.work_started:
                raise PlanImportError(
                    _("Plan %(doc_number)s cannot be replaced: work has already started on it.")
                    % {"doc_number": parsed.doc_number}
                )
            for name in unknown:
                unit_create(name=name, by=by)
            result.plan = _write_plan(
                parsed, text=text, source_name=source_name, by=by, plan=existing
            )
            result.created, result.replaced = existing is None, existing is not None
            audit_record(
                action="plan.replace" if existing is not None else "plan.import",
                by=by,
                obj=result.plan,
                summary={
                    "doc_number": parsed.doc_number,
                    "source": source_name,
                    "categories": len(parsed.categories),
                    "tasks": sum(len(c.tasks) for c in parsed.categories),
                    "new_units": list(unknown),
                },
            )
    except IntegrityError:
        # Another import of the same document number committed first.
        existing = Plan.objects.filter(doc_number=parsed.doc_number).first()
        if existing is None:
            raise
        result.plan, result.existed, result.created = existing, True, False
    return result


def _target_fields(target: ParsedTarget, order: int) -> dict:
    every_year = target.year == EVERY_YEAR
    return {
        "text": target.text,
        "indicator": target.indicator,
        "year": None if every_year or target.year is None else int(target.year),
        "every_year": every_year,
        "comparator": target.comparator if target.value is not None else "",
        "value": Decimal(target.value) if target.value is not None else None,
        "unit_of_measure": target.unit,
        "order": order,
    }


def _write_plan(
    parsed: ParsedPlan, *, text: str, source_name: str, by: User | None, plan: Plan | None
) -> Plan:
    if plan is None:
        plan = Plan(doc_number=parsed.doc_number)
    else:
        # Replacing: the plan keeps its identity, its content is rebuilt.
        plan.categories.all().delete()
        plan.targets.all().delete()
    plan.title = parsed.title
    plan.issuer = parsed.issuer
    plan.issued_on = parsed.issued_on
    plan.source_text = text
    plan.source_name = source_name
    plan.imported_by = by
    plan.save()

    units = {unit.name: unit for unit in Unit.objects.all()}
    PlanTarget.objects.bulk_create(
        PlanTarget(plan=plan, **_target_fields(target, order))
        for order, target in enumerate(parsed.targets, start=1)
    )
    task_order = 0
    for parsed_category in parsed.categories:
        category = Category.objects.create(
            plan=plan, number=parsed_category.number, title=parsed_category.title
        )
        for parsed_task in parsed_category.tasks:
            task_order += 1
            task = Task.objects.create(
                plan=plan,
                category=category,
                order=task_order,
                number=parsed_task.number,
                title=parsed_task.title,
                lead_unit=units[parsed_task.lead_unit],
            )
            task_units = [
                TaskUnit(task=task, unit=task.lead_unit, role=TaskUnit.Role.LEAD, order=0)
            ]
            task_units += [
                TaskUnit(
                    task=task,
                    unit=units[name],
                    role=TaskUnit.Role.CO_LEAD if co_lead else TaskUnit.Role.CO,
                    order=position,
                )
                for position, (name, co_lead) in enumerate(parsed_task.co_units, start=1)
            ]
            TaskUnit.objects.bulk_create(task_units)
            target_order = 0
            for measure_order, parsed_measure in enumerate(parsed_task.measures, start=1):
                measure = Measure.objects.create(
                    task=task, order=measure_order, text=parsed_measure.text
                )
                MeasureUnit.objects.bulk_create(
                    MeasureUnit(measure=measure, unit=units[name], order=position)
                    for position, name in enumerate(parsed_measure.units)
                )
                for target in parsed_measure.targets:
                    target_order += 1
                    TaskTarget.objects.create(
                        task=task, measure=measure, **_target_fields(target, target_order)
                    )
    return plan
