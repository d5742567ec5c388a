from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Unit

# Re-exported: bulletins and assessment import it from here.
from plans.numerals import cn_numeral as cn_numeral


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
    """A heading tasks sit under; a plan with two levels has categories and sub-categories."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subcategories",
        verbose_name=_("parent category"),
    )
    # Position in the plan's text: numbers restart under each parent, so they do not order.
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    number = models.PositiveSmallIntegerField(_("number"))
    # The numbering as headings show it (一、 or （一））; "" for a category the plan
    # implies (its tasks stand right under the task section's heading).
    label = models.CharField(_("label"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        db_table = "ledger_category"
        ordering = ["plan", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="category_order_unique")
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.label}{self.title}"

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
    # 完成时限 as the plan states it: a date, or standing work (长期坚持, 每年) with none.
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline as written"), max_length=60, blank=True)
    standing = models.BooleanField(_("standing work"), default=False)
    # Phrases such as 各有关单位 the plan names where a unit should be: still to be assigned.
    unassigned = models.JSONField(_("responsibility to be assigned"), default=list, blank=True)

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


class PlanUpload(models.Model):
    """A plan file a supervisor uploaded to the import page, with their corrections so far:
    staged until they import it (then deleted), nothing of the plan is written before."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    source_name = models.CharField(_("source file"), max_length=255)
    # Kept in the database: a few megabytes at most (PLAN_UPLOAD_MAX_BYTES), gone on import.
    data = models.BinaryField(_("file content"))
    # ImportCorrections.to_json(): only what differs from the parsed plan.
    corrections = models.JSONField(_("corrections"), default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("uploaded plan")
        verbose_name_plural = _("uploaded plans")

    def __str__(self) -> str:
        return self.source_name
