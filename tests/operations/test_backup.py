"""Backup and restore: the database, the uploaded files and the audit trail round-trip,
and an unusable archive or a target that is not empty is refused with nothing changed."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from audit.models import AuditEvent
from audit.services import audit_record
from departments.services import registry_sync
from operations.backup import FORMAT_VERSION, backup_create, backup_restore
from tests.audit_coverage import audited
from tests.operations.isolated import manage_py, scratch_database

BASE_DIR = Path(django_settings.BASE_DIR)
AUDIT_TABLE = AuditEvent._meta.db_table
ON_SQLITE = connection.vendor == "sqlite"
UPLOAD = Path("attachments") / "2024" / "进展报告.pdf"


# --------------------------------------------------------------------------- helpers


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process, with its own database and MEDIA_ROOT."""
    return manage_py(BASE_DIR, *args, env=env)


def sqlite_env(db: Path, media: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{db}", "MEDIA_ROOT": str(media)}


def command_error(done: subprocess.CompletedProcess[str]) -> str:
    """The one CommandError line of a refused command; system-check warnings may precede it."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("CommandError: ")]
    assert len(errors) == 1, done.stderr
    assert done.stderr.rstrip().endswith(errors[0])
    return errors[0]


def sqlite_tables(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names
        }


def site_counts() -> dict[str, int]:
    """Row counts of every model table of the test database, read through Django."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def write_archive(path: Path, manifest: dict | None, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        items = dict(members)
        if manifest is not None:
            items["manifest.json"] = json.dumps(manifest).encode()
        for name, data in items.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def small_sqlite_dump(tmp_path: Path) -> bytes:
    """A real SQLite database with one table: restoring it would leave a visible trace."""
    path = tmp_path / f"dump-{uuid.uuid4().hex}.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE planted (id INTEGER PRIMARY KEY)")
    data = path.read_bytes()
    path.unlink()
    return data


def crafted_archive(
    tmp_path: Path, *, vendor: str = "sqlite", extra: dict[str, bytes] | None = None, **changes
) -> Path:
    """An archive that passes every check except what `changes` and `extra` break."""
    dump_name = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[vendor]
    dump = small_sqlite_dump(tmp_path)
    manifest = {
        "format_version": FORMAT_VERSION,
        "created_at": "2024-05-01T08:00:00+00:00",
        "vendor": vendor,
        "database": {"file": dump_name, "sha256": hashlib.sha256(dump).hexdigest()},
        "migrations": {},
        "tables": {"planted": 0},
        "audit": {"rows": 0, "last_hash": ""},
        "media": {"files": 0, "bytes": 0},
        **changes,
    }
    path = tmp_path / f"crafted-{uuid.uuid4().hex[:8]}.tar.gz"
    return write_archive(path, manifest, {dump_name: dump, **(extra or {})})


