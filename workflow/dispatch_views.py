"""The dispatch page (交办): a supervisor hands a plan's tasks to their lead units."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from departments.access import get_visible_or_404, refuse_as_missing
from departments.permissions import may_supervise
from plans.models import Plan
from plans.selectors import plans_visible_to
from workflow.dispatch import task_dispatch
from workflow.dispatch_forms import DispatchForm
from workflow.services import WorkflowError


def _plan_to_dispatch(request: HttpRequest, plan_pk: int) -> Plan:
    """The plan, for a supervisor; 404 for anyone else (recorded when they can see the plan)."""
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    if not may_supervise(request.user):
        raise refuse_as_missing(request, plan)
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def plan_dispatch(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan_to_dispatch(request, plan_pk)
    today = timezone.localdate()
    form = DispatchForm(request.POST if request.method == "POST" else None, plan=plan, today=today)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            started = task_dispatch(
                tasks=data["chosen"],
                by=request.user,
                today=today,
                acknowledge_by=data["acknowledge_by"],
                complete_by=data["complete_by"],
                county_branches=[task.pk for task in data["county_branches"]],
            )
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            count = len(started)
            messages.success(
                request,
                ngettext("%(count)d task dispatched.", "%(count)d tasks dispatched.", count)
                % {"count": count},
            )
            already = len(data["chosen"]) - count
            if already:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d task was already dispatched and was left as it was.",
                        "%(count)d tasks were already dispatched and were left as they were.",
                        already,
                    )
                    % {"count": already},
                )
            return redirect("plan_detail", plan.pk)
    return render(
        request,
        "workflow/dispatch.html",
        {"plan": plan, "form": form, "sections": form.rows(), "today": today},
    )
