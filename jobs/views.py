"""A job's page: its progress while it runs (polled by static/js/job_progress.js),
then the link to its file or its result; and the download. Only the person who
asked for a job sees it: anyone else gets 404, and the attempt is recorded."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from departments.access import client_ip, refuse_as_missing
from files.responses import attachment_response
from jobs.models import Job
from jobs.registry import kind_label
from jobs.services import job_download


def _own_job(request: HttpRequest, pk: int) -> Job:
    job = Job.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    if job.requested_by_id != request.user.pk:
        raise refuse_as_missing(request, job)
    return job


def _status(job: Job) -> dict[str, object]:
    return {
        "state": job.state,
        "label": job.stage or job.get_state_display(),
        "progress": job.progress,
    }


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if request.GET.get("progress"):
        return JsonResponse(_status(job))
    if job.state == Job.State.DONE and job.result_url and not job.result:
        # Its result is a page of the site (an issued bulletin): go there.
        return redirect(job.result_url)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "kind_label": kind_label(job.kind),
            "keep_days": settings.JOBS_KEEP_DAYS,
            **_status(job),
        },
    )


@require_GET
@login_required
def job_file(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    job_download(job=job, by=request.user, client_ip=client_ip(request))
    return attachment_response(job.result, job.result_name, content_type=job.result_type or None)
