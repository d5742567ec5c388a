from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
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
        # 三员 separation: the administrator manages accounts and units and
        # touches no ledger data; the auditor reads the audit trail only.
        ADMIN = "admin", _("System administrator")
        AUDITOR = "auditor", _("Security auditor")

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
    # Set for a new account and when an administrator forces it: the person
    # must choose a new password before anything else.
    must_change_password = models.BooleanField(_("must change password"), default=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> "User":
        """A unit is held only through a business role, whatever the database says.

        Every person the product reads (the logged-in one included) is built
        here, so an administrator's or auditor's unit forced into the database
        (by SQL, an old backup) reaches no page: every rule that looks at
        ``unit_id`` sees none. ``departments.checks`` reports such rows.
        """
        user = super().from_db(db, field_names, values)
        loaded = user.__dict__
        if "role" in loaded and "unit_id" in loaded and user.role not in UNIT_HOLDING_ROLES:
            user.unit_id = None
        return user

    def clean(self) -> None:
        super().clean()
        problem = unit_problem(role=self.role, unit_id=self.unit_id)
        if problem:
            raise ValidationError({"unit": problem})

    @property
    def sees_whole_city(self) -> bool:
        """Supervisors and leadership readers see every unit's records; the
        administrator and the auditor none, even with superuser rights (三员)."""
        if self.role in SYSTEM_ROLES:
            return False
        return self.is_superuser or self.role in CITY_ROLES


class RoleRequest(models.Model):
    """A privileged role an administrator asked for, waiting for a second person.

    Until the security auditor approves it (or someone on the server runs
    ``manage.py grant_role``), the person keeps the role and unit they had,
    or none for a new account.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="role_requests", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=User.Role.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    requested_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="one_pending_role_request_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.get_role_display()}"


# 三员: the administrator manages accounts and units, the auditor reads the
# trail; neither holds a unit or reads business data.
SYSTEM_ROLES = frozenset({User.Role.ADMIN, User.Role.AUDITOR})
# Roles that see every unit's records.
CITY_ROLES = frozenset({User.Role.SUPERVISOR, User.Role.READER})
# Roles that act for one unit and see its records.
UNIT_ROLES = frozenset({User.Role.LIAISON, User.Role.LEADER})
# A unit is stored only with one of these roles (supervisors and readers keep
# theirs for names and notices; they see the whole city anyway).
UNIT_HOLDING_ROLES = CITY_ROLES | UNIT_ROLES
# Giving one of these roles takes a second person: the security auditor's
# approval, or a command run on the server.
PRIVILEGED_ROLES = frozenset(
    {User.Role.SUPERVISOR, User.Role.READER, User.Role.AUDITOR, User.Role.ADMIN}
)


def unit_problem(*, role: str, unit_id: int | None) -> str:
    """Why a person of `role` cannot belong to unit `unit_id` ("" when they can)."""
    if unit_id is None:
        return ""
    if role in SYSTEM_ROLES:
        return str(_("The system administrator and the security auditor belong to no unit."))
    if not role:
        return str(_("A person with no role belongs to no unit."))
    return ""
