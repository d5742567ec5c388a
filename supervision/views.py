"""Supervision pages: the working group's board, a unit's page, supervision
notices (督办单) with their PDF and the unit's answer, interview proposals,
interviews (约谈) with their minutes, and the commitments (整改承诺) made there.

Another unit's record answers 404, as if it did not exist (departments/access.py);
so does an action the person's role does not allow on a record they can see.
"""

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.http import int_param
from departments.access import get_visible_or_404, refuse_as_missing
from departments.models import Unit
from departments.permissions import may_supervise
from supervision import services
from supervision.forms import (
    COMMITMENT_ROWS,
    COMMITMENTS_MAX,
    AnswerForm,
    CommitmentCloseForm,
    CommitmentFormSet,
    CommitmentReportForm,
    DecideForm,
    InterviewForm,
    RecordForm,
    UnitChoiceForm,
)
from supervision.models import Commitment, Interview, InterviewProposal, SupervisionNotice
from supervision.notice_pdf import render_notice_pdf
from supervision.selectors import (
    board,
    commitments_visible_to,
    interview_detail_queryset,
    interview_form_initial,
    interview_page,
    interviews_visible_to,
    may_answer,
    may_report,
    notices_visible_to,
    proposals_visible_to,
    unit_page,
    unit_tasks_for_interview,
    units_visible_to,
)

PAGE_SIZE = 50


# --- The board and a unit's page --------------------------------------------


@require_GET
@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """The working group's board; leadership readers may read it. Anyone else is
    answered as if the page did not exist."""
    if not request.user.sees_whole_city:
        raise Http404
    return render(
        request,
        "supervision/board.html",
        {"board": board(request.user), "can_act": may_supervise(request.user)},
    )


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_visible_or_404(request, Unit.objects.all(), units_visible_to(request.user), pk=pk)
    page = unit_page(unit=unit, user=request.user)
    return render(
        request,
        "supervision/unit_detail.html",
        {"unit": unit, "page": page},
    )


# --- Supervision notices (督办单) -------------------------------------------


@require_GET
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    notices = notices_visible_to(request.user)
    if state == "open":
        notices = notices.filter(answered_at__isnull=True)
    elif state == "answered":
        notices = notices.filter(answered_at__isnull=False)
    else:
        state = ""
    page = Paginator(notices.order_by("-year", "-number"), PAGE_SIZE).get_page(
        request.GET.get("page", 1)
    )
    today = timezone.localdate()
    for notice in page.object_list:
        notice.overdue = notice.answered_at is None and notice.answer_by < today
    return render(
        request,
        "supervision/notice_list.html",
        {"notices": page.object_list, "page": page, "state": state},
    )


def _visible_notice(request: HttpRequest, pk: int) -> SupervisionNotice:
    return get_visible_or_404(
        request, SupervisionNotice.objects.all(), notices_visible_to(request.user), pk=pk
    )


def _notice_page(request: HttpRequest, notice: SupervisionNotice, form: Any) -> HttpResponse:
    can_answer = may_answer(request.user, notice)
    return render(
        request,
        "supervision/notice_detail.html",
        {
            "notice": notice,
            "form": form if can_answer else None,
            "overdue": notice.answered_at is None and notice.answer_by < timezone.localdate(),
        },
    )


@require_GET
@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    return _notice_page(request, notice, AnswerForm())


@require_http_methods(["GET", "POST"])
@login_required
def notice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    if notice.answered_at is not None:
        messages.info(request, _("This notice has already been answered."))
        return redirect(notice)
    if not may_answer(request.user, notice):
        raise refuse_as_missing(request, notice)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.notice_answer(
                notice=notice, by=request.user, answer=form.cleaned_data["answer"]
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The answer to %(number)s is sent.") % {"number": notice.doc_number},
            )
            return redirect(notice)
    return _notice_page(request, notice, form)


@require_GET
@login_required
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    return FileResponse(
        io.BytesIO(render_notice_pdf(notice)),
        as_attachment=True,
        filename=f"{notice.doc_number}.pdf",
        content_type="application/pdf",
    )


