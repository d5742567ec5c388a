"""The assessment's official PDF as a background job when many units are assessed
(2.8 s for 50 units, WeasyPrint's layout); the .xlsx (352 ms at 50 units) stays a
direct download. The file and its audit row are the direct download's."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.document import render_pdf
from assessment.models import Assessment
from assessment.selectors import assessments_visible_to
from audit.services import audit_record
from jobs.models import Job
from jobs.registry import JobRefused, JobResult, Progress, register
from plans.selectors import units_in_plan

PDF_KIND = "assessment.pdf"


def assessed_units(assessment: Assessment) -> int:
    """How many units the document lists: its size, which decides inline or job."""
    return units_in_plan(assessment.plan).count()


def file_name(assessment: Assessment, suffix: str) -> str:
    state = (
        ""
        if assessment.status == Assessment.Status.PUBLISHED
        else "-" + str(assessment.get_status_display())
    )
    return f"{assessment.plan.doc_number}-{assessment.year}-考核{state}.{suffix}"


@register(PDF_KIND, label=gettext_lazy("Assessment PDF"))
def assessment_pdf_job(job: Job, progress: Progress) -> JobResult:
    user = job.requested_by
    assessment = assessments_visible_to(user).filter(pk=job.params.get("assessment")).first()
    if assessment is None or not user.sees_whole_city:
        raise JobRefused(_("This assessment is no longer available to you."))
    progress(10, _("Computing the scores and laying out the document"))
    pdf = render_pdf(assessment)
    # Every unit's scores leaving the system, as the direct download records it.
    audit_record(
        action="assessment.export",
        by=user,
        obj=assessment,
        summary={
            "format": "pdf",
            "year": assessment.year,
            "status": assessment.status,
            "job": job.pk,
        },
    )
    return JobResult(
        file=io.BytesIO(pdf), filename=file_name(assessment, "pdf"), content_type="application/pdf"
    )
