"""viewflow's URLs for the task flow, kept inside the product's own pages.

viewflow's Material dashboards, process lists, flow charts and process pages
show strings that are not in any catalogue (column names, "1-25 of 27",
model field names, the node names on the chart) and list processes by model
permission rather than by unit. The product has its own scoped pages for all
of them (the task page, "My steps"), so those URLs lead there; the step pages
(claim, release, handle, detail) stay viewflow's views, with templates of
our own.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowViewset
from viewflow.workflow.models import Process


def process_page(request: HttpRequest, process_pk: int) -> HttpResponse:
    # The unit rule was applied by UnitScopeMiddleware before this runs.
    process = get_object_or_404(Process, pk=process_pk).coerced
    return HttpResponseRedirect(process.get_absolute_url())


class TaskFlowViewset(FlowViewset):
    index_path = path("", RedirectView.as_view(pattern_name="my_tasks"), name="index")
    process_list_path = path(
        "flows/", RedirectView.as_view(pattern_name="plan_list"), name="process_list"
    )
    task_list_path = path("tasks/", RedirectView.as_view(pattern_name="my_tasks"), name="task_list")
    process_detail_path = path("<int:process_pk>/", process_page, name="process_detail")
    # Terminating a task is the product's own action, with a reason and history.
    process_cancel_path = None
    chart_path = None
    flow_chart_path = None
