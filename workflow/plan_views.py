from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from common.http import int_param
from departments.access import get_visible_or_404
from departments.models import Unit, User
from departments.permissions import may_supervise
from departments.selectors import unit_resolver
from plans.models import Plan, Task
from plans.selectors import (
    plan_tasks,
    plans_visible_to,
    task_detail_queryset,
    units_in_plan,
)
from supervision.selectors import light_history, lights_for_plan
from workflow.selectors import process_panel


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the auditor at the trail, the
    administrator at the accounts, everyone else at the plans."""
    if request.user.role == User.Role.AUDITOR:
        return redirect("audit_events")
    if request.user.role == User.Role.ADMIN:
        return redirect("admin:index")
    return plan_list(request)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = plans_visible_to(request.user).order_by("-issued_on", "title")
    return render(
        request,
        "workflow/plan_list.html",
        {"plans": plans, "may_import": may_supervise(request.user)},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_visible_or_404(request, Plan.objects.all(), plans_visible_to(user), pk=pk)
    categories = list(plan.categories.all())
    # Only people who see the whole city choose a unit; a liaison's view is
    # their own unit's already.
    unit_choices = list(units_in_plan(plan)) if user.sees_whole_city else []
    unit = None
    unit_id = int_param(request, "unit")
    if unit_choices and unit_id is not None:
        unit = next((u for u in unit_choices if u.pk == unit_id), None)
        if unit is None:
            unit = get_object_or_404(Unit, pk=unit_id)
    category_id = int_param(request, "category")
    category = next((c for c in categories if c.pk == category_id), None)
    tasks = list(plan_tasks(plan=plan, user=user, unit=unit, category=category))
    by_category: dict[int, list[Task]] = {}
    for task in tasks:
        by_category.setdefault(task.category_id, []).append(task)
    # A sub-category's section is headed by its parent the first time the parent appears.
    sections = []
    shown_parents: set[int] = set()
    by_pk = {c.pk: c for c in categories}
    for c in categories:
        if c.pk not in by_category:
            continue
        parent = by_pk.get(c.parent_id) if c.parent_id else None
        if parent is not None and parent.pk in shown_parents:
            parent = None
        elif parent is not None:
            shown_parents.add(parent.pk)
        sections.append((c, by_category[c.pk], parent))
    return render(
        request,
        "workflow/plan_detail.html",
        {
            "plan": plan,
            "targets": plan.targets.all(),
            "sections": sections,
            "task_count": len(tasks),
            "categories": categories,
            "unit_choices": unit_choices,
            "selected_unit": unit,
            "selected_category": category,
            "own_unit": None if user.sees_whole_city else user.unit,
            "lights": lights_for_plan(plan, user, tasks=tasks),
            # The plan's own 完成时限 get a column when it sets any (the Xingtai plan does not).
            "deadlines": any(task.deadline_text or task.standing for task in tasks),
        },
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_visible_or_404(
        request, Task.objects.all(), task_detail_queryset(request.user), pk=pk
    )
    panel = process_panel(plan_task=task, user=request.user)
    lights = lights_for_plan(task.plan, request.user, tasks=[task])
    # A supervisor settles the plan's 各有关单位 on a task until its plan is dispatched.
    settle_unassigned = bool(
        task.unassigned and may_supervise(request.user) and task.plan.status == Plan.Status.IMPORTED
    )
    return render(
        request,
        "workflow/task_detail.html",
        {
            "task": task,
            "plan": task.plan,
            "panel": panel,
            "settle_unassigned": settle_unassigned,
            "unit_names": unit_resolver().names() if settle_unassigned else [],
            "light": lights.get(task.pk),
            # The current round's row is today's light, the header's.
            "light_history": light_history(task=task, now=(lights, {})),
        },
    )