# --- Interview proposals ----------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_visible_or_404(
        request, InterviewProposal.objects.all(), proposals_visible_to(request.user), pk=pk
    )
    if not may_supervise(request.user):
        raise refuse_as_missing(request, proposal)
    if proposal.status != InterviewProposal.Status.PROPOSED:
        messages.info(request, _("This proposal has already been decided."))
        return redirect("supervision_board")
    form = DecideForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        accept = "accept" in request.POST
        try:
            services.proposal_decide(
                proposal=proposal, by=request.user, accept=accept, note=form.cleaned_data["note"]
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            if accept:
                messages.success(request, _("The proposal is accepted: schedule the interview."))
                query = QueryDict(mutable=True)
                query.update({"unit": proposal.unit_id, "proposal": proposal.pk})
                return redirect(f"{reverse('interview_new')}?{query.urlencode()}")
            messages.success(request, _("The proposal is dismissed."))
            return redirect("supervision_board")
    return render(request, "supervision/proposal_decide.html", {"proposal": proposal, "form": form})


# --- Interviews (约谈) -------------------------------------------------------


@require_GET
@login_required
def interview_list(request: HttpRequest) -> HttpResponse:
    interviews = interviews_visible_to(request.user).order_by("-held_at", "-pk")
    page = Paginator(interviews, PAGE_SIZE).get_page(request.GET.get("page", 1))
    return render(
        request,
        "supervision/interview_list.html",
        {
            "interviews": page.object_list,
            "page": page,
            "can_schedule": may_supervise(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def interview_new(request: HttpRequest) -> HttpResponse:
    if not may_supervise(request.user):
        raise Http404
    unit_id = int_param(request, "unit")
    if unit_id is None:
        return render(
            request,
            "supervision/interview_form.html",
            {"choose": UnitChoiceForm(request.GET or None)},
        )
    unit = Unit.objects.filter(pk=unit_id, is_active=True).exclude(kind=Unit.Kind.GROUP).first()
    if unit is None:
        raise Http404
    proposal_id = int_param(request, "proposal")
    proposal = (
        InterviewProposal.objects.filter(pk=proposal_id, unit=unit).first()
        if proposal_id is not None
        else None
    )
    tasks = unit_tasks_for_interview(unit)
    form = InterviewForm(
        request.POST if request.method == "POST" else None,
        tasks=tasks,
        initial=interview_form_initial(unit=unit, proposal=proposal),
    )
    if form.is_bound and form.is_valid():
        fields = form.cleaned_data
        try:
            interview = services.interview_schedule(
                by=request.user,
                unit=unit,
                interviewee=fields["interviewee"],
                held_at=fields["held_at"],
                place=fields["place"],
                reason=fields["reason"],
                tasks=list(fields["tasks"]),
                proposal=proposal,
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            services.interview_notify(interview=interview)
            messages.success(
                request,
                _("The interview of %(unit)s is scheduled; its liaisons and leaders are told.")
                % {"unit": unit.name},
            )
            return redirect(interview)
    return render(
        request,
        "supervision/interview_form.html",
        {"unit": unit, "proposal": proposal, "form": form},
    )


@require_GET
@login_required
def interview_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_visible_or_404(
        request, Interview.objects.all(), interview_detail_queryset(request.user), pk=pk
    )
    page = interview_page(interview=interview, user=request.user)
    return render(
        request,
        "supervision/interview_detail.html",
        {"interview": interview, "commitments": page.commitments, "can_record": page.can_record},
    )


def _with_more_rows(data: QueryDict) -> QueryDict:
    data = data.copy()
    key = "commitments-TOTAL_FORMS"
    raw = data.get(key, "")
    total = int(raw) if raw.isdigit() else 0
    data[key] = str(min(total + COMMITMENT_ROWS, COMMITMENTS_MAX))
    return data


@require_http_methods(["GET", "POST"])
@login_required
def interview_record(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_visible_or_404(
        request, Interview.objects.all(), interviews_visible_to(request.user), pk=pk
    )
    if not may_supervise(request.user):
        raise refuse_as_missing(request, interview)
    if interview.status == Interview.Status.HELD:
        messages.info(request, _("The minutes of this interview are already recorded."))
        return redirect(interview)
    data = request.POST if request.method == "POST" else None
    # "More rows" posts what was typed so far and shows it again with empty rows
    # added, without checking it yet (the pages use no JavaScript).
    adding_rows = data is not None and "add_rows" in data
    if adding_rows:
        data = _with_more_rows(data)
    form = RecordForm(data)
    rows = CommitmentFormSet(data, prefix="commitments")
    if data is not None and not adding_rows and form.is_valid() and rows.is_valid():
        try:
            services.interview_record(
                interview=interview,
                by=request.user,
                minutes=form.cleaned_data["minutes"],
                problems=form.cleaned_data["problems"],
                commitments=[(row["text"], row["due_on"]) for row in rows.cleaned_data if row],
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The minutes and the commitments are recorded."))
            return redirect(interview)
    return render(
        request,
        "supervision/interview_record.html",
        {"interview": interview, "form": form, "rows": rows, "show_errors": not adding_rows},
    )


# --- Commitments (整改承诺) --------------------------------------------------


def _visible_commitment(request: HttpRequest, pk: int) -> Commitment:
    return get_visible_or_404(
        request, Commitment.objects.all(), commitments_visible_to(request.user), pk=pk
    )


def _commitment_page(
    request: HttpRequest, commitment: Commitment, form: Any, *, action: str
) -> HttpResponse:
    return render(
        request,
        "supervision/commitment_form.html",
        {
            "commitment": commitment,
            "interview": commitment.interview,
            "form": form,
            "action": action,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def commitment_report(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _visible_commitment(request, pk)
    if commitment.status == Commitment.Status.CLOSED:
        messages.info(request, _("This commitment is closed."))
        return redirect(commitment.interview)
    if not may_report(request.user, commitment):
        raise refuse_as_missing(request, commitment)
    form = CommitmentReportForm(
        request.POST if request.method == "POST" else None,
        initial={"report": commitment.report},
    )
    if form.is_bound and form.is_valid():
        try:
            services.commitment_report(
                commitment=commitment, by=request.user, report=form.cleaned_data["report"]
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your report is sent; the working group will check it."))
            return redirect(commitment.interview)
    return _commitment_page(request, commitment, form, action="report")


@require_http_methods(["GET", "POST"])
@login_required
def commitment_close(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _visible_commitment(request, pk)
    if not may_supervise(request.user):
        raise refuse_as_missing(request, commitment)
    if commitment.status == Commitment.Status.CLOSED:
        messages.info(request, _("This commitment is closed."))
        return redirect(commitment.interview)
    form = CommitmentCloseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        closed = "reopen" not in request.POST
        try:
            services.commitment_close(
                commitment=commitment,
                by=request.user,
                note=form.cleaned_data["note"],
                closed=closed,
            )
        except services.SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The commitment is closed.")
                if closed
                else _("The commitment is sent back to the unit, open."),
            )
            return redirect(commitment.interview)
    return _commitment_page(request, commitment, form, action="close")
