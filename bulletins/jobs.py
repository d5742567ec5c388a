"""Issuing a bulletin (印发通报) as a background job: numbering, the frozen data and
PDF, the notices and the audit row are services.bulletin_issue's, unchanged; the
job runs it off the request path (3.6 s in the browser for the Xingtai plan, most
of it WeasyPrint's layout) and leads the supervisor to the issued bulletin."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulletins import services
from bulletins.models import Bulletin
from jobs.models import Job
from jobs.registry import JobRefused, JobResult, Progress, register

ISSUE_KIND = "bulletins.issue"


def issue_job_of(bulletin: Bulletin) -> Job | None:
    """The job issuing this bulletin that has not finished yet, if any."""
    return (
        Job.objects.filter(
            kind=ISSUE_KIND,
            params__bulletin=bulletin.pk,
            state__in=[Job.State.QUEUED, Job.State.RUNNING],
        )
        .order_by("pk")
        .first()
    )


@register(ISSUE_KIND, label=gettext_lazy("Issuing a bulletin"))
def bulletin_issue_job(job: Job, progress: Progress) -> JobResult:
    bulletin = Bulletin.objects.filter(pk=job.params.get("bulletin")).first()
    if bulletin is None:
        raise JobRefused(_("This bulletin no longer exists."))
    # One stage: numbering, gathering and the layout happen under the series' lock,
    # in one transaction, so nothing in between could be shown to the page anyway.
    progress(10, _("Numbering the bulletin and laying out its PDF"))
    try:
        issued = services.bulletin_issue(
            bulletin=bulletin,
            by=job.requested_by,
            now=timezone.now(),
            confirmed=job.params.get("confirmed") is True,
        )
    except services.BulletinError as refused:
        raise JobRefused(refused.message) from None
    return JobResult(url=issued.get_absolute_url())
