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

    @property
    def sees_whole_city(self) -> bool:
        """Supervisors and leadership readers see every unit's records."""
        return self.is_superuser or self.role in {self.Role.SUPERVISOR, self.Role.READER}
