"""Reporting rounds (调度) and the unit reports that make the ledger (台账).

A round covers some of a plan's tasks for one period. Each responsible unit
gets one report per round (a viewflow process, so it sits in the same inbox
as the task steps) with one entry per task it answers for: the lead unit's
entry is the task's consolidated report, a co-unit's entry its part.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from departments.models import Unit
from plans.models import Plan, Task, TaskTarget

TEXT_MAX = 2000


class Round(models.Model):
    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        OTHER = "other", _("Other period")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="rounds")
    period = models.CharField(_("period"), max_length=40)
    cadence = models.CharField(
        _("cadence"), max_length=12, choices=Cadence.choices, default=Cadence.OTHER
    )
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    # Empty until the round opens: then the tasks in progress (or those chosen).
    tasks = models.ManyToManyField(Task, related_name="rounds", blank=True)
    chosen_tasks = models.BooleanField(default=False)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "opens_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="round_period_unique")
        ]
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")

    def __str__(self) -> str:
        return self.period


class UnitReport(Process):
    """One unit's report for one round, covering all its tasks in it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not submitted")
        SIGNING = "signing", _("Awaiting sign-off")
        SENT = "sent", _("Under review")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="round_reports")
    state = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # When the unit leader signed it off and it went to the bureau (first time).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    late_days = models.PositiveIntegerField(_("days late"), default=0)
    # Goes up by one at every save of the draft. A page carries the number it was
    # drawn from, so a save from an older page (another tab, a colleague on the
    # same account) is told apart from the next save of the same page.
    draft_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="report_round_unit_unique")
        ]
        verbose_name = _("unit report")
        verbose_name_plural = _("unit reports")

    def __str__(self) -> str:
        return f"{self.round.period} · {self.unit.name}"

    def responsible_unit(self) -> Unit:
        return self.unit

    def get_absolute_url(self) -> str:
        return reverse("report_detail", args=[self.pk])

    def audit_object(self) -> "UnitReport":
        return self


class Entry(models.Model):
    """A unit's report on one task in one round (a ledger row's content)."""

    class Schedule(models.TextChoices):
        BEHIND = "behind", _("Behind schedule")
        ON = "on", _("On schedule")
        AHEAD = "ahead", _("Ahead of schedule")
        DONE = "done", _("Completed")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="entries")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="report_entries")
    is_lead = models.BooleanField(default=False)
    progress = models.TextField(_("progress this period"), blank=True)
    schedule = models.CharField(
        _("progress against schedule"), max_length=8, choices=Schedule.choices, blank=True
    )
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    # The unit said "no change since the last round" (无变化，沿用上期): the texts and
    # values were taken over from its previous entry on this task when it said so.
    kept_previous = models.BooleanField(_("unchanged since the last round"), default=False)
    times_returned = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["report", "task__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "task"], name="entry_report_task_unique")
        ]
        indexes = [models.Index(fields=["task", "is_lead"])]
        verbose_name = _("report entry")
        verbose_name_plural = _("report entries")

    def __str__(self) -> str:
        return f"{self.report} · {self.task.number}"


class TargetValue(models.Model):
    """The value a unit reports for one quantitative target of a task."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="values")
    target = models.ForeignKey(TaskTarget, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "target"], name="value_entry_target_unique")
        ]
        verbose_name = _("target value")
        verbose_name_plural = _("target values")

    def __str__(self) -> str:
        return f"{self.target_id}={self.value}"


def _report_file_path(instance: "ReportFile", filename: str) -> str:
    # The stored name is generated (see files.storage); the user's is kept apart.
    return filename


class ReportFile(models.Model):
    """An evidence file (佐证材料) attached to a report entry."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=_report_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class ReportEvent(models.Model):
    """The history of a unit report: who did what, when and why."""

    class Action(models.TextChoices):
        OPEN = "open", _("Round opened")
        SAVE = "save", _("Draft saved")
        SUBMIT = "submit", _("Submitted for sign-off")
        SIGN = "sign", _("Signed off and sent")
        RETURN = "return", _("Returned")
        APPROVE = "approve", _("Approved")
        IMPORT = "import", _("Imported from Excel")

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"
