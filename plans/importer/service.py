"""Writing a parsed plan to the database, all or nothing."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from departments.models import Unit, User
from departments.services import unit_create
from plans.importer.corrections import ImportCorrections
from plans.importer.errors import PlanImportError
from plans.importer.parsed import ParsedCategory, ParsedTask
from plans.importer.parser import ParsedPlan, ParsedTarget
from plans.importer.prepare import plan_prepare
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
    corrections: ImportCorrections | None = None,
) -> PlanImportResult:
    """Import a plan from its published file (text, web page, Word or PDF).

    Nothing is written when the file is refused, when a problem is left (a task
    without a lead, an unknown unit not chosen for creation), when `dry_run` is set,
    or when the document number is already imported and `replace` is not set.
    Vague names (各有关单位) are never created: they stay on the task, to be assigned.
    """
    prepared = plan_prepare(data=data, source_name=source_name, corrections=corrections)
    parsed, unknown = prepared.parsed, prepared.unknown
    if prepared.problems:
        raise PlanImportError(prepared.problems[0])
    if unknown and not create_units:
        raise PlanImportError(_unknown_units_message(unknown))
    parsed.doc_number = prepared.doc_number
    new_units = [*prepared.create, *unknown]
    result = PlanImportResult(parsed=parsed, new_units=new_units, dry_run=dry_run)
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
            for name in new_units:
                unit_create(name=name, by=by)
            result.plan = _write_plan(
                parsed, text=prepared.text, source_name=source_name, by=by, plan=existing
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
                    "tasks": len(parsed.tasks),
                    "new_units": new_units,
                    "to_be_assigned": sum(1 for task in parsed.tasks if task.vague),
                    "corrections": (corrections or ImportCorrections()).to_json(),
                },
            )
    except IntegrityError:
        # Another import of the same document number committed first.
        existing = Plan.objects.filter(doc_number=parsed.doc_number).first()
        if existing is None:
            raise
        result.plan, result.existed, result.created = existing, True, False
    return result


def targets_unsaved(targets: list[ParsedTarget]) -> list[PlanTarget]:
    """Targets as an import writes them, not saved: what the import page shows beforehand."""
    return [PlanTarget(**_target_fields(target, order)) for order, target in enumerate(targets, 1)]


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
    counter = {"category": 0, "task": 0}

    def write_category(parsed_category: ParsedCategory, parent: Category | None) -> None:
        counter["category"] += 1
        category = Category.objects.create(
            plan=plan,
            parent=parent,
            order=counter["category"],
            number=parsed_category.number,
            label=parsed_category.label,
            title=parsed_category.title,
        )
        for parsed_task in parsed_category.tasks:
            counter["task"] += 1
            _write_task(plan, category, parsed_task, counter["task"], units)
        for sub in parsed_category.subcategories:
            write_category(sub, category)

    for parsed_category in parsed.categories:
        write_category(parsed_category, None)
    return plan


def _write_task(
    plan: Plan, category: Category, parsed_task: ParsedTask, order: int, units: dict[str, Unit]
) -> None:
    deadline = parsed_task.deadline
    task = Task.objects.create(
        plan=plan,
        category=category,
        order=order,
        number=parsed_task.number,
        title=parsed_task.title[:300],
        lead_unit=units[parsed_task.lead_unit],
        deadline=deadline.date if deadline else None,
        deadline_text=deadline.text[:60] if deadline else "",
        standing=bool(deadline and deadline.standing),
        unassigned=list(parsed_task.vague),
    )
    task_units = [TaskUnit(task=task, unit=task.lead_unit, role=TaskUnit.Role.LEAD, order=0)]
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
        measure = Measure.objects.create(task=task, order=measure_order, text=parsed_measure.text)
        MeasureUnit.objects.bulk_create(
            MeasureUnit(measure=measure, unit=units[name], order=position)
            for position, name in enumerate(parsed_measure.units)
        )
        for target in parsed_measure.targets:
            target_order += 1
            TaskTarget.objects.create(
                task=task, measure=measure, **_target_fields(target, target_order)
            )
