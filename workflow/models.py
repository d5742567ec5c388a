from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from departments.models import Unit
from files.checks import detect_content_type
from files.kinds import OCTET_STREAM
from files.storage import stored_name
from plans.models import Task


class TaskProcess(Process):
    """The lifecycle of one plan task: dispatch to completion."""

    plan_task = models.OneToOneField(
        Task, on_delete=models.PROTECT, related_name="process", verbose_name=_("task")
    )
    acknowledge_by = models.DateField(_("acknowledge by"))
    complete_by = models.DateField(_("complete by"))
    # One work-plan branch per county government instead of informing them.
    county_branches = models.BooleanField(_("one branch per county"), default=False)
    # Set by the latest review of each stage; read by the flow's gateways.
    plan_approved = models.BooleanField(default=False)
    completion_closed = models.BooleanField(default=False)
    suspended = models.BooleanField(_("suspended"), default=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("task process")
        verbose_name_plural = _("task processes")

    def __str__(self) -> str:
        return str(self.plan_task)

    def responsible_unit(self) -> Unit:
        return self.plan_task.lead_unit

    def get_absolute_url(self) -> str:
        return reverse("task_detail", args=[self.plan_task_id])

    def audit_object(self) -> Task:
        """What a refused look at this process is recorded against."""
        return self.plan_task


class WorkPlanPart(models.Model):
    """A unit's part of a task's work plan (分解).

    The lead unit's carries the milestones; a co-unit's, its own share.
    """

    process = models.ForeignKey(TaskProcess, on_delete=models.CASCADE, related_name="parts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(default=False)
    # Each return and resubmission writes a new revision; the history keeps the old.
    revision = models.PositiveSmallIntegerField(default=1)
    content = models.TextField(_("content"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["process", "-is_lead", "unit__sort_order", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "unit", "revision"], name="work_plan_part_revision_unique"
            )
        ]
        verbose_name = _("work plan part")
        verbose_name_plural = _("work plan parts")

    def __str__(self) -> str:
        return f"{self.unit} r{self.revision}"


class Milestone(models.Model):
    part = models.ForeignKey(WorkPlanPart, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(_("milestone"), max_length=300)
    due_on = models.DateField(_("due on"))
    measure = models.CharField(_("measurable result"), max_length=200, blank=True)

    class Meta:
        ordering = ["part", "order"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class TaskEvent(models.Model):
    """The task's history as people read it: who did what, when and why."""

    class Action(models.TextChoices):
        DISPATCH = "dispatch", _("Dispatched")
        ACKNOWLEDGE = "acknowledge", _("Acknowledged")
        PART = "work_plan.part", _("Work plan part submitted")
        SIGN = "work_plan.sign", _("Work plan signed off")
        RETURN = "work_plan.return", _("Work plan returned")
        APPROVE = "work_plan.approve", _("Work plan approved")
        APPLY = "completion.apply", _("Completion applied for")
        COMPLETION_SIGN = "completion.sign", _("Completion application signed off")
        COMPLETION_RETURN = "completion.return", _("Completion application returned")
        CLOSE = "completion.close", _("Closed")
        SUSPEND = "suspend", _("Suspended")
        RESUME = "resume", _("Resumed")
        TERMINATE = "terminate", _("Terminated")

    process = models.ForeignKey(TaskProcess, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    unit_name = models.CharField(_("unit"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="+")

    class Meta:
        ordering = ["process", "at", "id"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


def _evidence_path(instance: "Evidence", filename: str) -> str:
    # Files live under the task's process; the stored name is not the user's
    # (which is kept in original_name) so no upload can choose its own path, and
    # the extension follows the kind the content was found to be.
    content_type = detect_content_type(instance.file) or OCTET_STREAM
    return stored_name(f"evidence/{instance.process_id}", filename, content_type)


class Evidence(models.Model):
    """A file attached as evidence (佐证材料), e.g. to a completion application."""

    process = models.ForeignKey(TaskProcess, on_delete=models.CASCADE, related_name="evidence")
    event = models.ForeignKey(
        TaskEvent, on_delete=models.CASCADE, related_name="evidence", null=True
    )
    file = models.FileField(_("file"), upload_to=_evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["process", "uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name
