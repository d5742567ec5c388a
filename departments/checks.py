"""System checks for a production start."""

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from departments.models import User


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
