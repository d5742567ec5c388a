"""Upgrading in place from the code before the 2026-12 renames (the plan in the app
``ledger``, the document numbers in ``supervision``) keeps every row, permission
and number: the old code fills a PostgreSQL database, this code migrates it.

The migration history's and the content types' rename itself is tested against
SQLite below, without any other process."""

import datetime
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler, load_backend
from pytest_django import DjangoDbBlocker

from operations.upgrade import rename_apps
from tests.operations.isolated import ScratchDatabase, manage_py, scratch_database

BASE_DIR = Path(django_settings.BASE_DIR)
# "Today's main" before the renames (acf8b31, d9b6958); a full clone has it.
BEFORE_RENAMES = "c8f3438"
THIS_YEAR = datetime.date.today().year

# Run by the old code's `manage.py shell`: the registry, the demo plan dispatched,
# a round open, a supervisor and a liaison, three 督办单 numbers of this year.
OLD_SEED = f"""
import datetime, io, json
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from departments.models import Unit, User
from departments.services import person_upsert
from ledger.models import Plan
from rounds.models import Round
from rounds.periods import period_label
from supervision.models import NumberSeries
from supervision.services import next_number

quiet = io.StringIO()
call_command("load_units", stdout=quiet)
call_command("import_plan", "data/plans/xingtai-quality-2023-2027.txt", stdout=quiet)
doc_number = Plan.objects.get().doc_number
call_command("dispatch_plan", "--plan", doc_number, stdout=quiet)
today = timezone.localdate()
call_command(
    "open_round", "--plan", doc_number,
    "--period", period_label(Round.Cadence.QUARTERLY, today.year, (today.month + 2) // 3),
    "--deadline", (today + datetime.timedelta(days=14)).isoformat(),
    stdout=quiet,
)
bureau = Unit.objects.get(code="shichang")
for username, role in [("supervisor", User.Role.SUPERVISOR), ("liaison", User.Role.LIAISON)]:
    person_upsert(
        username=username, role=role, unit=bureau, display_name=username,
        password_hash="!", by=None,
    )
with transaction.atomic():
    for _n in range(3):
        next_number("supervision_notice", {THIS_YEAR})
print(json.dumps({{
    "may_supervise": User.objects.get(username="supervisor").has_perm("ledger.supervise_plan"),
    "series": list(NumberSeries.objects.values_list("series", "year", "last")),
}}))
"""

# Run by this code's `manage.py shell` once the database is upgraded.
NEW_READ = f"""
import io, json
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from viewflow.workflow.models import Process, Task
from departments.models import User
from departments.permissions import SUPERVISE_PLAN
from documents.models import NumberSeries
from documents.numbering import next_number
from plans.models import Plan

# README's upgrade step: the unkeyed trail continues under the audit key, then verifies.
call_command("audit_rekey", stdout=io.StringIO())
call_command("verify_audit", stdout=io.StringIO())
facts = {{
    "may_supervise": User.objects.get(username="supervisor").has_perm(SUPERVISE_PLAN),
    "plan_type": ContentType.objects.get_for_model(Plan).app_label,
    "series": list(NumberSeries.objects.values_list("series", "year", "last")),
    # Viewflow stores its flows and steps by app label and path: each must still resolve.
    "flows": sorted({{str(p.flow_class) for p in Process.objects.all()}}),
    "steps": Task.objects.count(),
    "lost_steps": sum(1 for t in Task.objects.all() if t.flow_task is None),
}}
with transaction.atomic():
    facts["next"] = next_number("supervision_notice", {THIS_YEAR})
print(json.dumps(facts))
"""

SUPERVISOR_PERMISSIONS = """
SELECT ct.app_label || '.' || p.codename
FROM departments_user u
JOIN departments_user_groups ug ON ug.user_id = u.id
JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
JOIN auth_permission p ON p.id = gp.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE u.username = 'supervisor'
UNION
SELECT ct.app_label || '.' || p.codename
FROM departments_user u
JOIN departments_user_user_permissions up ON up.user_id = u.id
JOIN auth_permission p ON p.id = up.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE u.username = 'supervisor'
"""

