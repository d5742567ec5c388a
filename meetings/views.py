"""Meeting pages: the plan's meetings, the record form, a meeting, closing an item.

Another unit's meeting or item answers 404, as if it did not exist
(departments/access.py); so does an action the person's role does not allow.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from departments.access import get_visible_or_404, refuse_as_missing
from meetings import services
from meetings.access import closable_unit_ids, may_close, may_record, may_reopen
from meetings.forms import DECISION_ROWS, DecisionFormSet, MeetingForm, NoteForm, ReopenForm
from meetings.models import Decision, Meeting
from meetings.selectors import (
    decisions_visible_to,
    meeting_detail_queryset,
    meetings_visible_to,
    plan_meetings,
)
from plans.models import Plan
from plans.selectors import plans_visible_to


def _plan_for_meetings(request: HttpRequest, plan_pk: int) -> Plan:
    """The plan, for someone who sees it or one of its meetings; 404 otherwise (recorded)."""
    plan = Plan.objects.filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    user = request.user
    if not (
        plans_visible_to(user).filter(pk=plan.pk).exists()
        or meetings_visible_to(user, plan).exists()
    ):
        raise refuse_as_missing(request, plan)
    return plan


@login_required
def plan_meeting_list(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan_for_meetings(request, plan_pk)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "plan": plan,
            "meetings": list(plan_meetings(plan=plan, user=request.user)),
            "can_record": may_record(request.user),
        },
    )


def _with_more_rows(data: QueryDict) -> QueryDict:
    data = data.copy()
    key = "decisions-TOTAL_FORMS"
    raw = data.get(key, "")
    total = int(raw) if raw.isdigit() else 0
    data[key] = str(min(total + DECISION_ROWS, services.DECISIONS_MAX))
    return data


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    if not may_record(request.user):
        raise refuse_as_missing(request, plan)
    data = request.POST if request.method == "POST" else None
    # "More rows" posts what was typed so far and shows it again with empty rows
    # added, without checking it yet (the pages use no JavaScript).
    adding_rows = data is not None and "add_rows" in data
    if adding_rows:
        data = _with_more_rows(data)
    form = MeetingForm(data, plan=plan)
    decisions = DecisionFormSet(data, prefix="decisions", form_kwargs={"plan": plan})
    if data is not None and not adding_rows and form.is_valid() and decisions.is_valid():
        fields = form.cleaned_data
        try:
            meeting = services.meeting_record(
                plan=plan,
                by=request.user,
                held_on=fields["held_on"],
                place=fields["place"],
                chair=fields["chair"],
                units=fields["units"],
                attendees=fields["attendees"],
                tasks=fields["tasks"],
                summary=fields["summary"],
                decisions=[
                    services.DecisionInput(
                        text=row["text"],
                        owner_unit=row["owner_unit"],
                        due_on=row["due_on"],
                        task=row.get("task"),
                    )
                    for row in decisions.cleaned_data
                    if row
                ],
            )
        except services.MeetingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The meeting is recorded."))
            return redirect("meeting_detail", meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "plan": plan,
            "form": form,
            "decisions": decisions,
            "show_errors": not adding_rows,
        },
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_visible_or_404(
        request, Meeting.objects.all(), meeting_detail_queryset(request.user), pk=pk
    )
    items = list(meeting.decisions.all())
    owners = {item.owner_unit_id: item.owner_unit for item in items}
    closable = closable_unit_ids(request.user, owners.values())
    for item in items:
        item.can_close = item.is_open and (closable is None or item.owner_unit_id in closable)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "plan": meeting.plan,
            "decisions": items,
            "can_reopen": may_reopen(request.user),
        },
    )


def _visible_decision(request: HttpRequest, pk: int) -> Decision:
    return get_visible_or_404(
        request,
        Decision.objects.all(),
        decisions_visible_to(request.user).select_related("meeting__plan", "owner_unit", "task"),
        pk=pk,
    )


def _decision_page(
    request: HttpRequest, decision: Decision, form: Any, *, action: str
) -> HttpResponse:
    return render(
        request,
        "meetings/decision_form.html",
        {
            "decision": decision,
            "meeting": decision.meeting,
            "plan": decision.meeting.plan,
            "form": form,
            "action": action,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_close(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _visible_decision(request, pk)
    if not may_close(request.user, decision):
        raise refuse_as_missing(request, decision)
    if not decision.is_open:
        messages.info(request, _("This agreed item is already closed."))
        return redirect("meeting_detail", decision.meeting_id)
    form = NoteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.decision_close(
                decision=decision, by=request.user, note=form.cleaned_data["note"]
            )
        except services.MeetingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The agreed item is closed."))
            return redirect("meeting_detail", decision.meeting_id)
    return _decision_page(request, decision, form, action="close")


@login_required
@require_http_methods(["GET", "POST"])
def decision_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _visible_decision(request, pk)
    if not may_reopen(request.user):
        raise refuse_as_missing(request, decision)
    if decision.is_open:
        messages.info(request, _("This agreed item is still open."))
        return redirect("meeting_detail", decision.meeting_id)
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.decision_reopen(
                decision=decision, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.MeetingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The agreed item is open again."))
            return redirect("meeting_detail", decision.meeting_id)
    return _decision_page(request, decision, form, action="reopen")
