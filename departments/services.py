"""Writes to the unit registry and to people. One function per action."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.services import audit_record
from departments.models import Unit, UnitAlias, User
from departments.names import normalize_unit_name
from departments.permissions import ACT_FOR_UNIT, SIGN_FOR_UNIT, SUPERVISE_PLAN, VIEW_PLAN
from departments.registry import COUNTY_GROUP, REGISTRY

# Object permissions each role's group holds on its own unit.
UNIT_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    User.Role.LIAISON: (ACT_FOR_UNIT,),
    User.Role.LEADER: (ACT_FOR_UNIT, SIGN_FOR_UNIT),
}
# Model permissions of the city-wide roles.
CITY_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    User.Role.SUPERVISOR: (SUPERVISE_PLAN, VIEW_PLAN),
    User.Role.READER: (VIEW_PLAN,),
    # The administrator manages accounts and units, and nothing else: no
    # ledger permission, no audit permission, no deleting people (they are
    # deactivated, so the trail keeps pointing at them).
    User.Role.ADMIN: (
        "departments.view_user",
        "departments.add_user",
        "departments.change_user",
        "departments.view_unit",
        "departments.add_unit",
        "departments.change_unit",
        "departments.view_unitalias",
        "departments.add_unitalias",
        "departments.change_unitalias",
        "departments.delete_unitalias",
    ),
}


@dataclass
class RegistrySyncResult:
    created: int = 0
    updated: int = 0
    aliases_created: int = 0


def _unit_role_group(*, unit: Unit, role: str) -> Group:
    """The auth group of one role in one unit, holding that role's object permissions."""
    group, _created = Group.objects.get_or_create(name=f"unit:{unit.code}:{role}")
    # Granted every time (idempotent), so a permission added to the role later
    # reaches the groups that already exist.
    for perm in UNIT_ROLE_PERMISSIONS.get(role, ()):
        assign_perm(perm, group, unit)
    return group


def _city_role_group(*, role: str) -> Group:
    group, _created = Group.objects.get_or_create(name=f"role:{role}")
    wanted = [perm.split(".") for perm in CITY_ROLE_PERMISSIONS.get(role, ())]
    query = Q(pk__in=[])
    for app_label, codename in wanted:
        query |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(query))
    return group


@transaction.atomic
def registry_sync(*, by: User | None = None) -> RegistrySyncResult:
    """Create or update every unit of the built-in registry; running it twice changes nothing."""
    result = RegistrySyncResult()
    order = 0
    for kind, entries in REGISTRY:
        for entry in entries:
            order += 10
            unit, created = Unit.objects.get_or_create(
                code=entry.code,
                defaults={
                    "name": entry.name,
                    "full_name": entry.full_name,
                    "kind": kind,
                    "sort_order": order,
                },
            )
            if created:
                result.created += 1
            elif (unit.name, unit.full_name, unit.kind, unit.sort_order) != (
                entry.name,
                entry.full_name,
                kind,
                order,
            ):
                unit.name, unit.full_name, unit.kind, unit.sort_order = (
                    entry.name,
                    entry.full_name,
                    kind,
                    order,
                )
                unit.save(update_fields=["name", "full_name", "kind", "sort_order"])
                result.updated += 1
            for alias in entry.aliases:
                _, alias_created = UnitAlias.objects.get_or_create(
                    alias=normalize_unit_name(alias), defaults={"unit": unit}
                )
                result.aliases_created += alias_created
    counties = Unit.objects.filter(kind=Unit.Kind.COUNTY)
    Unit.objects.get(code=COUNTY_GROUP.code).members.set(counties)
    if result.created or result.updated or result.aliases_created:
        audit_record(
            action="unit.registry_sync",
            by=by,
            summary={
                "created": result.created,
                "updated": result.updated,
                "aliases_created": result.aliases_created,
            },
        )
    return result


