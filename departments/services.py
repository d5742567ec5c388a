"""Writes to the unit registry and to people. One function per action."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from audit.services import audit_record
from departments.models import (
    PRIVILEGED_ROLES,
    SYSTEM_ROLES,
    UNIT_HOLDING_ROLES,
    RoleRequest,
    Unit,
    UnitAlias,
    User,
    unit_problem,
)
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


class PersonError(Exception):
    """A change to a person refused; the message is one translated line for the page."""


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

    Run on the server only (demo loaders, scale seeding), so a privileged role
    needs no approval here. The administrator and the auditor belong to no
    unit: a unit given with those roles is not stored.
    """
    if role in SYSTEM_ROLES:
        unit = None
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
    """Store a person edited by an administrator, with the access their role and unit give.

    Nobody changes their own role or unit. A privileged role (supervisor,
    leadership reader, auditor, administrator) is not given here: the person
    keeps the role and unit they had (none when new) and a request waits for
    the security auditor (role_request_approve) or a command on the server
    (role_grant).
    """
    stored = None if created else User.objects.filter(pk=user.pk).values("role", "unit_id").first()
    old_role, old_unit_id = (stored["role"], stored["unit_id"]) if stored else ("", None)
    if old_role not in UNIT_HOLDING_ROLES:
        old_unit_id = None  # as every page reads it (User.from_db)
    moved = (user.role, user.unit_id) != (old_role, old_unit_id)
    if by is not None and user.pk is not None and by.pk == user.pk and moved:
        raise PersonError(_("Nobody can change their own role or unit."))
    problem = unit_problem(role=user.role, unit_id=user.unit_id)
    if problem:
        raise PersonError(problem)
    requested = None
    if user.role in PRIVILEGED_ROLES and user.role != old_role:
        requested = (user.role, user.unit)
        user.role, user.unit_id = old_role, old_unit_id
        if unit_problem(role=user.role, unit_id=user.unit_id):
            user.unit_id = None
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
    if requested is not None:
        _role_request_open(person=user, role=requested[0], unit=requested[1], by=by)
    elif "role" in changed_fields:
        # The administrator chose another role: an earlier request no longer stands.
        _role_requests_withdraw(person=user, by=by)
    return user


def _role_requests_withdraw(*, person: User, by: User | None) -> None:
    for pending in RoleRequest.objects.select_for_update().filter(
        person=person, status=RoleRequest.Status.PENDING
    ):
        pending.status = RoleRequest.Status.WITHDRAWN
        pending.decided_by, pending.decided_at = by, timezone.now()
        pending.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            action="person.role_withdrawn", by=by, obj=person, summary={"role": pending.role}
        )


def _role_request_open(
    *, person: User, role: str, unit: Unit | None, by: User | None
) -> RoleRequest:
    _role_requests_withdraw(person=person, by=by)
    request = RoleRequest.objects.create(person=person, role=role, unit=unit, requested_by=by)
    audit_record(
        action="person.role_requested",
        by=by,
        obj=person,
        summary={"role": role, "unit": unit.name if unit else "", "request": request.pk},
    )
    return request


def _role_apply(*, person: User, role: str, unit_id: int | None) -> None:
    problem = unit_problem(role=role, unit_id=unit_id)
    if problem:
        raise PersonError(problem)
    person.role, person.unit_id = role, unit_id
    person.save(update_fields=["role", "unit"])
    _sync_role_access(person)


def _pending_for_decision(*, request: RoleRequest, by: User) -> RoleRequest:
    if by.role != User.Role.AUDITOR:
        raise PersonError(_("Only the security auditor approves or refuses a role."))
    request = RoleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RoleRequest.Status.PENDING:
        raise PersonError(_("This request has already been decided."))
    if by.pk in (request.person_id, request.requested_by_id):
        raise PersonError(_("Nobody decides a role request of their own."))
    return request


@transaction.atomic
def role_request_approve(
    *, request: RoleRequest, by: User, client_ip: str | None = None
) -> RoleRequest:
    """The security auditor approves: the person now holds the role (and unit) asked for."""
    request = _pending_for_decision(request=request, by=by)
    person = User.objects.select_for_update().get(pk=request.person_id)
    _role_apply(person=person, role=request.role, unit_id=request.unit_id)
    request.status = RoleRequest.Status.APPROVED
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        action="person.role_approved",
        by=by,
        obj=person,
        client_ip=client_ip,
        summary={
            "role": request.role,
            "unit": request.unit.name if request.unit_id else "",
            "request": request.pk,
            "requested_by": request.requested_by.username if request.requested_by_id else "",
        },
    )
    return request


@transaction.atomic
def role_request_refuse(
    *, request: RoleRequest, by: User, reason: str, client_ip: str | None = None
) -> RoleRequest:
    """The security auditor refuses, saying why: the person keeps what they had."""
    reason = reason.strip()
    if not reason:
        raise PersonError(_("Say why the role is refused."))
    request = _pending_for_decision(request=request, by=by)
    request.status = RoleRequest.Status.REFUSED
    request.decided_by, request.decided_at, request.reason = by, timezone.now(), reason[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        action="person.role_refused",
        by=by,
        obj=request.person,
        client_ip=client_ip,
        summary={"role": request.role, "request": request.pk, "reason": request.reason},
    )
    return request


@transaction.atomic
def role_grant(*, person: User, role: str, unit: Unit | None) -> User:
    """Give a role from the server (``manage.py grant_role``): whoever can run
    commands there is the second person. A pending request for the same role
    is marked approved by it; any other pending request is withdrawn."""
    person = User.objects.select_for_update().get(pk=person.pk)
    _role_apply(person=person, role=role, unit_id=unit.pk if unit else None)
    now = timezone.now()
    for pending in RoleRequest.objects.select_for_update().filter(
        person=person, status=RoleRequest.Status.PENDING
    ):
        pending.status = (
            RoleRequest.Status.APPROVED if pending.role == role else RoleRequest.Status.WITHDRAWN
        )
        pending.decided_at = now
        pending.save(update_fields=["status", "decided_at"])
    audit_record(
        action="person.role_granted",
        by=None,
        obj=person,
        summary={"role": role, "unit": unit.name if unit else "", "via": "manage.py grant_role"},
    )
    return person


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


def _password_hash_outdated(encoded: str) -> bool:
    """Whether a stored hash is not the first hasher's, or is with other parameters."""
    preferred = get_hasher()
    try:
        hasher = identify_hasher(encoded)
    except ValueError:
        return False  # an unusable password: nothing to re-hash
    return hasher.algorithm != preferred.algorithm or preferred.must_update(encoded)


def _hash_scheme(encoded: str) -> str:
    """The algorithm and its parameters of a stored hash, without its salt and digest."""
    return encoded.rsplit("$", 2)[0]


@transaction.atomic
def person_password_rehash(*, user: User, password: str, client_ip: str | None) -> bool:
    """Store the password just verified at login with the first hasher and its parameters.

    Called by departments.backends for a hash made by an older hasher (PBKDF2)
    or with other parameters. The person's row is locked and looked at again:
    of a person's sessions logging in at the same moment, only the first
    re-hashes; the others take its hash, so that every session's check of the
    stored hash (login() keeps a digest of it) matches what is stored.
    Returns whether this call re-hashed.
    """
    stored = User.objects.select_for_update().only("password").get(pk=user.pk).password
    if not _password_hash_outdated(stored):
        user.password = stored
        return False
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action="auth.password_rehashed",
        by=user,
        obj=user,
        client_ip=client_ip,
        summary={"from": _hash_scheme(stored), "to": _hash_scheme(user.password)},
    )
    return True


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
