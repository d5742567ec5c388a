"""Running a job: claim it, run its kind with a progress callback, store the file or
link it made, tell the requester (an in-app notice).

Not audited here: the stages are a progress indicator, like a bulletin draft's
render; what the job does that matters is audited by the kind's own code (the
ledger export's row, bulletin_issue's), and asking for the job and downloading its
file by jobs.services.
"""

import logging

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from files.storage import stored_name
from jobs.models import Job
from jobs.registry import KINDS, JobRefused, JobResult, kind_label
from notices.models import Notice
from notices.services import notify_in_app

logger = logging.getLogger(__name__)

FAILED_MESSAGE = gettext_noop(
    "The job failed. Try again; if it fails again, tell the working group."
)


class _Progress:
    """Writes the stage and percentage to the job row, and only when they change:
    a kind may report every row and the page polls once a second."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.last: tuple[int, str] = (job.progress, job.stage)

    def __call__(self, percent: int, stage: str) -> None:
        percent = max(0, min(99, int(percent)))
        if (percent, stage) == self.last:
            return
        self.last = (percent, stage)
        self.job.progress, self.job.stage = percent, stage[:200]
        Job.objects.filter(pk=self.job.pk).update(progress=percent, stage=stage[:200])


def _claim(job_id: int) -> Job | None:
    """The job, now running, unless another worker has it or it is gone."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    return Job.objects.select_related("requested_by", "requested_by__unit").get(pk=job_id)


def _finish(job: Job, result: JobResult) -> None:
    if result.file is not None:
        name = stored_name("jobs", result.filename, result.content_type)
        job.result.save(name, File(result.file), save=False)
        result.file.close()
    job.result_name = result.filename[:200]
    job.result_type = result.content_type[:100]
    job.result_url = result.url[:500]
    job.state, job.progress, job.stage = Job.State.DONE, 100, ""
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "result",
            "result_name",
            "result_type",
            "result_url",
            "state",
            "progress",
            "stage",
            "finished_at",
        ]
    )


def _fail(job: Job, message: str) -> None:
    job.state, job.error, job.finished_at = Job.State.FAILED, message[:500], timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])


def tell_requester(job: Job) -> None:
    """An in-app notice to the person who asked: the job is ready, or it failed."""
    label = kind_label(job.kind)
    if job.state == Job.State.DONE:
        title = _("%(job)s is ready") % {"job": label}
    else:
        title = _("%(job)s failed") % {"job": label}
    notify_in_app(
        recipient=job.requested_by,
        kind=Notice.Kind.OTHER,
        key=f"job:{job.pk}",
        title=title,
        url=job.get_absolute_url(),
    )


def job_run(*, job_id: int) -> str:
    """Run a queued job to its end; returns its final state ("" when another worker
    has it or it is gone). A kind's exception fails the job, never the worker."""
    job = _claim(job_id)
    if job is None:
        return ""
    kind = KINDS.get(job.kind)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            if kind is None:
                raise JobRefused(_("This kind of job is no longer available."))
            result = kind.run(job, _Progress(job))
            _finish(job, result)
        except JobRefused as refused:
            _fail(job, refused.message)
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            _fail(job, _(FAILED_MESSAGE))
        tell_requester(job)
    return job.state
