"""Writes to the unit registry and to people. One function per action."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm

from departments.audit import audit_record
from departments.models import Unit, UnitAlias, User
from departments.names import normalize_unit_name
from departments.registry import COUNTY_GROUP, REGISTRY

# Object permissions each role's group holds on its own unit.
UNIT_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    User.Role.LIAISON: ("departments.act_for_unit",),
    User.Role.LEADER: ("departments.act_for_unit", "departments.sign_for_unit"),
}
# Model permissions of the city-wide roles.
CITY_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    User.Role.SUPERVISOR: ("ledger.supervise_plan", "ledger.view_plan"),
    User.Role.READER: ("ledger.view_plan",),
}


@dataclass
class RegistrySyncResult:
    created: int = 0
    updated: int = 0
    aliases_created: int = 0


def unit_role_group(*, unit: Unit, role: str) -> Group:
    """The auth group of one role in one unit, holding that role's object permissions."""
    group, created = Group.objects.get_or_create(name=f"unit:{unit.code}:{role}")
    if created:
        for perm in UNIT_ROLE_PERMISSIONS.get(role, ()):
            assign_perm(perm, group, unit)
    return group


def city_role_group(*, role: str) -> Group:
    group, created = Group.objects.get_or_create(name=f"role:{role}")
    if created:
        for perm in CITY_ROLE_PERMISSIONS.get(role, ()):
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
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
) -> tuple[User, bool]:
    """Create a person with a role in a unit, or bring an existing one in line; returns (user, created).

    The password is given as a hash so that creating a hundred demo people
    costs one key derivation, not a hundred.
    """
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "unit": unit, "display_name": display_name, "is_demo": is_demo},
    )
    changed = created
    if not created and (user.role, user.unit_id, user.display_name) != (
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
    wanted = {city_role_group(role=role)} if role in CITY_ROLE_PERMISSIONS else set()
    if unit is not None and role in UNIT_ROLE_PERMISSIONS:
        wanted.add(unit_role_group(unit=unit, role=role))
    current = set(user.groups.filter(name__regex=r"^(unit|role):"))
    if current != wanted:
        user.groups.remove(*(current - wanted))
        user.groups.add(*(wanted - current))
        changed = True
    if changed:
        audit_record(
            action="person.create" if created else "person.update",
            by=by,
            obj=user,
            summary={"role": role, "unit": unit.name if unit else ""},
        )
    return user, created