@pytest.fixture
def site_data(settings, tmp_path: Path) -> bytes:
    """Units, aliases and audit rows in the test database, and one uploaded file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    registry_sync(by=None)
    audit_record(action="test.note", by=None, summary={"单位": "市市场监管局", "n": 1})
    audit_record(action="test.note", by=None, summary={"n": 2})
    data = os.urandom(4096) + "邢台".encode()
    upload = tmp_path / "media" / UPLOAD
    upload.parent.mkdir(parents=True)
    upload.write_bytes(data)
    return data


# --------------------------------------------------------------------------- round trips


@pytest.mark.skipif(not ON_SQLITE, reason="backs up the SQLite test database in process")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_the_same_rows_files_and_trail_into_an_empty_database(
    site_data: bytes, tmp_path: Path
) -> None:
    archive = tmp_path / "site.tar.gz"
    with audited(
        backup_create, action="system.backup", by=None, outcome="ok", summary={"file": archive.name}
    ):
        call_command("backup", str(archive), stdout=io.StringIO())
    source = site_counts()

    # The backup holds the record of its own making as the trail's last row.
    backup_row = AuditEvent.objects.latest("id")
    assert (backup_row.action, backup_row.summary) == ("system.backup", {"file": "site.tar.gz"})
    manifest = read_manifest(archive)
    assert manifest["vendor"] == "sqlite"
    assert manifest["audit"] == {"rows": source[AUDIT_TABLE], "last_hash": backup_row.hash}
    assert manifest["tables"]["departments_unit"] == source["departments_unit"]

    restored_db, restored_media = tmp_path / "restored.sqlite3", tmp_path / "media2"
    env = sqlite_env(restored_db, restored_media)
    done = manage("restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr

    restored = sqlite_tables(restored_db)
    # The restore adds its own audit row; every other table is exactly as saved.
    assert restored[AUDIT_TABLE] == source[AUDIT_TABLE] + 1
    assert {t: restored.get(t) for t in source if t != AUDIT_TABLE} == {
        t: n for t, n in source.items() if t != AUDIT_TABLE
    }
    assert restored["departments_unit"] > 50
    with sqlite3.connect(restored_db) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_auditevent ORDER BY id")]
    assert actions[-2:] == ["system.backup", "system.restore"]
    assert manage("verify_audit", env=env).returncode == 0
    assert (restored_media / UPLOAD).read_bytes() == site_data


@contextmanager
def default_database_in(name: str) -> Iterator[None]:
    """Point Django's default connection at another database (an SQLite file,
    or a PostgreSQL database on the same server) for a while, then give the
    test database back its own connection, untouched."""
    saved_connection, saved_name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        connection.connection = saved_connection


@contextmanager
def an_empty_database(tmp_path: Path) -> Iterator[str]:
    """The name of a new, empty database of the test database's kind."""
    if ON_SQLITE:
        yield str(tmp_path / "restored.sqlite3")
    else:
        with scratch_database("restore") as target:
            yield target.name


@pytest.mark.django_db(transaction=True)
def test_a_restore_in_process_records_itself_last_in_the_restored_trail(
    site_data: bytes, settings, tmp_path: Path
) -> None:
    archive = tmp_path / "site.tar.gz"
    with audited(
        backup_create, action="system.backup", by=None, outcome="ok", summary={"file": archive.name}
    ):
        backup_create(path=archive)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with an_empty_database(tmp_path) as name, default_database_in(name):
        with audited(
            backup_restore,
            action="system.restore",
            by=None,
            outcome="ok",
            summary={"file": archive.name, "problems": []},
            count=1,
        ) as check:
            report = backup_restore(path=archive)
        assert report.ok
        assert check.rows[0].pk == AuditEvent.objects.latest("id").pk
    assert (tmp_path / "restored-media" / UPLOAD).read_bytes() == site_data
    # The test database is the one in use again, without the restore's row.
    assert not AuditEvent.objects.filter(action="system.restore").exists()


