"""The dispatch form (交办): which of a plan's tasks go out, with which deadlines."""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Category, Plan, Task, TaskUnit
from workflow.models import TaskProcess
from workflow.selectors import default_deadlines

_DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


def deadline_problems(
    *,
    acknowledge_by: datetime.date | None,
    complete_by: datetime.date | None,
    today: datetime.date,
) -> list[tuple[str, str]]:
    """What is wrong with the deadlines as given, as (field, message) pairs.

    Only the dates the person typed are checked here; a typed date that clashes
    with a task's default for the other deadline is refused by task_dispatch.
    """
    problems = []
    if acknowledge_by is not None and acknowledge_by < today:
        problems.append(
            ("acknowledge_by", str(_("The acknowledgement deadline cannot be in the past.")))
        )
    if complete_by is not None and complete_by < today:
        problems.append(("complete_by", str(_("The completion deadline cannot be in the past."))))
    elif complete_by is not None and acknowledge_by is not None and complete_by < acknowledge_by:
        problems.append(
            (
                "complete_by",
                str(_("The completion deadline cannot come before the acknowledgement deadline.")),
            )
        )
    return problems


def has_county_group(task: Task) -> bool:
    """Whether the task falls on the county governments (needs task_units prefetched)."""
    return any(tu.unit.kind == Unit.Kind.GROUP for tu in task.task_units.all())


def dispatch_queryset(plan: Plan) -> QuerySet[Task]:
    """The plan's tasks with what dispatching them reads (default deadlines, units)."""
    return (
        Task.objects.filter(plan=plan)
        .select_related("plan", "category", "lead_unit")
        .prefetch_related(
            "targets", Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit"))
        )
        .order_by("order")
    )


@dataclass
class DispatchRow:
    task: Task
    process: TaskProcess | None
    default_acknowledge_by: datetime.date
    default_complete_by: datetime.date
    has_counties: bool
    chosen: bool
    county_chosen: bool


class DispatchForm(forms.Form):
    PLAN, CATEGORY, TASKS = "plan", "category", "tasks"

    scope = forms.ChoiceField(
        label=_("What to dispatch"),
        choices=[
            (PLAN, _("The whole plan")),
            (CATEGORY, _("One category")),
            (TASKS, _("The tasks ticked below")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what to dispatch.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a category of this plan.")},
    )
    # Every task of the plan is a valid choice, dispatched or not: a task
    # dispatched since the page was opened is skipped, not an error.
    tasks = forms.ModelMultipleChoiceField(
        label=_("Tasks"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only tasks of this plan.")},
    )
    acknowledge_by = forms.DateField(
        label=_("Acknowledge by"), required=False, widget=forms.DateInput(**_DATE_WIDGET)
    )
    complete_by = forms.DateField(
        label=_("Complete by"), required=False, widget=forms.DateInput(**_DATE_WIDGET)
    )
    county_branches = forms.ModelMultipleChoiceField(
        label=_("County branches"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "County branches can be asked for only on tasks of this plan that fall on "
                "the county governments."
            )
        },
    )

    def __init__(self, *args: Any, plan: Plan, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.today = today
        self.fields["category"].queryset = plan.categories.all()
        self.fields["tasks"].queryset = Task.objects.filter(plan=plan)
        self.fields["county_branches"].queryset = Task.objects.filter(
            plan=plan, task_units__unit__kind=Unit.Kind.GROUP
        ).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for field, message in deadline_problems(
            acknowledge_by=data.get("acknowledge_by"),
            complete_by=data.get("complete_by"),
            today=self.today,
        ):
            self.add_error(field, message)
        scope = data.get("scope")
        chosen: list[Task] = []
        if scope == self.PLAN:
            chosen = list(dispatch_queryset(self.plan))
        elif scope == self.CATEGORY:
            if data.get("category") is None:
                if "category" not in self.errors:
                    self.add_error("category", _("Choose the category to dispatch."))
            else:
                chosen = list(dispatch_queryset(self.plan).filter(category=data["category"]))
        elif scope == self.TASKS:
            picked = data.get("tasks")
            if picked:
                chosen = list(dispatch_queryset(self.plan).filter(pk__in=picked))
            elif "tasks" not in self.errors:
                self.add_error("tasks", _("Choose at least one task."))
        if scope in (self.PLAN, self.CATEGORY) and not chosen and "category" not in self.errors:
            self.add_error(None, _("There is no task to dispatch there."))
        chosen_pks = {task.pk for task in chosen}
        for task in data.get("county_branches") or []:
            if chosen and task.pk not in chosen_pks:
                self.add_error(
                    "county_branches",
                    _(
                        "Task %(number)s is not among the tasks to dispatch: choose it too, "
                        "or clear its county branches."
                    )
                    % {"number": task.number},
                )
        data["chosen"] = chosen
        return data

    def rows(self) -> list[tuple[Category, list[DispatchRow]]]:
        """The plan's tasks by category, as the page lists them, with what the
        person ticked kept on a page shown again with errors."""
        processes = {
            process.plan_task_id: process
            for process in TaskProcess.objects.filter(plan_task__plan=self.plan)
        }
        chosen = {str(value) for value in self["tasks"].value() or []}
        county = {str(value) for value in self["county_branches"].value() or []}
        sections: dict[int, tuple[Category, list[DispatchRow]]] = {}
        for task in dispatch_queryset(self.plan):
            acknowledge_by, complete_by = default_deadlines(task, self.today)
            row = DispatchRow(
                task=task,
                process=processes.get(task.pk),
                default_acknowledge_by=acknowledge_by,
                default_complete_by=complete_by,
                has_counties=has_county_group(task),
                chosen=str(task.pk) in chosen,
                county_chosen=str(task.pk) in county,
            )
            sections.setdefault(task.category_id, (task.category, []))[1].append(row)
        return list(sections.values())
