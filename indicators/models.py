"""Indicators (指标): the plan's quantitative targets as series that units report.

An indicator comes from the plan's targets section (二、目标任务: one indicator per
named quantity, with its target for each year the plan states) or from a task's
clause ("每年新增工业企业研发机构80家"). Its owner unit reports the value in the
rounds: a task's indicators in the lead unit's report entry (rounds.TargetValue),
a plan indicator on its own line of the round (IndicatorValue below).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Comparator, Plan, Task, TaskTarget
from rounds.models import Round


class Indicator(models.Model):
    class Kind(models.TextChoices):
        # A rate, share or stock read as it stands (合格率, 占比, 拥有量).
        LEVEL = "level", _("Level (rate, share or stock)")
        # A count accumulated since the plan began (新增标准 32 → 85 → 140).
        CUMULATIVE = "cumulative", _("Cumulative since the plan began")
        # A count each year, reported as the year's total so far (每年新增80家).
        ANNUAL = "annual", _("Yearly amount, year to date")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    # Empty for the plan's targets section.
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators"
    )
    name = models.CharField(_("indicator"), max_length=200)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Which way is better: ">=" (higher) or "<=" (lower).
    direction = models.CharField(
        _("direction"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    owner = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("owner unit"),
    )
    # The value when the plan began, if known: the start of the time-proportional line.
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "task__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                condition=models.Q(task__isnull=True),
                name="indicator_plan_name_unique",
            ),
            models.UniqueConstraint(
                fields=["task", "name"],
                condition=models.Q(task__isnull=False),
                name="indicator_task_name_unique",
            ),
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicator_detail", args=[self.pk])

    @property
    def lower_is_better(self) -> bool:
        return self.direction in (Comparator.AT_MOST, Comparator.LESS_THAN)


class IndicatorTarget(models.Model):
    """The indicator's target for one year, as the plan states it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    comparator = models.CharField(
        _("comparator"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    value = models.DecimalField(_("target value"), max_digits=18, decimal_places=4)
    text = models.TextField(_("text"), blank=True)
    # The task's target it was read from (its values come from the lead unit's entries).
    task_target = models.ForeignKey(
        TaskTarget, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="indicator_target_year_unique"
            )
        ]
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")

    def __str__(self) -> str:
        return f"{self.year}: {self.comparator}{self.value}"


class IndicatorValue(models.Model):
    """A plan indicator's value reported in one round by its owner unit (or entered by the
    working group from the statistics it receives)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="indicator_values")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        ordering = ["indicator", "round__opens_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "round"], name="indicator_value_round_unique"
            )
        ]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.round_id}={self.value}"
