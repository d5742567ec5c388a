"""Warning lights, the escalation ladder, supervision notices (督办单) and
interviews (约谈) with their commitments (整改承诺)."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Plan, Task
from rounds.models import Round


class Light(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    DONE = "done", _("Done")


LIGHT_ORDER = {Light.DONE: 0, Light.GREEN: 1, Light.YELLOW: 2, Light.RED: 3}


class LightRecord(models.Model):
    """A task's or a unit's light during a round, kept for that round once the
    next one opens (a bulletin asks "red in the last round")."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="lights")
    subject = models.CharField(max_length=30)  # "task:<pk>" or "unit:<pk>"
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+")
    color = models.CharField(_("light"), max_length=8, choices=Light.choices)
    reasons = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "subject"], name="light_round_subject")
        ]
        verbose_name = _("light record")
        verbose_name_plural = _("light records")

    def __str__(self) -> str:
        return f"{self.round_id} {self.task_id or self.unit_id} {self.color}"


class LadderStep(models.Model):
    """One rung of the escalation ladder taken for one item: the unique key makes
    it happen once however often, and however concurrently, the sweep runs."""

    class Kind(models.TextChoices):
        REMIND = "remind", _("Reminder")
        URGE = "urge", _("Urge (催办)")
        NOTICE = "notice", _("Supervision notice (督办单)")
        PROPOSE = "propose", _("Interview proposed")

    item = models.CharField(max_length=80)  # e.g. "report:42", "ack:7", "commitment:3"
    step = models.CharField(max_length=20)  # e.g. "remind-3", "urge", "notice"
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    # The sweep that took the step: of two sweeps racing, only the one whose
    # row was stored acts on it.
    sweep = models.UUIDField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "step"], name="ladder_once")]

    def __str__(self) -> str:
        return f"{self.item} {self.step}"


# LadderProgress.next_on of an item whose ladder has no rung left.
LADDER_DONE = datetime.date.max


class LadderProgress(models.Model):
    """How far one open item has climbed: the deadline its rungs were taken for
    and the day its next rung falls due (LADDER_DONE when none is left), under
    the ladder's settings of the time (`rule`). A sweep reads again only the items
    with no progress yet, a deadline moved, other settings, or a rung due; the
    rungs themselves stay unique LadderStep rows."""

    source = models.CharField(max_length=12)  # the item's kind: "report", "ack", ...
    object_id = models.PositiveBigIntegerField()  # the key's number: "report:42" -> 42
    due = models.DateField()
    next_on = models.DateField()
    rule = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "object_id"], name="ladder_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id} {self.next_on}"


class SweepRun(models.Model):
    """One finished sweep: when it started, how long it took, what it did. The
    health endpoint reads the last one (is the beat running?); the sweep drops
    rows older than SWEEP_RUNS_KEEP_DAYS. Operational, like a log line: not audited."""

    started_at = models.DateTimeField(db_index=True)
    took_ms = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"sweep {self.started_at:%Y-%m-%d %H:%M} ({self.took_ms} ms)"


class SupervisionNotice(models.Model):
    """A formal supervision notice (督办单), numbered per year without gaps."""

    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervision_notices")
    # Frozen at issue: [{"item": key, "task": number or None, "label": ..., "reason": ...}]
    items = models.JSONField(default=list)
    issued_at = models.DateTimeField(_("issued at"))
    answer_by = models.DateField(_("answer by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Listed for naming in the next bulletin; the bulletin clears it.
    to_name = models.BooleanField(default=True)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="notice_number_unique")
        ]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")

    def __str__(self) -> str:
        return self.doc_number

    def get_absolute_url(self) -> str:
        return reverse("supervision_notice", args=[self.pk])

    @property
    def doc_number(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"


class InterviewProposal(models.Model):
    """The system's proposal to interview a unit's leader (约谈).

    A unit has at most one proposal open (undecided) at a time: each fact that
    calls for an interview (red in two consecutive rounds, a 督办单 left
    unanswered) is one reason, and a new fact adds its reason to the open
    proposal. `evidence` holds the ladder item behind each reason, so that a
    decided proposal is never raised again for the facts it was decided on."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="interview_proposals")
    cause = models.CharField(max_length=80)  # the ladder item that first led here
    reasons = models.JSONField(default=list)
    # The ladder items behind the reasons ("red2:<unit>:<round>", "notice:<pk>").
    evidence = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status="proposed"),
                name="proposal_one_open_per_unit",
            )
        ]
        verbose_name = _("interview proposal")
        verbose_name_plural = _("interview proposals")

    def __str__(self) -> str:
        return f"{self.unit} {self.cause}"


class Interview(models.Model):
    """An interview (约谈) of a unit's leader, its minutes and commitments."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="interviews")
    proposal = models.OneToOneField(
        InterviewProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="interview"
    )
    interviewee = models.CharField(_("interviewee"), max_length=100)
    held_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    tasks = models.ManyToManyField(Task, blank=True, related_name="interviews")
    reason = models.TextField(_("why"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    minutes = models.TextField(_("minutes"), blank=True)
    problems = models.TextField(_("problems found"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"{self.unit} {self.held_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("interview_detail", args=[self.pk])


class Commitment(models.Model):
    """A unit's commitment (整改承诺) made at an interview, tracked to closure."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REPORTED = "reported", _("Reported done")
        CLOSED = "closed", _("Closed")

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="commitments")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("commitment"))
    due_on = models.DateField(_("deadline"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    report = models.TextField(_("what the unit did"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    close_note = models.TextField(blank=True)

    class Meta:
        ordering = ["interview", "number"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="commitment_number")
        ]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return f"{self.interview_id}-{self.number}"
