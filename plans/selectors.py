"""Reads that pages share, with their joins and prefetches set, scoped to the person's units."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from departments.access import unit_scope
from departments.models import Unit, User
from plans.models import Category, Measure, MeasureUnit, Plan, Task, TaskUnit


def _responsible(unit_ids: list[int]) -> Exists:
    return Exists(TaskUnit.objects.filter(task=OuterRef("pk"), unit_id__in=unit_ids))


def tasks_visible_to(user: User) -> QuerySet[Task]:
    scope = unit_scope(user)
    tasks = Task.objects.all()
    return tasks if scope is None else tasks.filter(_responsible(scope))


def plans_visible_to(user: User) -> QuerySet[Plan]:
    scope = unit_scope(user)
    plans = Plan.objects.all()
    if scope is None:
        return plans
    return plans.filter(
        Exists(Task.objects.filter(plan=OuterRef("pk")).filter(_responsible(scope)))
    )


def _with_units(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("lead_unit", "category__parent").prefetch_related(
        Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit"))
    )


def plan_tasks(
    *, plan: Plan, user: User, unit: Unit | None = None, category: Category | None = None
) -> QuerySet[Task]:
    """The plan's tasks the person sees, optionally those of one unit or one category.

    Filtering by a county government includes the tasks that fall on the
    county group.
    """
    tasks = tasks_visible_to(user).filter(plan=plan)
    if unit is not None:
        tasks = tasks.filter(_responsible([unit.pk, *unit.member_of.values_list("pk", flat=True)]))
    if category is not None:
        tasks = tasks.filter(category=category)
    return _with_units(tasks).prefetch_related("targets").order_by("order")


def task_detail_queryset(user: User) -> QuerySet[Task]:
    return (
        _with_units(tasks_visible_to(user))
        .select_related("plan")
        .prefetch_related(
            "targets",
            Prefetch(
                "measures",
                queryset=Measure.objects.prefetch_related(
                    Prefetch("measure_units", queryset=MeasureUnit.objects.select_related("unit")),
                    "targets",
                ),
            ),
        )
    )


def units_in_plan(plan: Plan) -> QuerySet[Unit]:
    """Units named in the plan, for the unit filter; the county group's members included."""
    named = Unit.objects.filter(task_units__task__plan=plan).distinct()
    members = Unit.objects.filter(member_of__in=named)
    return (
        (
            Unit.objects.filter(pk__in=named.values("pk"))
            | Unit.objects.filter(pk__in=members.values("pk"))
        )
        .exclude(kind=Unit.Kind.GROUP)
        .order_by("sort_order")
    )