# What came after the renames: migrations that add a column each, and one index.
LATER_MIGRATIONS = {
    ("supervision", "0006_sweep_run"),
    ("plans", "0002_tasktarget_by_member"),
    ("rounds", "0002_entry_kept_previous"),
    ("supervision", "0003_one_open_interview_proposal_per_unit"),
    ("supervision", "0004_proposal_one_open_per_unit_constraint"),
    ("plans", "0003_category_levels_task_deadline"),
    ("plans", "0004_category_order_unique"),
    ("audit", "0003_auditevent_key_id_digest"),
    ("audit", "0004_auditevent_stream"),
    ("plans", "0005_planupload"),
    ("departments", "0002_role_requests_and_no_unit_for_system_roles"),
    ("notices", "0003_seal_robot_secrets"),
    ("indicators", "0002_no_group_owner"),
    ("dashboard", "0001_round_summary"),
    ("dashboard", "0002_build_round_summaries"),
    ("jobs", "0001_initial"),
    ("supervision", "0005_ladder_progress"),
    ("rounds", "0003_unitreport_draft_version"),
}
# Tables the later migrations create: empty after the upgrade, and left out of the
# comparison of the schema before and after (a new installation has them the same).
LATER_TABLES = {
    "supervision_sweeprun",
    "plans_planupload",
    "departments_rolerequest",
    "dashboard_roundsummary",
    "jobs_job",
    "supervision_ladderprogress",
}
# The later tables a data migration fills from the old data (the dashboard's round
# summaries, built from the old rounds): not empty, and checked against a full count.
LATER_FILLED = {"dashboard_roundsummary"}
# Their models' content types (and so permissions), new after the upgrade.
LATER_MODELS = {
    ("supervision", "sweeprun"),
    ("plans", "planupload"),
    ("departments", "rolerequest"),
    ("dashboard", "roundsummary"),
    ("jobs", "job"),
    ("supervision", "ladderprogress"),
}
PERMISSION_VERBS = ("add", "change", "delete", "view")
LATER_COLUMNS = {
    ("ledger_tasktarget", "by_member"),
    ("rounds_entry", "kept_previous"),
    ("rounds_unitreport", "draft_version"),
    ("supervision_interviewproposal", "evidence"),
    ("ledger_category", "parent_id"),
    ("ledger_category", "order"),
    ("ledger_category", "label"),
    ("ledger_task", "deadline"),
    ("ledger_task", "deadline_text"),
    ("ledger_task", "standing"),
    ("ledger_task", "unassigned"),
    ("audit_auditevent", "key_id"),
    ("audit_auditevent", "digest"),
    ("audit_auditevent", "stream"),
    ("notices_unitwebhook", "address"),
    # Sealed now: the same columns as text.
    ("notices_unitwebhook", "url"),
    ("notices_unitwebhook", "secret"),
}
# (table, column) whose old form the later migrations replace.
DROPPED_COLUMNS = {("notices_unitwebhook", "url"), ("notices_unitwebhook", "secret")}
# (table, index) the later migrations add, and the ones they drop.
LATER_INDEXES = {
    ("supervision_interviewproposal", "proposal_one_open_per_unit"),
    ("ledger_category", "category_order_unique"),
    ("ledger_category", "ledger_category_parent_id_cdbd348b"),
    ("audit_auditevent", "audit_event_stream_id"),
}
DROPPED_INDEXES = {("ledger_category", "category_number_unique")}
# (table, constraint) likewise.
LATER_CONSTRAINTS = {
    ("audit_auditevent", "audit_auditevent_stream_check"),
    ("ledger_category", "category_order_unique"),
    ("ledger_category", "ledger_category_parent_id_cdbd348b_fk_ledger_category_id"),
    ("ledger_category", "ledger_category_order_check"),
    ("rounds_unitreport", "rounds_unitreport_draft_version_check"),
}
DROPPED_CONSTRAINTS = {("ledger_category", "category_number_unique")}

