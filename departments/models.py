from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.names import normalize_unit_name


class Unit(models.Model):
    """A responsible unit (责任单位) as plans name it, or a group of such units."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal department")
        COUNTY = "county", _("County-level government")
        ZONE = "zone", _("Zone management committee")
        EXTERNAL = "external", _("Unit outside the city government")
        PARTY = "party", _("Party or people's organisation")
        GROUP = "group", _("Group of units")

    # The short official form that plans write (市市场监管局); unique, shown everywhere.
    name = models.CharField(_("name"), max_length=100, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # ASCII code used in demo user names and URLs that people type.
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # For a group (各县(市、区)政府): the units it stands for.
    members = models.ManyToManyField(
        "self", symmetrical=False, related_name="member_of", blank=True, verbose_name=_("members")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("act_for_unit", _("Can act for the unit (liaison work)")),
            ("sign_for_unit", _("Can sign off for the unit (unit leader)")),
        ]

    def __str__(self) -> str:
        return self.name


class UnitAlias(models.Model):
    """Another way plans write a unit's name (市工信局 for 市工业和信息化局)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    # Stored normalized (NFKC, no spaces) so lookups need no folding in SQL.
    alias = models.CharField(_("alias"), max_length=200, unique=True)

    class Meta:
        ordering = ["alias"]
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")

    def __str__(self) -> str:
        return self.alias

    def save(self, *args, **kwargs) -> None:
        self.alias = normalize_unit_name(self.alias)
        super().save(*args, **kwargs)


class User(AbstractUser):
    """A person: belongs to one unit with one role."""

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", _("Working-group supervisor")
        LIAISON = "liaison", _("Unit liaison")
        LEADER = "leader", _("Unit leader")
        READER = "reader", _("Leadership reader")

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("unit"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Demo accounts share a published password; production refuses to run with any.
    is_demo = models.BooleanField(_("demo account"), default=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def sees_whole_city(self) -> bool:
        """Supervisors and leadership readers see every unit's records."""
        return self.is_superuser or self.role in {self.Role.SUPERVISOR, self.Role.READER}


class AuditEvent(models.Model):
    """One row of the audit trail: who did what to which record, when, with what outcome.

    Rows are only ever added (see departments.audit.audit_record), in the same
    transaction as the change they describe.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        DENIED = "denied", _("Refused")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied, not joined: the trail must say what the person's unit and role
    # were at the time, even after they move.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    unit_name = models.CharField(_("unit"), max_length=100, blank=True)
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

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"
