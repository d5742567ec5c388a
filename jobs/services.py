"""Asking for a job and downloading what it made: both audited (the file is data
leaving the system, like the direct exports). The run itself is in jobs.runner."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from departments.models import User
from jobs.models import Job
from jobs.registry import KINDS
from jobs.runner import tell_requester
from jobs.tasks import job_start

LOST_MESSAGE = gettext_noop(
    "The job stopped before it finished (the server was restarted). Ask for it again."
)


def job_create(
    *,
    kind: str,
    by: User,
    params: dict[str, Any],
    language: str = "",
    client_ip: str | None = None,
) -> Job:
    """Record a job for `by` and start it (a worker, or this process without a
    broker: jobs.tasks). `params` is what the kind needs to run, plain JSON;
    the audit row keeps it."""
    if kind not in KINDS:
        raise ValueError(f"Unknown job kind: {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, requested_by=by, unit=by.unit, params=params, language=language[:10]
        )
        audit_record(
            action="job.create",
            by=by,
            obj=job,
            client_ip=client_ip,
            summary={"kind": kind, "params": params},
        )
        job_start(job.pk)
    job.refresh_from_db()  # "sync" ran it already
    return job


def job_download(*, job: Job, by: User, client_ip: str | None = None) -> Job:
    """The requester downloads the job's file (anyone else: Http404, the view
    records the attempt); the audit row says who took which file."""
    if job.requested_by_id != by.pk or job.state != Job.State.DONE or not job.result:
        raise Http404
    audit_record(
        action="job.download",
        by=by,
        obj=job,
        client_ip=client_ip,
        summary={"kind": job.kind, "file": job.result_name},
    )
    return job


@dataclass
class TidyResult:
    lost: list[int] = field(default_factory=list)  # jobs failed as lost
    purged: list[int] = field(default_factory=list)  # jobs whose file was deleted


def jobs_tidy(*, now: datetime.datetime | None = None) -> TidyResult:
    """The hourly tidy-up (Celery beat "jobs-tidy"): a job still waiting or running
    JOBS_STALE_MINUTES after it was asked for lost its worker (a restart, a killed
    thread), so it fails and its requester is told; a finished job's file is deleted
    JOBS_KEEP_DAYS after it was made (its row stays, its page says so). Each change
    is one transaction with its audit row; a job finishing meanwhile is left alone."""
    now = now or timezone.now()
    result = TidyResult()
    stale_before = now - datetime.timedelta(minutes=settings.JOBS_STALE_MINUTES)
    lost = Job.objects.filter(
        Q(state=Job.State.QUEUED, created_at__lt=stale_before)
        | Q(state=Job.State.RUNNING, started_at__lt=stale_before)
    ).values_list("pk", flat=True)
    for pk in list(lost):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update()
                .filter(pk=pk, state__in=[Job.State.QUEUED, Job.State.RUNNING])
                .select_related("requested_by")
                .first()
            )
            if job is None:
                continue
            with translation.override(job.language or settings.LANGUAGE_CODE):
                job.state, job.error = Job.State.FAILED, _(LOST_MESSAGE)
            job.finished_at = now
            job.save(update_fields=["state", "error", "finished_at"])
            audit_record(
                action="job.lost",
                by=None,
                obj=job,
                summary={"kind": job.kind, "asked_at": job.created_at.isoformat()},
            )
            with translation.override(job.language or settings.LANGUAGE_CODE):
                tell_requester(job)
            result.lost.append(job.pk)
    keep_after = now - datetime.timedelta(days=settings.JOBS_KEEP_DAYS)
    old = (
        Job.objects.filter(state=Job.State.DONE, finished_at__lt=keep_after)
        .exclude(result="")
        .values_list("pk", flat=True)
    )
    for pk in list(old):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=pk).exclude(result="").first()
            if job is None:
                continue
            name = job.result.name
            job.result.delete(save=False)
            job.save(update_fields=["result"])
            audit_record(
                action="job.file_deleted",
                by=None,
                obj=job,
                summary={"kind": job.kind, "file": job.result_name, "stored": name},
            )
            result.purged.append(job.pk)
    return result