# Every table, column, index, constraint, trigger and sequence, as PostgreSQL
# describes them: the renames are the bookkeeping's only, the schema stays.
SCHEMA = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
        FROM pg_trigger WHERE NOT tgisinternal""",
    "sequences": "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'",
}


# --------------------------------------------------------------------------- helpers


def export_tree(commit: str, into: Path) -> Path:
    """The files of ``commit``, as ``git archive`` gives them, under ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=BASE_DIR, capture_output=True, check=False
    )
    assert archive.returncode == 0, (
        f"git archive {commit} failed (a shallow clone?): {archive.stderr.decode()}"
    )
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def run(tree: Path, *args: str, env: dict[str, str]) -> str:
    done = manage_py(tree, *args, env=env)
    assert done.returncode == 0, f"manage.py {args[0]} in {tree}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def shell_facts(tree: Path, script: str, env: dict[str, str]) -> dict:
    """What ``script``, run by ``tree``'s code, printed as JSON on its last line."""
    return json.loads(run(tree, "shell", "-c", script, env=env).strip().splitlines()[-1])


class Snapshot:
    """What the upgrade must keep, read straight from the database."""

    def __init__(self, db: ScratchDatabase) -> None:
        with db.connect() as conn:
            names = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            self.counts = {
                table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for (table,) in names.fetchall()
            }
            self.content_types = {
                pk: (app_label, model)
                for pk, app_label, model in conn.execute(
                    "SELECT id, app_label, model FROM django_content_type"
                )
            }
            self.migrations = set(conn.execute("SELECT app, name FROM django_migrations"))
            self.permissions = set(
                conn.execute(
                    "SELECT ct.app_label, p.codename, p.name FROM auth_permission p "
                    "JOIN django_content_type ct ON ct.id = p.content_type_id"
                )
            )
            self.supervisor = {row[0] for row in conn.execute(SUPERVISOR_PERMISSIONS)}
            self.series = sorted(
                conn.execute("SELECT series, year, last FROM supervision_numberseries")
            )
            self.schema = {
                part: sorted(conn.execute(query).fetchall()) for part, query in SCHEMA.items()
            }


def without_later_tables(part: str, rows: list[tuple]) -> list[tuple]:
    """The schema's rows of `part` but for those of LATER_TABLES (a sequence by its name)."""
    if part == "sequences":
        return [
            row for row in rows if not any(row[0].startswith(f"{table}_") for table in LATER_TABLES)
        ]
    if part == "triggers":
        return rows
    return [row for row in rows if row[0] not in LATER_TABLES]


def renamed(label: str) -> str:
    """An app label, or a permission's "app.codename", as this code names it."""
    app_label, dot, rest = label.partition(".")
    return f"plans{dot}{rest}" if app_label == "ledger" else label


# --------------------------------------------------------------------------- on PostgreSQL


