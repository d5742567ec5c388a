"""System checks for a production start."""

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from departments.models import SYSTEM_ROLES, User


def demo_accounts_exist() -> bool:
    return User.objects.filter(is_demo=True).exists()


@register(Tags.security, Tags.database, deploy=True)
def check_no_demo_accounts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Demo accounts share a published password: a deployment must have none.

    Run by `manage.py check --deploy` whatever `--database` says, since the
    point is to stop a deployment that still holds them.
    """
    try:
        count = User.objects.filter(is_demo=True).count()
    except DatabaseError as exc:
        return [
            Error(
                f"Could not look for demo accounts: {exc}",
                hint="Run `manage.py migrate` against the production database first.",
                id="departments.E002",
            )
        ]
    if count:
        return [
            Error(
                f"{count} demo account(s) exist; their password is published.",
                hint="Delete the demo accounts (User.is_demo) before running in production.",
                id="departments.E001",
            )
        ]
    return []


@register(Tags.security, Tags.database, deploy=True)
def check_system_roles_hold_no_unit(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """三员: an administrator or auditor with a unit in the database (set by
    SQL or restored from an old backup) reads nothing through it, since the
    product ignores it, but the row is wrong and someone put it there."""
    try:
        names = list(
            User.objects.filter(role__in=SYSTEM_ROLES, unit__isnull=False)
            .order_by("username")
            .values_list("username", flat=True)
        )
    except DatabaseError:
        return []  # check_no_demo_accounts reports an unreachable database
    if names:
        return [
            Error(
                f"System administrator or auditor accounts with a unit: {', '.join(names)}.",
                hint="Clear their unit (an administrator or auditor belongs to no unit), "
                "and find out in the audit trail who set it.",
                id="departments.E003",
            )
        ]
    return []
