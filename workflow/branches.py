"""Which units write a part of a task's work plan, in each pass."""

from typing import Any

from departments.models import Unit
from workflow.models import TaskEvent, TaskProcess

RETURN_ACTION = TaskEvent.Action.RETURN


def work_plan_branches(process: TaskProcess) -> list[dict[str, Any]]:
    """One branch per unit: the lead unit and its co-units on the first pass;
    after a return, the lead unit and the co-units the reviewer named.

    The county group (18 governments on nearly every task) is informed rather
    than given a branch, unless the supervisor asked for county branches on
    this task at dispatch; then each county government gets its own.
    """
    task = process.plan_task
    last_return = process.events.filter(action=RETURN_ACTION).order_by("-at", "-id").first()
    units: list[Unit] = []
    for task_unit in task.task_units.select_related("unit").order_by("order"):
        unit = task_unit.unit
        if unit.kind == Unit.Kind.GROUP:
            if process.county_branches:
                units.extend(unit.members.order_by("sort_order"))
            continue
        units.append(unit)
    lead = task.lead_unit_id
    if last_return is not None:
        named = set(last_return.units.values_list("pk", flat=True))
        units = [unit for unit in units if unit.pk == lead or unit.pk in named]
    seen: set[int] = set()
    branches = []
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            branches.append({"unit": unit.pk, "lead": unit.pk == lead})
    return branches
