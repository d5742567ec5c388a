"""Bulletin pages: a plan's bulletins, the draft's preview and edit, issuing, the
issued bulletin with who has read it, and its PDF.

Another unit's record answers 404, as if it did not exist (departments/access.py);
so does an action the person's role does not allow on a record they can see.
"""

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bulletins import background, services, tasks
from bulletins.content import gather
from bulletins.forms import BulletinForm, DraftForm
from bulletins.jobs import ISSUE_KIND, issue_job_of
from bulletins.models import Bulletin
from bulletins.render import fields_of, preview_html, render_pdf
from bulletins.sections import pick_choices
from bulletins.selectors import (
    bulletins_visible_to,
    issue_outlook,
    issue_refusal,
    recipients_of,
)
from departments.access import client_ip, get_visible_or_404, refuse_as_missing
from departments.permissions import may_supervise
from files.responses import attachment_response
from jobs.models import Job
from jobs.services import job_create
from plans.models import Plan
from plans.selectors import plans_visible_to


def _visible(request: HttpRequest, pk: int) -> Bulletin:
    return get_visible_or_404(
        request, Bulletin.objects.all(), bulletins_visible_to(request.user), pk=pk
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_bulletins(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    supervisor = may_supervise(request.user)
    form = DraftForm(request.POST or None, plan=plan) if supervisor else None
    if request.method == "POST":
        if not supervisor:
            raise refuse_as_missing(request, plan)
        if form.is_valid():
            try:
                bulletin = services.bulletin_draft(
                    plan=plan, round=form.cleaned_data["round"], by=request.user
                )
            except services.BulletinError as error:
                form.add_error(None, error.message)
            else:
                return redirect("bulletin_detail", bulletin.pk)
    bulletins = bulletins_visible_to(request.user).filter(plan=plan)
    return render(
        request,
        "bulletins/list.html",
        {"plan": plan, "bulletins": bulletins, "form": form, "supervisor": supervisor},
    )


def _edit_form(bulletin: Bulletin, data: Any = None) -> BulletinForm:
    return BulletinForm(
        data,
        initial={
            "addressees": bulletin.addressees,
            "opening": bulletin.opening,
            "closing": bulletin.closing,
            "units": list(bulletin.units.values_list("pk", flat=True)),
            "leadership": bulletin.to_leadership,
            "copy_to": bulletin.copy_to,
        },
    )


def _draft_page(request: HttpRequest, bulletin: Bulletin, form: BulletinForm) -> HttpResponse:
    data = gather(bulletin.plan, bulletin.round, timezone.localdate(), picks=bulletin.picks)
    picked = {pick["entry"]: pick["text"] for pick in bulletin.picks}
    choices = pick_choices(bulletin.round)
    for choice in choices:
        choice["picked"] = choice["entry"] in picked
        choice["text"] = picked.get(choice["entry"], choice["text"])
    return render(
        request,
        "bulletins/draft.html",
        {
            "bulletin": bulletin,
            "form": form,
            "choices": choices,
            "inline": background.renders_inline(bulletin),
            "document_html": preview_html(data, fields_of(bulletin)),
        },
    )


@require_GET
@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request, pk)
    if not bulletin.is_issued and request.GET.get("progress"):
        # Polled by static/js/progress.js while the draft PDF renders.
        return JsonResponse(
            {
                "state": bulletin.render_state,
                "label": bulletin.get_render_state_display(),
                "progress": bulletin.progress,
            }
        )
    if not bulletin.is_issued:
        return _draft_page(request, bulletin, _edit_form(bulletin))
    services.bulletin_open(bulletin=bulletin, by=request.user)
    context: dict[str, Any] = {"bulletin": bulletin}
    if may_supervise(request.user):
        opened = {receipt.user_id: receipt for receipt in bulletin.receipts.all()}
        context["readers"] = [
            {"person": person, "receipt": opened.get(person.pk)}
            for person in recipients_of(bulletin).select_related("unit")
        ]
        context["read_count"] = sum(1 for row in context["readers"] if row["receipt"])
    snapshot = bulletin.snapshot or {}
    context["document_html"] = preview_html(snapshot["data"], snapshot["fields"])
    return render(request, "bulletins/detail.html", context)


@require_POST
@login_required
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request, pk)
    if not may_supervise(request.user) or bulletin.is_issued:
        raise refuse_as_missing(request, bulletin)
    form = _edit_form(bulletin, request.POST)
    if form.is_valid():
        picks = [
            {"entry": entry, "text": request.POST.get(f"text-{entry}", "")}
            for entry in request.POST.getlist("pick")
            if entry.isdigit()
        ]
        try:
            services.bulletin_update(
                bulletin=bulletin,
                by=request.user,
                opening=form.cleaned_data["opening"],
                closing=form.cleaned_data["closing"],
                picks=picks,
                addressees=form.cleaned_data["addressees"],
                distribution={
                    "units": [unit.pk for unit in form.cleaned_data["units"]],
                    "leadership": form.cleaned_data["leadership"],
                    "copy_to": form.cleaned_data["copy_to"],
                },
            )
        except services.BulletinError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("bulletin_detail", bulletin.pk)
    return _draft_page(request, bulletin, form)