@pytest.mark.postgres(reason="needs PostgreSQL: upgrades a database the old code made in place")
def test_a_database_made_by_the_code_before_the_renames_upgrades_in_place(
    tmp_path: Path,
) -> None:
    old_tree = export_tree(BEFORE_RENAMES, tmp_path / "old")
    with scratch_database("upgrade") as db:
        env = {"DATABASE_URL": db.url, "MEDIA_ROOT": str(tmp_path / "media")}
        run(old_tree, "migrate", "--verbosity", "0", env=env)
        old = shell_facts(old_tree, OLD_SEED, env)
        before = Snapshot(db)
        assert old == {"may_supervise": True, "series": [["supervision_notice", THIS_YEAR, 3]]}
        assert before.series == [("supervision_notice", THIS_YEAR, 3)]
        assert "ledger.supervise_plan" in before.supervisor
        assert ("ledger", "0001_initial") in before.migrations

        # A check before deciding to upgrade sees what is pending and changes nothing.
        check = manage_py(BASE_DIR, "migrate", "--check", env=env)
        assert check.returncode == 1, check.stdout + check.stderr
        assert Snapshot(db).migrations == before.migrations

        upgrade = run(BASE_DIR, "migrate", env=env)
        assert "Renamed app in the migration history: ledger -> plans" in upgrade
        after = Snapshot(db)
        again = run(BASE_DIR, "migrate", env=env)
        assert "Renamed app" not in again
        assert "No migrations to apply." in again
        run(BASE_DIR, "migrate", "--check", env=env)
        run(BASE_DIR, "makemigrations", "--check", "--dry-run", env=env)
        # Exits non-zero when a view's figures differ from a full count.
        run(BASE_DIR, "dashboard_summaries", "--check", env=env)
        new = shell_facts(BASE_DIR, NEW_READ, env)
    with scratch_database("fresh") as db:
        run(BASE_DIR, "migrate", "--verbosity", "0", env={**env, "DATABASE_URL": db.url})
        fresh = Snapshot(db)

    # No table lost or gained a row, but for the content type and Django's four default
    # permissions of each later model; the history gained the two state-only migrations.
    assert after.counts.keys() == before.counts.keys() | LATER_TABLES
    assert all(after.counts[table] for table in LATER_FILLED), after.counts
    assert {
        t: n for t, n in after.counts.items() if t != "django_migrations" and t not in LATER_FILLED
    } == {
        **{t: n for t, n in before.counts.items() if t != "django_migrations"},
        **dict.fromkeys(LATER_TABLES - LATER_FILLED, 0),
        "django_content_type": before.counts["django_content_type"] + len(LATER_MODELS),
        "auth_permission": before.counts["auth_permission"] + 4 * len(LATER_MODELS),
    }
    assert {
        (app, codename)
        for app, codename, _name in after.permissions
        if (app, codename.partition("_")[2]) in LATER_MODELS
    } == {(app, f"{verb}_{model}") for app, model in LATER_MODELS for verb in PERMISSION_VERBS}
    assert after.migrations == {(renamed(app), name) for app, name in before.migrations} | {
        ("documents", "0001_initial"),
        ("supervision", "0002_numberseries_to_documents"),
        *LATER_MIGRATIONS,
    }
    assert "ledger" not in {app for app, _name in after.migrations}
    # The same schema as before, but for the columns later migrations add, and as a
    # new installation of this code has: not an index or a constraint under another name.
    changed = {
        "columns": (LATER_COLUMNS, DROPPED_COLUMNS),
        "indexes": (LATER_INDEXES, DROPPED_INDEXES),
        "constraints": (LATER_CONSTRAINTS, DROPPED_CONSTRAINTS),
    }
    assert not any(row[0] in LATER_TABLES for part in before.schema.values() for row in part)
    kept = {part: without_later_tables(part, rows) for part, rows in after.schema.items()}
    for part in SCHEMA:
        if part not in changed:
            assert kept[part] == before.schema[part], part
    for part, (later, dropped) in changed.items():
        added = set(kept[part]) - set(before.schema[part])
        removed = set(before.schema[part]) - set(kept[part])
        assert {(table, name) for table, name, *_rest in added} == later, part
        assert {(table, name) for table, name, *_rest in removed} == dropped, part
    assert after.schema == fresh.schema
    assert after.migrations == fresh.migrations
    assert set(after.content_types.values()) == set(fresh.content_types.values())
    assert after.permissions == fresh.permissions

    # The same content types, under their new apps, so every permission and every
    # reference to one (admin log, guardian, viewflow) still points where it did.
    assert {
        pk: label for pk, label in after.content_types.items() if label not in LATER_MODELS
    } == {
        pk: (
            "documents" if (app, model) == ("supervision", "numberseries") else renamed(app),
            model,
        )
        for pk, (app, model) in before.content_types.items()
    }
    assert after.supervisor == {renamed(label) for label in before.supervisor}
    assert "plans.supervise_plan" in after.supervisor

    assert new["may_supervise"] is True
    assert new["plan_type"] == "plans"
    assert new["series"] == [["supervision_notice", THIS_YEAR, 3]]
    assert new["next"] == 4
    assert new["flows"] == ["rounds/flows.ReportFlow", "workflow/flows.TaskFlow"]
    assert new["steps"] > 0
    assert new["lost_steps"] == 0


