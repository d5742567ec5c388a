"""Changes to an imported plan's tasks before work starts on them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from audit.services import audit_record
from departments.models import Unit, User
from departments.permissions import require_supervisor
from plans.models import Plan, Task, TaskUnit


class PlanChangeError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def task_unassigned_settle(*, task: Task, phrase: str, unit: Unit | None, by: User) -> Task:
    """Settle one vague responsibility (各有关单位) the plan left on a task: give it to
    `unit` as a co-responsible unit, or, with no unit, drop it as needing nobody.

    Only before the plan is dispatched: once units are at work, who answers for a task
    is changed by the working group's decision, not here.
    """
    require_supervisor(by, PlanChangeError)
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
        if task.plan.status != Plan.Status.IMPORTED:
            raise PlanChangeError(
                _(
                    "The plan's tasks have been dispatched: its responsible units are no "
                    "longer changed here."
                )
            )
        if phrase not in task.unassigned:
            raise PlanChangeError(
                _("“%(phrase)s” is no longer waiting to be assigned on this task.")
                % {"phrase": phrase}
            )
        if unit is not None and not unit.is_active:
            raise PlanChangeError(_("Choose a unit still in the registry."))
        added = False
        if unit is not None and not task.task_units.filter(unit=unit).exists():
            last = task.task_units.aggregate(last=Max("order"))["last"] or 0
            TaskUnit.objects.create(task=task, unit=unit, role=TaskUnit.Role.CO, order=last + 1)
            added = True
        task.unassigned = [other for other in task.unassigned if other != phrase]
        task.save(update_fields=["unassigned"])
        audit_record(
            action="task.unassigned_settle",
            by=by,
            obj=task,
            summary={
                "phrase": phrase,
                "unit": unit.name if unit is not None else None,
                "added": added,
            },
        )
    return task