@require_http_methods(["GET", "POST"])
@login_required
def bulletin_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation step of issuing: what issuing will do (the number it takes,
    the reports not yet due or not in, who is notified), then the explicit yes of a
    ticked box, which the service requires."""
    bulletin = _visible(request, pk)
    if not may_supervise(request.user):
        raise refuse_as_missing(request, bulletin)
    if bulletin.is_issued:
        return redirect("bulletin_detail", bulletin.pk)
    running = issue_job_of(bulletin)
    if running is not None and running.requested_by_id == request.user.pk:
        return redirect(running)
    error = ""
    if request.method == "POST":
        confirmed = request.POST.get("confirmed") == "yes"
        error = issue_refusal(bulletin=bulletin, by=request.user, confirmed=confirmed)
        if not error:
            # Issued by a job (a worker): the page follows its progress, then leads to
            # the bulletin. Without a worker in the tests, the job is done already.
            job = job_create(
                kind=ISSUE_KIND,
                by=request.user,
                params={"bulletin": bulletin.pk, "confirmed": True},
                language=get_language() or "",
                client_ip=client_ip(request),
            )
            if job.state == Job.State.FAILED:
                error = job.error
            elif job.state != Job.State.DONE:
                return redirect(job)
            else:
                bulletin.refresh_from_db()
                messages.success(
                    request,
                    _("Bulletin %(number)s is issued.") % {"number": bulletin.number_text},
                )
                return redirect("bulletin_detail", bulletin.pk)
    return render(
        request,
        "bulletins/issue_confirm.html",
        {
            "bulletin": bulletin,
            "outlook": issue_outlook(bulletin, timezone.localdate()),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_GET
@login_required
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request, pk)
    if bulletin.is_issued:
        services.bulletin_open(bulletin=bulletin, by=request.user)
        name = f"{bulletin.plan.doc_number}-{bulletin.year}-{bulletin.number_text}.pdf"
        return attachment_response(bulletin.pdf, name, content_type="application/pdf")
    if not background.renders_inline(bulletin):
        # A large plan: the PDF the background task rendered, else queue it and show
        # the draft page, which polls the progress.
        if bulletin.render_state == Bulletin.RenderState.DONE and bulletin.draft_pdf:
            name = f"{bulletin.plan.doc_number}-{bulletin.round.period}-草稿.pdf"
            return attachment_response(bulletin.draft_pdf, name, content_type="application/pdf")
        tasks.bulletin_render_request(bulletin=bulletin)
        messages.info(request, _("The draft PDF is being prepared; its link follows here."))
        return redirect("bulletin_detail", bulletin.pk)
    data = gather(bulletin.plan, bulletin.round, timezone.localdate(), picks=bulletin.picks)
    pdf = render_pdf(data, fields_of(bulletin))
    return FileResponse(
        io.BytesIO(pdf),
        as_attachment=True,
        filename=f"{bulletin.plan.doc_number}-{bulletin.round.period}-草稿.pdf",
        content_type="application/pdf",
    )
