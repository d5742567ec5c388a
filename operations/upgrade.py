"""Upgrade steps Django's migrations cannot take by themselves.

In December 2026 the app of the plan was renamed from ``ledger`` to ``plans``
(and ``ledger`` became the app of the 台账, which has no tables). The tables
kept their names, so nothing moves in the database; what must change is the
app's name in Django's own bookkeeping: the migration history (else ``plans``'
initial migration would try to create tables that exist, and every app that
depends on it would look inconsistent) and the content types (which the
permissions and the audit trail's object references point at). Django checks
the history before any migration or signal runs, so this runs first, from
``operations``' ``migrate`` command.
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# The migration every renamed app had under its former label.
FORMER_MARKER = "0001_initial"


def renamed_apps() -> list[tuple[str, str, str]]:
    """(former label, label, a migration the former app had) of every app
    whose AppConfig names a ``former_label``."""
    return [
        (config.former_label, config.label, FORMER_MARKER)
        for config in apps.get_app_configs()
        if getattr(config, "former_label", None)
    ]


def rename_apps(connection: BaseDatabaseWrapper) -> list[str]:
    """Rename the apps of ``renamed_apps()`` in the migration history and the
    content types, once; returns the renames done (empty when nothing was due)."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return []  # a new database: nothing recorded under the old names
    done = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for old, new, marker in renamed_apps():
            cursor.execute(
                "SELECT COUNT(*) FROM django_migrations WHERE app = %s AND name = %s",
                [old, marker],
            )
            has_old = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", [new])
            has_new = cursor.fetchone()[0]
            if not has_old or has_new:
                continue
            cursor.execute("UPDATE django_migrations SET app = %s WHERE app = %s", [new, old])
            if "django_content_type" in tables:
                cursor.execute(
                    "UPDATE django_content_type SET app_label = %s WHERE app_label = %s",
                    [new, old],
                )
            done.append(f"{old} -> {new}")
    return done
