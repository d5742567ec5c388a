"""Asking for a job and downloading what it made: both audited (the file is data
leaving the system, like the direct exports). The run itself is in jobs.runner."""

from typing import Any

from django.db import transaction
from django.http import Http404

from audit.services import audit_record
from departments.models import User
from jobs.models import Job
from jobs.registry import KINDS
from jobs.tasks import job_start


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
