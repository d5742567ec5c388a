"""The annual assessment (考核) of the units responsible for a plan.

An assessment is one plan's year. While it is a draft the working group sets its
scheme: a weight (the most points) for each criterion, the points a deduction
criterion takes per record, the grade thresholds, and manual bonus or deduction
items. Publicising it (公示) computes every unit's score from the data and stores
it (UnitScore), so the figures no longer move with the ledger; the units may then
object within a window, and the working group answers each objection. Publishing
freezes it all for good.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Plan

POINTS = {"max_digits": 6, "decimal_places": 2}


class Rule(models.TextChoices):
    """What a criterion is computed from (assessment.scoring)."""

    ON_TIME = "on_time", _("On-time report rate")
    RETURNS = "returns", _("Report quality (entries returned)")
    INDICATORS = "indicators", _("Indicator targets met")
    TASKS = "tasks", _("Tasks completed on schedule")
    RED_LIGHTS = "red_lights", _("Red lights")
    NOTICES = "notices", _("Supervision notices received")
    INTERVIEWS = "interviews", _("Interviews")


# Criteria scored as the weight times a share of records; the others deduct per record.
SHARE_RULES = frozenset({Rule.ON_TIME, Rule.INDICATORS, Rule.TASKS})


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLICITY = "publicity", _("Under publicity")
        PUBLISHED = "published", _("Published")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The official document's title (关于2026年度质量强市建设工作考核结果的通报).
    title = models.CharField(_("title"), max_length=200)
    excellent_from = models.DecimalField(_("excellent from"), default=Decimal(90), **POINTS)
    good_from = models.DecimalField(_("good from"), default=Decimal(80), **POINTS)
    fair_from = models.DecimalField(_("fair from"), default=Decimal(60), **POINTS)
    # The day the scores were computed for (the publicity's day): what was not yet
    # due then is not counted.
    as_of = models.DateField(_("scores as of"), null=True, blank=True)
    publicised_at = models.DateTimeField(_("publicised at"), null=True, blank=True)
    publicised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Objections are taken until this moment (the end of the window's last day).
    objections_until = models.DateTimeField(_("objections until"), null=True, blank=True)
    # The document number's serial, given at publication (考核〔2027〕1号).
    number = models.PositiveIntegerField(_("document number"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="assessment_plan_year_unique")
        ]
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")

    def __str__(self) -> str:
        return f"{self.plan.doc_number} · {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("assessment_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def doc_number(self) -> str:
        if self.number and self.published_at is not None:
            return f"考核〔{self.published_at.year}〕{self.number}号"
        return ""

    @property
    def last_objection_day(self) -> datetime.date | None:
        """The last day objections are taken (the window closes when it ends)."""
        if self.objections_until is None:
            return None
        return timezone.localdate(self.objections_until) - datetime.timedelta(days=1)

    def objections_open(self, now: datetime.datetime) -> bool:
        return (
            self.status == self.Status.PUBLICITY
            and self.objections_until is not None
            and now < self.objections_until
        )

    def audit_object(self) -> "Assessment":
        return self


class Criterion(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="criteria")
    rule = models.CharField(_("criterion"), max_length=12, choices=Rule.choices)
    weight = models.DecimalField(_("points"), **POINTS)
    # Points taken per record for the deduction rules (unused by the share rules).
    deduction = models.DecimalField(_("deduction per record"), default=Decimal(0), **POINTS)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "rule"], name="criterion_rule_unique")
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.weight}"

    @property
    def is_share(self) -> bool:
        return self.rule in SHARE_RULES


class UnitScore(models.Model):
    """A unit's score as computed when the assessment was publicised, with the records
    behind every point (assessment.scoring's JSON), kept as they were then."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    criteria = models.JSONField(default=list)
    criteria_points = models.DecimalField(_("criteria points"), **POINTS)
    # Manual items, those added when an objection was accepted included.
    adjustment_points = models.DecimalField(_("bonus and deductions"), **POINTS)
    total = models.DecimalField(_("total"), **POINTS)
    rank = models.PositiveSmallIntegerField(_("rank"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)

    class Meta:
        ordering = ["assessment", "rank", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="unit_score_unique")
        ]
        verbose_name = _("unit score")
        verbose_name_plural = _("unit scores")

    def __str__(self) -> str:
        return f"{self.unit} {self.total}"

    def audit_object(self) -> Assessment:
        return self.assessment


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="objections")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    reply = models.TextField(_("reply"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "filed_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.unit} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("assessment_unit", args=[self.assessment_id, self.unit_id])


class Adjustment(models.Model):
    """A manual bonus (positive points) or deduction (negative) for a unit, with its
    reason: set in the draft's scheme, or when an objection is accepted."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS)
    reason = models.TextField(_("reason"))
    objection = models.OneToOneField(
        Objection, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustment"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "unit__sort_order", "created_at", "id"]
        verbose_name = _("bonus or deduction")
        verbose_name_plural = _("bonuses and deductions")

    def __str__(self) -> str:
        return f"{self.unit} {self.points:+}"