# --------------------------------------------------------------------------- the rename


@pytest.fixture
def scratch_sqlite(
    tmp_path: Path, django_db_blocker: DjangoDbBlocker
) -> Iterator[BaseDatabaseWrapper]:
    """An empty SQLite database, registered under an alias of its own so that
    transaction.atomic(using=...) finds it."""
    alias = "upgrade_scratch"
    engine = "django.db.backends.sqlite3"
    # A handler of its own fills in the settings Django's defaults would.
    settings_dict = ConnectionHandler(
        {DEFAULT_DB_ALIAS: {"ENGINE": engine, "NAME": str(tmp_path / "db.sqlite3")}}
    ).settings[DEFAULT_DB_ALIAS]
    scratch = load_backend(engine).DatabaseWrapper(settings_dict, alias)
    connections[alias] = scratch
    with django_db_blocker.unblock():
        try:
            yield scratch
        finally:
            scratch.close()
            del connections[alias]


def bookkeeping(
    scratch: BaseDatabaseWrapper, migrations: list[tuple[str, str]], types: list[tuple[str, str]]
) -> None:
    """Django's migration history and content types, with these rows."""
    recorder = MigrationRecorder(scratch)
    for app, name in migrations:
        recorder.record_applied(app, name)
    with scratch.schema_editor() as editor:
        editor.create_model(ContentType)
    ContentType.objects.using(scratch.alias).bulk_create(
        ContentType(app_label=app_label, model=model) for app_label, model in types
    )


def rows(scratch: BaseDatabaseWrapper) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with scratch.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = cursor.fetchall()
        cursor.execute("SELECT app_label, model FROM django_content_type ORDER BY id")
        return migrations, cursor.fetchall()


def test_a_new_database_is_left_as_it_is(scratch_sqlite: BaseDatabaseWrapper) -> None:
    assert rename_apps(scratch_sqlite) == []
    assert scratch_sqlite.introspection.table_names() == []


def test_the_plan_app_is_renamed_once_in_the_history_and_the_content_types(
    scratch_sqlite: BaseDatabaseWrapper,
) -> None:
    bookkeeping(
        scratch_sqlite,
        [("ledger", "0001_initial"), ("assessment", "0001_initial")],
        [("ledger", "plan"), ("ledger", "task"), ("supervision", "numberseries")],
    )

    assert rename_apps(scratch_sqlite) == ["ledger -> plans"]
    upgraded = rows(scratch_sqlite)
    assert upgraded == (
        [("assessment", "0001_initial"), ("plans", "0001_initial")],
        # The number series moves in documents' own migration, not here.
        [("plans", "plan"), ("plans", "task"), ("supervision", "numberseries")],
    )

    assert rename_apps(scratch_sqlite) == []
    assert rows(scratch_sqlite) == upgraded


def test_a_database_this_code_made_is_left_as_it_is(scratch_sqlite: BaseDatabaseWrapper) -> None:
    # Even if the 台账 app, now called ledger, one day has a first migration.
    made = (
        [("ledger", "0001_initial"), ("plans", "0001_initial")],
        [("plans", "plan"), ("documents", "numberseries")],
    )
    bookkeeping(scratch_sqlite, *made)

    assert rename_apps(scratch_sqlite) == []
    assert rows(scratch_sqlite) == made