@pytest.mark.postgres(reason="needs PostgreSQL: backs up with pg_dump and restores with pg_restore")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_new_empty_database(
    site_data: bytes, tmp_path: Path
) -> None:
    from psycopg import sql

    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    source = site_counts()
    assert read_manifest(archive)["vendor"] == "postgresql"

    with scratch_database("restore") as target:
        restored_media = tmp_path / "media2"
        env = {"DATABASE_URL": target.url, "MEDIA_ROOT": str(restored_media)}

        done = manage("restore", str(archive), env=env)
        assert done.returncode == 0, done.stderr

        with target.connect() as restored:
            counts = {
                table: restored.execute(
                    sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()[0]
                for table in source
            }
            last_actions = [
                row[0]
                for row in restored.execute(
                    "SELECT action FROM audit_auditevent ORDER BY id DESC LIMIT 2"
                )
            ]
        assert counts[AUDIT_TABLE] == source[AUDIT_TABLE] + 1
        assert {t: n for t, n in counts.items() if t != AUDIT_TABLE} == {
            t: n for t, n in source.items() if t != AUDIT_TABLE
        }
        assert last_actions == ["system.restore", "system.backup"]
        assert manage("verify_audit", env=env).returncode == 0
        assert (restored_media / UPLOAD).read_bytes() == site_data

        # The restored database is no longer empty: a second restore is refused.
        again = manage("restore", str(archive), env={**env, "MEDIA_ROOT": str(tmp_path / "m3")})
        assert "CommandError" in command_error(again)


@dataclass
class FileSite:
    root: Path
    source_db: Path
    archive: Path
    restored_db: Path
    restored_media: Path
    upload: bytes
    restore: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def file_site(tmp_path_factory: pytest.TempPathFactory) -> FileSite:
    """A site on a SQLite file, as in production, backed up and restored on the command line."""
    root = tmp_path_factory.mktemp("file-site")
    source_env = sqlite_env(root / "source.sqlite3", root / "media")
    for args in (
        ("migrate", "--noinput"),
        ("load_units",),
        (
            "shell",
            "-c",
            "from audit.services import audit_record; "
            "audit_record(action='test.note', by=None, summary={'单位': '市财政局'})",
        ),
    ):
        done = manage(*args, env=source_env)
        assert done.returncode == 0, done.stderr
    upload = os.urandom(10_000)
    (root / "media" / UPLOAD).parent.mkdir(parents=True)
    (root / "media" / UPLOAD).write_bytes(upload)
    archive = root / "site.tar.gz"
    done = manage("backup", str(archive), env=source_env)
    assert done.returncode == 0, done.stderr
    restored_db, restored_media = root / "restored.sqlite3", root / "media2"
    restore = manage("restore", str(archive), env=sqlite_env(restored_db, restored_media))
    return FileSite(
        root, root / "source.sqlite3", archive, restored_db, restored_media, upload, restore
    )


def test_a_sqlite_file_database_round_trips_through_the_command_line(file_site: FileSite) -> None:
    assert file_site.restore.returncode == 0, file_site.restore.stderr
    source, restored = sqlite_tables(file_site.source_db), sqlite_tables(file_site.restored_db)
    assert restored[AUDIT_TABLE] == source[AUDIT_TABLE] + 1
    assert {t: n for t, n in restored.items() if t != AUDIT_TABLE} == {
        t: n for t, n in source.items() if t != AUDIT_TABLE
    }
    assert source["departments_unitalias"] > 50
    assert (file_site.restored_media / UPLOAD).read_bytes() == file_site.upload
    env = sqlite_env(file_site.restored_db, file_site.restored_media)
    assert manage("verify_audit", env=env).returncode == 0
    # Backups hold password hashes: only the owner may read the archive.
    assert file_site.archive.stat().st_mode & 0o077 == 0


def test_an_audit_row_edited_after_the_restore_breaks_the_chain(
    file_site: FileSite, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.sqlite3"
    shutil.copy(file_site.restored_db, tampered)
    with sqlite3.connect(tampered) as conn:
        row_id = conn.execute("SELECT MIN(id) FROM audit_auditevent").fetchone()[0]
        conn.execute(
            "UPDATE audit_auditevent SET summary = ? WHERE id = ?", ['{"edited": true}', row_id]
        )
    env = sqlite_env(tampered, tmp_path / "media")
    error = command_error(manage("verify_audit", env=env))
    assert str(row_id) in error


def test_a_restore_that_does_not_match_its_manifest_fails_and_says_so_in_the_trail(
    file_site: FileSite, tmp_path: Path
) -> None:
    # The same dump under a manifest that claims one more unit than it holds.
    manifest = read_manifest(file_site.archive)
    manifest["tables"]["departments_unit"] += 1
    members: dict[str, bytes] = {}
    with tarfile.open(file_site.archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name != "manifest.json":
                members[member.name] = tar.extractfile(member).read()
    archive = write_archive(tmp_path / "lying.tar.gz", manifest, members)
    restored_db = tmp_path / "restored.sqlite3"
    done = manage("restore", str(archive), env=sqlite_env(restored_db, tmp_path / "media"))
    assert "departments_unit" in command_error(done)
    with sqlite3.connect(restored_db) as conn:
        action, outcome = conn.execute(
            "SELECT action, outcome FROM audit_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (action, outcome) == ("system.restore", "failed")


# --------------------------------------------------------------------------- refusals


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(
    site_data: bytes, settings, tmp_path: Path
) -> None:
    archive = tmp_path / "site.tar.gz"
    backup_create(path=archive)
    before = site_counts()
    settings.MEDIA_ROOT = tmp_path / "other-media"
    with translation.override("en"), pytest.raises(CommandError, match="not empty") as caught:
        call_command("restore", str(archive))
    assert "\n" not in str(caught.value)
    assert site_counts() == before
    assert not (tmp_path / "other-media").exists()


@pytest.mark.django_db
def test_backup_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "old.tar.gz"
    existing.write_bytes(b"an older backup")
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"an older backup"
    assert AuditEvent.objects.count() == before


def _bad_input(tmp_path: Path, case: str, *, target_vendor: str) -> Path:
    if case == "missing file":
        return tmp_path / "nowhere.tar.gz"
    if case == "garbage":
        path = tmp_path / "garbage.tar.gz"
        path.write_bytes(b"this is not an archive\n" * 10)
        return path
    if case == "plain tar":
        path = tmp_path / "plain.tar"
        with tarfile.open(path, "w") as tar:
            tar.addfile(tarfile.TarInfo("manifest.json"), io.BytesIO(b""))
        return path
    if case == "no manifest":
        return write_archive(tmp_path / "bare.tar.gz", None, {"notes.txt": b"hello"})
    if case == "unreadable manifest":
        path = tmp_path / "broken.tar.gz"
        return write_archive(path, None, {"manifest.json": b"{not json"})
    if case == "unknown format version":
        return crafted_archive(tmp_path, format_version=99)
    if case == "other vendor":
        other = "postgresql" if target_vendor == "sqlite" else "sqlite"
        return crafted_archive(tmp_path, vendor=other)
    if case == "damaged dump":
        return crafted_archive(tmp_path, database={"file": "database.sqlite3", "sha256": "0" * 64})
    raise AssertionError(case)


EXPECTED_MESSAGES = {
    "missing file": "does not exist",
    "garbage": "not a backup archive",
    "plain tar": "not a backup archive",
    "no manifest": "no manifest.json",
    "unreadable manifest": "cannot read",
    "unknown format version": "format 99",
    "other vendor": "backup but this site runs on",
}


@pytest.mark.parametrize("case", sorted(EXPECTED_MESSAGES))
@pytest.mark.django_db
def test_restore_refuses_bad_input_with_one_clear_line(settings, tmp_path: Path, case: str) -> None:
    path = _bad_input(tmp_path, case, target_vendor=connection.vendor)
    before = site_counts()
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("restore", str(path))
    message = str(caught.value)
    assert EXPECTED_MESSAGES[case] in message
    assert "\n" not in message
    assert site_counts() == before
    assert not (tmp_path / "media").exists()


@pytest.mark.parametrize(
    "case",
    [*sorted(EXPECTED_MESSAGES), "damaged dump"],
)
def test_restore_on_the_command_line_refuses_bad_input_without_a_traceback_or_a_change(
    tmp_path: Path, case: str
) -> None:
    path = _bad_input(tmp_path, case, target_vendor="sqlite")
    db, media = tmp_path / "empty.sqlite3", tmp_path / "media"
    done = manage("restore", str(path), env=sqlite_env(db, media))
    assert path.name in command_error(done)
    assert sqlite_tables(db) == {}
    assert not media.exists()


@pytest.mark.parametrize(
    "member",
    ["../evil", "media/../../evil", "/tmp/evil-absolute", "notes/other.txt", "media/link"],
)
def test_restore_refuses_an_archive_with_a_member_outside_its_place(
    tmp_path: Path, member: str
) -> None:
    target = tmp_path / "site"
    target.mkdir()
    if member == "media/link":
        # A symbolic link to a file outside MEDIA_ROOT: extracting through it would
        # read or overwrite that file.
        path = crafted_archive(tmp_path)
        with tarfile.open(tmp_path / "with-link.tar.gz", "w:gz") as out:
            with tarfile.open(path, "r:gz") as source:
                for item in source.getmembers():
                    out.addfile(item, source.extractfile(item))
            link = tarfile.TarInfo("media/link")
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            out.addfile(link)
        path = tmp_path / "with-link.tar.gz"
    else:
        path = crafted_archive(tmp_path, extra={member: b"planted"})
    db, media = target / "empty.sqlite3", target / "media"
    done = manage("restore", str(path), env=sqlite_env(db, media))
    assert member in command_error(done)
    assert sqlite_tables(db) == {}
    assert not media.exists()
    assert not (tmp_path / "evil").exists()
    assert not Path("/tmp/evil-absolute").exists()
