"""Who may do what with meetings and their agreed items.

Seeing is settled by meetings.selectors.meetings_visible_to; these say who
may act on what they see. Views and services ask the same questions.
"""

from collections.abc import Iterable

from guardian.core import ObjectPermissionChecker

from departments.models import Unit, User
from departments.permissions import ACT_FOR_UNIT, may_supervise
from meetings.models import Decision


def may_record(user: User) -> bool:
    """Meetings are minuted by the working group."""
    return may_supervise(user)


def may_reopen(user: User) -> bool:
    return may_supervise(user)


def may_close(user: User, decision: Decision) -> bool:
    """The working group, or a liaison or leader of the item's responsible unit."""
    return may_supervise(user) or user.has_perm(ACT_FOR_UNIT, decision.owner_unit)


def closable_unit_ids(user: User, units: Iterable[Unit]) -> set[int] | None:
    """Of `units`, those whose items the person may close; None for all of them.

    One permission lookup for the lot, so a page listing many items does not
    ask guardian once per item.
    """
    if may_supervise(user):
        return None
    units = list(units)
    if not units or not user.is_active:
        return set()
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(units)
    return {unit.pk for unit in units if checker.has_perm(ACT_FOR_UNIT, unit)}
