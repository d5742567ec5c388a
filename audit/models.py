from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row of the audit trail: who did what to which record, when, with what outcome.

    Rows are only added, by audit.services.audit_record, in the same
    transaction as the change they describe. Each carries the hash of the
    row before it in its stream, keyed with a key held outside the database, so an edit or a
    deletion made behind the application's back breaks the chain where it
    happened; anchors of the chain's head kept outside the database reveal
    rows cut off its end (`manage.py verify_audit`).
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        DENIED = "denied", _("Refused")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # Copied, not joined: the trail says what the person's unit and role were
    # at the time, even after they move.
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    unit_name = models.CharField(_("unit"), max_length=100, blank=True, db_index=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK
    )
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The key (its id, never the key) and the hash function the row was chained
    # with (audit.chain); both empty on the legacy rows chained with the public
    # SHA-256 before the chain was keyed.
    key_id = models.CharField(max_length=40, blank=True, default="")
    digest = models.CharField(max_length=10, blank=True, default="")
    # The chain the row belongs to (audit.services): the trail is several chains
    # written side by side, so that concurrent transactions do not wait for one
    # lock. Rows written before the streams are all stream 0.
    stream = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["stream", "id"], name="audit_event_stream_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"
