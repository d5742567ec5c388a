"""Notices to people, and how each one went out on each channel.

A notice is one thing a person should act on (a report due in three days, a
supervision notice, an interview). `key` names that thing, so the same thing
reaches the same person at most once a day however often the sweep runs.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from notices import robots
from notices.sealing import Sealed, SealedTextField


class Notice(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        URGE = "urge", _("Urge")
        SUPERVISION_NOTICE = "supervision_notice", _("Supervision notice")
        INTERVIEW = "interview", _("Interview")
        COMMITMENT = "commitment", _("Rectification commitment")
        FOLLOWUP = "followup", _("Follow-up item")
        REPORT = "report", _("Dispatch report")
        BULLETIN = "bulletin", _("Bulletin")
        ASSESSMENT = "assessment", _("Annual assessment")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The thing the notice is about, as the caller names it: "report:42:remind:3d".
    key = models.CharField(_("item"), max_length=200)
    # The local date the notice was made: the once-a-day rule counts by it.
    day = models.DateField(_("day"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("notice text"), blank=True)
    # A path inside the application ("/reports/42/"): where to act on it.
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("notified at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The notify() call that made the row: two calls racing on the same
    # (recipient, key, day) each read back only the rows they inserted.
    batch = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key", "day"], name="notices_once_per_person_item_day"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notices_by_recipient"),
            # The unread count on every page reads this index alone.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notices_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class UnitWebhook(models.Model):
    """A unit's work-chat group robot (群机器人): WeCom or DingTalk."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="webhook", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The whole address, sealed at rest: its query carries the robot's access token
    # (WeCom key=, DingTalk access_token=). Opened only to send a message.
    url = SealedTextField(
        _("webhook address"),
        help_text=_("The robot's address as the chat application shows it."),
    )
    # The address without its query, for people to recognise the robot by.
    address = models.CharField(_("address"), max_length=500, blank=True, editable=False)
    # Sealed at rest too; opened only to sign a message.
    secret = SealedTextField(
        _("signing secret"),
        blank=True,
        help_text=_("DingTalk only, when the robot's security setting is signing (加签)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["unit__sort_order", "unit__name"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        # A plain address was just assigned: keep its shown part (the sealed one is
        # never opened for that).
        if not isinstance(self.url, Sealed):
            self.address = robots.without_query(self.url)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "url" in update_fields:
                kwargs["update_fields"] = {*update_fields, "address"}
        super().save(*args, **kwargs)


class Delivery(models.Model):
    """How a notice went out on one channel: in the application, by e-mail, in
    the daily digest e-mail, or to the unit's group robot."""

    class Channel(models.TextChoices):
        INAPP = "inapp", _("In the application")
        EMAIL = "email", _("E-mail")
        DIGEST = "digest", _("Daily digest e-mail")
        WEBHOOK = "webhook", _("Work chat group")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # Robot messages only: one per unit, item and day, naming every person of
    # the unit notified of the item that day (stored on one of their notices).
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    key = models.CharField(_("item"), max_length=200, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # The last failure, or why the delivery was not sent.
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "key", "day"],
                condition=Q(channel="webhook"),
                name="notices_one_robot_message_per_unit_item_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notices_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_status_display()}"


class NoticePreference(models.Model):
    """How a person wants notices e-mailed; without a row: each one, at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preference",
        verbose_name=_("person"),
    )
    email = models.BooleanField(_("e-mail me"), default=True)
    digest = models.BooleanField(_("one daily digest instead of each e-mail"), default=False)
    # The local date of the last digest e-mail: at most one a day.
    last_digest_on = models.DateField(_("last digest on"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return str(self.user)
