from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Process as FlowProcess
from viewflow.workflow.models import Task as FlowTask

from departments.access import refuse_as_missing


class UnitScopeMiddleware:
    """Another unit's process answers 404 on viewflow's pages too.

    viewflow refuses with PermissionDenied (403), and some of its URLs (a
    task's index) redirect without any check, either of which tells a person
    of an unrelated unit that process N exists. Every URL naming a process is
    checked before its view runs: a process the person's unit has nothing to
    do with answers 404 (and the attempt is recorded); a refusal to someone
    of the task's own units (a colleague's claimed step) stays viewflow's 403.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: dict[str, Any]
    ) -> None:
        process_pk = kwargs.get("process_pk")
        if process_pk is None or not request.user.is_authenticated:
            return None
        process = self._process(view, process_pk)
        if process is None:
            return None
        if not process.flow_class.instance.has_view_permission(request.user, process):
            raise refuse_as_missing(request, process.audit_object())
        task_pk = kwargs.get("task_pk")
        if task_pk is not None and not self._task_matches_url(request, process, task_pk):
            # viewflow loads a step by its id alone: a step of another process,
            # or of another node, under this URL would run the wrong page on it.
            raise refuse_as_missing(request, process.audit_object())
        return None

    @staticmethod
    def _process(view: Callable, process_pk: int) -> FlowProcess | None:
        """The process the URL names, as its flow's own class (a UnitReport …).
        A human step's URL knows its flow (workflow.step_taken.steady): one
        query; any other URL, or a process of another flow, the row and then
        its flow's class."""
        node = getattr(view, "flow_node", None)
        if node is not None:
            flow_class = node.flow_class
            process = (
                flow_class.process_class._default_manager.filter(
                    pk=process_pk, flow_class=flow_class
                )
                .order_by()
                .first()
            )
            if process is not None:
                return process.coerced
        found = FlowProcess.objects.filter(pk=process_pk).first()
        return found.coerced if found is not None else None

    @staticmethod
    def _task_matches_url(request: HttpRequest, process: FlowProcess, task_pk: int) -> bool:
        task = FlowTask.objects.filter(pk=task_pk).only("process_id", "flow_task").first()
        if task is None or task.process_id != process.pk:
            return False
        namespaces = request.resolver_match.namespaces if request.resolver_match else []
        return bool(namespaces) and task.flow_task.name == namespaces[-1]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, FlowLockFailed):
            return None
        # A colleague's action on the same task holds it past viewflow's retries.
        return render(
            request,
            "workflow/busy.html",
            {"message": _("Someone is working on this task right now. Try again in a moment.")},
            status=409,
        )