def _code_for_new_unit(name: str) -> str:
    # Units created from a plan's text have no pinyin code; a stable digest of
    # the name keeps the code ASCII and the same on every machine.
    return "u-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def unit_create(*, name: str, by: User | None, kind: str = Unit.Kind.MUNICIPAL) -> Unit:
    """Add a unit that a plan names and the registry lacks (import_plan --create-units)."""
    name = normalize_unit_name(name)
    with transaction.atomic():
        last = Unit.objects.order_by("-sort_order").values_list("sort_order", flat=True).first()
        unit = Unit.objects.create(
            name=name,
            code=_code_for_new_unit(name),
            kind=kind,
            sort_order=(last or 0) + 10,
        )
        audit_record(action="unit.create", by=by, obj=unit, summary={"name": name})
    return unit


@transaction.atomic
def person_upsert(
    *,
    username: str,
    role: str,
    unit: Unit | None,
    display_name: str,
    password_hash: str,
    by: User | None,
    is_demo: bool = False,
    must_change_password: bool = True,
) -> tuple[User, bool]:
    """Create a person with a role in a unit, or bring an existing one in line.

    Returns (user, created).

    The password is given as a hash so that creating a hundred demo people
    costs one key derivation, not a hundred.
    """
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "unit": unit,
            "display_name": display_name,
            "is_demo": is_demo,
            "must_change_password": must_change_password,
        },
    )
    changed = created
    if (user.role, user.unit_id, user.display_name) != (
        role,
        unit.pk if unit else None,
        display_name,
    ):
        user.role, user.unit, user.display_name = role, unit, display_name
        user.save(update_fields=["role", "unit", "display_name"])
        changed = True
    if created:
        user.password = password_hash
        user.save(update_fields=["password"])
    changed = _sync_role_access(user) or changed
    if changed:
        audit_record(
            action="person.create" if created else "person.update",
            by=by,
            obj=user,
            summary={"role": role, "unit": unit.name if unit else ""},
        )
    return user, created


def _sync_role_access(user: User) -> bool:
    """Give the person exactly the groups (and staff flag) of their role and unit.

    Returns whether anything changed. Only the administrator reaches the admin
    site; nobody gets superuser rights through a role.
    """
    changed = False
    is_staff = user.role == User.Role.ADMIN
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        changed = True
    role, unit = user.role, user.unit
    wanted = {_city_role_group(role=role)} if role in CITY_ROLE_PERMISSIONS else set()
    if unit is not None and role in UNIT_ROLE_PERMISSIONS:
        wanted.add(_unit_role_group(unit=unit, role=role))
    current = set(user.groups.filter(name__regex=r"^(unit|role):"))
    if current != wanted:
        user.groups.remove(*(current - wanted))
        user.groups.add(*(wanted - current))
        changed = True
    return changed


@transaction.atomic
def person_save(*, user: User, created: bool, changed_fields: list[str], by: User | None) -> User:
    """Store a person edited by an administrator, with the access their role and unit give."""
    user.save()
    _sync_role_access(user)
    audit_record(
        action="person.create" if created else "person.update",
        by=by,
        obj=user,
        summary={
            "role": user.role,
            "unit": user.unit.name if user.unit_id else "",
            "active": user.is_active,
            "fields": sorted(changed_fields),
        },
    )
    return user


@transaction.atomic
def person_password_set(*, user: User, by: User | None) -> None:
    """Store a password an administrator set on `user` (already hashed in memory).

    The person must replace it at next login: nobody but them should know
    the password they work with.
    """
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        action="person.password_set",
        by=by,
        obj=user,
        summary={"usable": user.has_usable_password()},
    )


@transaction.atomic
def person_force_password_change(*, user: User, by: User | None) -> None:
    """Make the person choose a new password before anything else, at their next request."""
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    audit_record(action="person.force_password_change", by=by, obj=user)


@transaction.atomic
def person_password_change(*, user: User, new_password: str, client_ip: str | None) -> None:
    """The person sets a new password (already validated); a forced change is then done."""
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(action="password.change", by=user, obj=user, client_ip=client_ip)


@transaction.atomic
def person_unlock(*, user: User, by: User | None) -> int:
    """Lift a login lockout before it runs out (the person called the administrator).

    The failures themselves stay in the audit trail; only the lockout's
    counters are cleared. Returns the number of counter rows removed.
    """
    from axes.handlers.proxy import AxesProxyHandler

    cleared = AxesProxyHandler.reset_attempts(username=user.username)
    audit_record(action="person.unlock", by=by, obj=user, summary={"cleared": cleared})
    return cleared
