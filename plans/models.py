from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Unit

CN_NUMERALS = "零一二三四五六七八九十"


def cn_numeral(number: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十, 101 -> 一百零一: for labels such as （三）."""
    if number <= 10:
        return CN_NUMERALS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        head = "" if tens == 1 else CN_NUMERALS[tens]
        return head + "十" + (CN_NUMERALS[ones] if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = CN_NUMERALS[hundreds] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + CN_NUMERALS[rest]
        # 110 is 一百一十, not 一百十.
        tail = cn_numeral(rest)
        return head + (CN_NUMERALS[1] + tail if rest < 20 else tail)
    return str(number)


class Comparator(models.TextChoices):
    AT_LEAST = ">=", _("at least")
    AT_MOST = "<=", _("at most")
    MORE_THAN = ">", _("more than")
    LESS_THAN = "<", _("less than")
    EQUAL = "=", _("equal to")
    ABOUT = "≈", _("about")


class Plan(models.Model):
    """A published action plan (行动方案), imported from its text."""

    class Status(models.TextChoices):
        # Imported, not yet dispatched: it may still be replaced by a re-import.
        IMPORTED = "imported", _("Imported")
        # Tasks dispatched: work has started and the plan can no longer be replaced.
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(_("document number"), max_length=100, unique=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IMPORTED
    )
    source_text = models.TextField(_("source text"))
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )

    class Meta:
        db_table = "ledger_plan"
        ordering = ["-issued_on", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        permissions = [("supervise_plan", _("Can supervise plans (working group)"))]

    def __str__(self) -> str:
        return self.title

    @property
    def work_started(self) -> bool:
        return self.status != self.Status.IMPORTED


class TargetFields(models.Model):
    """What a stated quantitative target holds, in the plan's own words and as numbers."""

    text = models.TextField(_("text"))
    indicator = models.CharField(_("indicator"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    every_year = models.BooleanField(_("every year"), default=False)
    comparator = models.CharField(
        _("comparator"), max_length=2, choices=Comparator.choices, blank=True
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order"]

    def __str__(self) -> str:
        return self.text

    @property
    def year_label(self) -> str:
        if self.every_year:
            return str(_("every year"))
        return str(self.year) if self.year else ""

    @property
    def value_label(self) -> str:
        if self.value is None:
            return ""
        return f"{self.get_comparator_display()} {self.value.normalize():f}{self.unit_of_measure}"


class PlanTarget(TargetFields):
    """A target of the plan's targets section (二、目标任务)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")

    class Meta(TargetFields.Meta):
        db_table = "ledger_plantarget"
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")


class Category(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="categories")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        db_table = "ledger_category"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="category_number_unique")
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"（{self.numeral}）{self.title}"

    @property
    def numeral(self) -> str:
        return cn_numeral(self.number)


class Task(models.Model):
    """A numbered task of the plan: one lead unit, any number of co-responsible units."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="tasks")
    # Position in the plan (1..N in text order) and the number the text gives it,
    # which may restart in each category.
    order = models.PositiveIntegerField(_("order"))
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead unit")
    )
    units = models.ManyToManyField(
        Unit, through="TaskUnit", related_name="tasks", verbose_name=_("responsible units")
    )

    class Meta:
        db_table = "ledger_task"
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="task_order_unique")]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class TaskUnit(models.Model):
    """A unit responsible for a task, with its part in it."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        CO_LEAD = "co_lead", _("Co-lead unit")
        CO = "co", _("Co-responsible unit")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="task_units")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        db_table = "ledger_taskunit"
        ordering = ["task", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="task_unit_unique"),
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(role="lead"), name="task_single_lead"
            ),
        ]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"


class Measure(models.Model):
    """A clause of a task (具体措施) with the units its note names."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="measures")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("text"))
    units = models.ManyToManyField(
        Unit, through="MeasureUnit", related_name="measures", verbose_name=_("units")
    )

    class Meta:
        db_table = "ledger_measure"
        ordering = ["task", "order"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return self.text[:40]


class MeasureUnit(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="measure_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        db_table = "ledger_measureunit"
        ordering = ["measure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="measure_unit_unique")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class TaskTarget(TargetFields):
    """A quantitative target stated inside a task's clause."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets")
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="targets", null=True, blank=True
    )
    # Asked of each member of the task's unit group (each county government) for
    # its own share, the city value being their sum; otherwise asked of the lead
    # unit alone. The working group sets it per indicator.
    by_member = models.BooleanField(_("reported by each member unit"), default=False)

    class Meta(TargetFields.Meta):
        db_table = "ledger_tasktarget"
        verbose_name = _("task target")
        verbose_name_plural = _("task targets")
