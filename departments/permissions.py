"""The permissions every app checks, named once.

A role's people hold these through their groups (``departments.services``):
the supervisors and the leadership model permissions on the plans, a unit's
liaisons and leaders object permissions (django-guardian) on their own unit.
Apps import the names and helpers from here instead of spelling the strings.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from departments.models import User

# The working group's supervisors: import, dispatch, review, warn, issue.
SUPERVISE_PLAN = "plans.supervise_plan"
# Reading every plan and unit: supervisors and the city leadership.
VIEW_PLAN = "plans.view_plan"
# Object permissions on a unit: its liaisons and leaders act for it, its
# leaders sign its reports.
ACT_FOR_UNIT = "departments.act_for_unit"
SIGN_FOR_UNIT = "departments.sign_for_unit"


# The steps each role takes: a liaison fills and answers for the unit, a leader
# signs, the working group reviews. A leader holds ACT_FOR_UNIT too (to read
# and follow the unit's work) but takes no liaison's step.
STEP_PERMISSIONS_BY_ROLE: dict[str, tuple[str, ...]] = {
    User.Role.LIAISON: (ACT_FOR_UNIT,),
    User.Role.LEADER: (SIGN_FOR_UNIT,),
    User.Role.SUPERVISOR: (SUPERVISE_PLAN,),
}


def step_permissions(user: User) -> tuple[str, ...]:
    """The step permissions the person's role takes steps under (none for others)."""
    return STEP_PERMISSIONS_BY_ROLE.get(user.role, ())


def may_supervise(user: User) -> bool:
    """Whether the person is one of the working group's supervisors."""
    return user.has_perm(SUPERVISE_PLAN)


def require_supervisor(user: User, error: type[Exception]) -> None:
    """Raise ``error`` (the calling app's own error type) unless the person
    is a supervisor; services call this first."""
    if not may_supervise(user):
        raise error(_("Only the working group's supervisors can do this."))
