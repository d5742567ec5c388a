"""What a person finds at a step's URL once the step has moved on.

viewflow answers every claim or handle URL it cannot serve with PermissionDenied:
the owner's second claim (a double click, another tab, the phone), a colleague
who claimed or finished the step a moment earlier, a form sent after the step
was submitted elsewhere. To people who may take the step those are not
refusals, and 无权访问 told them nothing. Here, for every human step of every
flow (workflow.nodes.View wraps its URLs with `steady`):

- the owner's claim of a step they hold opens its form;
- the handle URL of a step nobody holds (released) offers its claim;
- a step claimed by someone else, or finished, answers with a page saying who
  did what and when, what the record waits for now, and where to see it
  (HTTP 200 when opened, 409 when a form was sent to it; JSON for the report
  form's autosave);
- anyone else (another role) keeps viewflow's 403, recorded by
  departments.refusals. Another unit never gets this far: UnitScopeMiddleware
  answers 404 before the view runs.

The state is read after viewflow's view has refused and its transaction has
ended, so what the page says is what stopped the request.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.models import User

ACTIVE = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@dataclass
class WaitingStep:
    """A step of the same record open now."""

    title: str
    unit_name: str
    owner_name: str
    url: str  # the step's own page, when it is for this person; else ""


@dataclass
class StepSituation:
    """What happened to a step, in the words the page shows."""

    task: FlowTask
    process: Any
    headline: str
    waiting: list[WaitingStep]
    finished: bool


def _when(moment: datetime.datetime | None, today: datetime.date) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


def _headline(task: FlowTask, today: datetime.date) -> str:
    node = task.flow_task
    name = str(task.owner) if task.owner_id else _("a colleague")
    if task.status == STATUS.DONE:
        return node.done_text % {"name": name, "time": _when(task.finished, today)}
    if task.status == STATUS.CANCELED:
        return _("This step was withdrawn at %(time)s.") % {"time": _when(task.finished, today)}
    return node.taken_text % {"name": name, "time": _when(task.assigned or task.created, today)}


def step_situation(*, task: FlowTask, user: User) -> StepSituation:
    """The step's outcome and the record's open steps (three queries)."""
    today = timezone.localdate()
    process = task.process.coerced
    open_steps = (
        FlowTask.objects.filter(process_id=process.pk, status__in=ACTIVE)
        .exclude(pk=task.pk)  # a step taken by a colleague: the headline says it
        .select_related("owner")
        .order_by("created", "pk")
    )
    waiting = []
    for step in open_steps:
        node = step.flow_task
        if not hasattr(node, "may_handle"):
            continue  # gateways and joins: nobody waits on them
        mine = step.owner_id == user.pk or (step.owner_id is None and node.may_handle(user, step))
        unit = node.step_unit(step)
        waiting.append(
            WaitingStep(
                title=str(node.task_title),
                unit_name=unit.name if unit is not None else "",
                owner_name=str(step.owner) if step.owner_id else "",
                url=node.reverse("index", args=[process.pk, step.pk]) if mine else "",
            )
        )
    return StepSituation(
        task=task,
        process=process,
        headline=_headline(task, today),
        waiting=waiting,
        finished=process.status == STATUS.DONE,
    )


def _moved_on(task: FlowTask, user: User) -> bool:
    return task.status in (STATUS.DONE, STATUS.CANCELED) or (
        task.owner_id is not None and task.owner_id != user.pk
    )


def steady(node: Any, view: Callable[..., HttpResponse], *, claim: bool) -> Callable[..., Any]:
    """Wrap a step's claim (`claim=True`) or handle URL as the module says."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            answer = _answer(node, request, kwargs["process_pk"], kwargs["task_pk"], claim)
            if answer is None:
                raise
            return answer

    wrapped.__name__ = getattr(view, "__name__", "step_view")
    wrapped.__doc__ = view.__doc__
    # The step's flow, known from the URL: workflow.middleware reads its process in one query.
    wrapped.flow_node = node  # type: ignore[attr-defined]
    return wrapped


def _answer(
    node: Any, request: HttpRequest, process_pk: int, task_pk: int, claim: bool
) -> HttpResponse | None:
    user = request.user
    task = FlowTask.objects.select_related("owner").filter(pk=task_pk).first()
    if task is None or task.process_id != process_pk or not user.is_authenticated:
        return None
    if task.owner_id == user.pk and task.status in (STATUS.ASSIGNED, STATUS.STARTED):
        if claim:
            # The owner's second claim: the step is theirs, open it.
            return HttpResponseRedirect(node.reverse("execute", args=[process_pk, task_pk]))
        return None
    legitimate = task.owner_id == user.pk or node.may_handle(user, task)
    if not legitimate:
        return None
    if task.status == STATUS.NEW and task.owner_id is None and not claim:
        # Released by its owner since the person opened it: offer the claim.
        return HttpResponseRedirect(node.reverse("assign", args=[process_pk, task_pk]))
    if not _moved_on(task, user):
        return None
    situation = step_situation(task=task, user=user)
    status = 409 if request.method == "POST" else 200
    if request.headers.get("X-Autosave") == "1":
        return JsonResponse({"error": situation.headline, "moved_on": True}, status=409)
    return render(request, "workflow/step_taken.html", {"situation": situation}, status=status)
