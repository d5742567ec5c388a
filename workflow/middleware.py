from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from departments.access import refuse_as_missing
from workflow.models import TaskProcess


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
        process = TaskProcess.objects.select_related("plan_task").filter(pk=process_pk).first()
        if process is None or process.flow_class.instance.has_view_permission(
            request.user, process
        ):
            return None
        raise refuse_as_missing(request, process.plan_task)
