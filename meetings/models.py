from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Plan, Task


class Meeting(models.Model):
    """An on-site dispatch meeting (现场调度会) held on a plan, as the working group minutes it."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("plan")
    )
    held_on = models.DateField(_("meeting date"))
    place = models.CharField(_("place"), max_length=200)
    # The chairing official as the minutes name them (副市长 王某某), not an account.
    chair = models.CharField(_("chair"), max_length=100)
    # Groups allowed: "各县(市、区)政府" attending puts the meeting before every county.
    units = models.ManyToManyField(
        Unit, related_name="meetings_attended", verbose_name=_("attending units")
    )
    attendees = models.TextField(_("attendees"), blank=True)
    tasks = models.ManyToManyField(
        Task, related_name="meetings", blank=True, verbose_name=_("tasks discussed")
    )
    summary = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("dispatch meeting")
        verbose_name_plural = _("dispatch meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.place}"


class Decision(models.Model):
    """An agreed item (议定事项) of a meeting: a follow-up owned by one unit until closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    # 1..N in the order the minutes list them.
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("agreed item"))
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
        verbose_name=_("responsible unit"),
    )
    due_on = models.DateField(_("deadline"))
    task = models.ForeignKey(
        Task,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
        null=True,
        blank=True,
        verbose_name=_("task"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_note = models.TextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique")
        ]
        # The inbox: a unit's open items by deadline.
        indexes = [models.Index(fields=["owner_unit", "status", "due_on"])]
        verbose_name = _("agreed item")
        verbose_name_plural = _("agreed items")

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
