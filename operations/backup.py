"""Backing up and restoring the whole site: the database and the uploaded files.

One `.tar.gz` archive holds `manifest.json`, the database dump and the `media/`
tree. The manifest records what the dump contains (row counts per table, the
latest migration per app, the audit trail's length and last hash), so a
restore can prove that it brought back exactly what was saved.

A restore only goes into an empty database and an empty MEDIA_ROOT, and every
check on the archive runs before anything is written, so a refused restore
changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from audit.verify import verify_chain

if TYPE_CHECKING:
    from departments.models import User

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media"
# The dump's member name tells the vendor apart even before the manifest is read.
DUMP_NAMES: dict[str, str] = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_LABELS: dict[str, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Connection options from DATABASES["default"]["OPTIONS"] that libpq also understands,
# so pg_dump/pg_restore reach the server exactly as the site does.
LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "options",
    "target_session_attrs",
)
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A refusal or failure the operator can act on; the message is one translated line."""


@dataclass(frozen=True)
class BackupManifest:
    format_version: int
    created_at: str
    vendor: str
    database_file: str
    database_sha256: str
    migrations: dict[str, str]
    tables: dict[str, int]
    audit_rows: int
    audit_last_hash: str
    media_files: int
    media_bytes: int

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "vendor": self.vendor,
            "database": {"file": self.database_file, "sha256": self.database_sha256},
            "migrations": self.migrations,
            "tables": self.tables,
            "audit": {"rows": self.audit_rows, "last_hash": self.audit_last_hash},
            "media": {"files": self.media_files, "bytes": self.media_bytes},
        }

    @classmethod
    def from_json(cls, data: Any, *, source: Path) -> BackupManifest:
        unreadable = BackupError(
            _("%(path)s has a manifest.json this version cannot read.") % {"path": source}
        )
        if not isinstance(data, dict):
            raise unreadable
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise BackupError(
                _(
                    "%(path)s is in backup format %(version)s; this version reads format "
                    "%(supported)d."
                )
                % {"path": source, "version": version, "supported": FORMAT_VERSION}
            )
        try:
            manifest = cls(
                format_version=version,
                created_at=str(data["created_at"]),
                vendor=str(data["vendor"]),
                database_file=str(data["database"]["file"]),
                database_sha256=str(data["database"]["sha256"]),
                migrations={str(k): str(v) for k, v in data["migrations"].items()},
                tables={str(k): int(v) for k, v in data["tables"].items()},
                audit_rows=int(data["audit"]["rows"]),
                audit_last_hash=str(data["audit"]["last_hash"]),
                media_files=int(data["media"]["files"]),
                media_bytes=int(data["media"]["bytes"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise unreadable from None
        if manifest.vendor not in DUMP_NAMES or manifest.database_file != DUMP_NAMES.get(
            manifest.vendor
        ):
            raise unreadable
        return manifest


@dataclass
class RestoreReport:
    manifest: BackupManifest
    audit_rows_checked: int = 0
    media_files: int = 0
    media_bytes: int = 0
    # Code migrations the restored database has not applied yet (a backup made by
    # an older release): the operator runs `migrate` next.
    pending_migrations: int = 0
    # Each a translated description of one difference from the manifest.
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Stats:
    tables: dict[str, int]
    migrations: dict[str, str]
    audit_rows: int
    audit_last_hash: str


# --------------------------------------------------------------------------- backup


def backup_create(*, path: Path, by: User | None = None) -> BackupManifest:
    """Write a backup archive of the database and MEDIA_ROOT to `path` (a file or a folder).

    The audit row `system.backup` is written first, so the archive holds the
    record of its own making.
    """
    if connection.in_atomic_block:
        # The dump is taken outside this transaction (pg_dump is another session),
        # so rows written in it would be missing from the backup yet counted nowhere.
        raise RuntimeError("backup_create() must not run inside a transaction")
    target = backup_target(Path(path))
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Backups of a %(vendor)s database are not supported.") % {"vendor": vendor}
        )
    audit_record(action="system.backup", by=by, summary={"file": target.name})
    try:
        return _write_archive(target=target, vendor=vendor)
    except (BackupError, OSError, DatabaseError, sqlite3.Error) as exc:
        # The trail must not claim a backup that was never written.
        audit_record(
            action="system.backup",
            by=by,
            outcome=AuditEvent.Outcome.FAILED,
            summary={"file": target.name, "error": _one_line(exc)[:500]},
        )
        if isinstance(exc, BackupError):
            raise
        raise BackupError(
            _("The backup could not be written: %(error)s") % {"error": _one_line(exc)}
        ) from exc


def backup_target(path: Path) -> Path:
    """The archive file a backup to `path` writes: `path` itself, or a new name in a folder."""
    if path.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = path / f"backup-{stamp}.tar.gz"
    if not path.parent.is_dir():
        raise BackupError(_("Folder %(path)s does not exist.") % {"path": path.parent})
    if path.exists():
        raise BackupError(_("%(path)s already exists; choose a new file name.") % {"path": path})
    return path


def _write_archive(*, target: Path, vendor: str) -> BackupManifest:
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="backup-") as tmp:
        dump = Path(tmp) / DUMP_NAMES[vendor]
        created_at = timezone.now()
        stats = _dump_sqlite(dump) if vendor == "sqlite" else _dump_postgresql(dump)
        digest = _sha256(dump)
        # Written beside the target and renamed at the end: a failed backup leaves
        # no half-written archive that looks like a good one. mkstemp makes it 0600,
        # which suits a file holding password hashes.
        fd, partial_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )
        partial = Path(partial_name)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    tar.add(dump, arcname=dump.name, recursive=False)
                    # Media after the database: an upload is stored before the row that
                    # names it is committed, so every file the dump refers to is here.
                    files, size = _add_media(tar, media_root, skip={partial, target})
                    manifest = BackupManifest(
                        format_version=FORMAT_VERSION,
                        created_at=created_at.isoformat(),
                        vendor=vendor,
                        database_file=dump.name,
                        database_sha256=digest,
                        migrations=stats.migrations,
                        tables=stats.tables,
                        audit_rows=stats.audit_rows,
                        audit_last_hash=stats.audit_last_hash,
                        media_files=files,
                        media_bytes=size,
                    )
                    body = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2)
                    _add_bytes(tar, MANIFEST_NAME, body.encode("utf-8"))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _dump_sqlite(dump: Path) -> _Stats:
    # The online backup API copies a consistent snapshot while the site keeps
    # running; it reads through Django's own connection, so it also works for an
    # in-memory database (the test database), which has no file to copy.
    connection.ensure_connection()
    destination = sqlite3.connect(dump)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    # Counted in the copy, not the live database: the manifest then describes
    # exactly the snapshot even if the site wrote meanwhile.
    snapshot = sqlite3.connect(dump)
    try:
        cursor = snapshot.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {row[0] for row in cursor.fetchall()}
        return _read_stats(cursor, existing=existing, tables=_model_tables())
    finally:
        snapshot.close()


def _dump_postgresql(dump: Path) -> _Stats:
    # A REPEATABLE READ transaction exports its snapshot and pg_dump dumps that same
    # snapshot, so the counts in the manifest match the dump row for row even while
    # the site keeps writing.
    reader = connection.copy()
    try:
        reader.ensure_connection()
        with reader.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            cursor.execute(
                "SELECT c.relname FROM pg_catalog.pg_class c "
                "WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)"
            )
            existing = {row[0] for row in cursor.fetchall()}
            stats = _read_stats(cursor, existing=existing, tables=_model_tables())
            _run_pg_tool(
                "pg_dump",
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={dump}",
                ],
                settings_dict=reader.settings_dict,
            )
            cursor.execute("ROLLBACK")
    finally:
        reader.close()
    return stats


def _add_media(tar: tarfile.TarFile, media_root: Path, *, skip: set[Path]) -> tuple[int, int]:
    files = size = 0
    if not media_root.is_dir():
        return files, size
    skip_resolved = {p.resolve() for p in skip}
    for directory, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        for filename in sorted(filenames):
            source = Path(directory) / filename
            # Django's storage writes regular files only; a link or device found here
            # was not uploaded through the site and could point anywhere.
            if source.is_symlink() or not source.is_file():
                continue
            if source.resolve() in skip_resolved:
                continue
            relative = source.relative_to(media_root).as_posix()
            info = tar.gettarinfo(source, arcname=f"{MEDIA_PREFIX}/{relative}")
            with source.open("rb") as handle:
                tar.addfile(info, handle)
            files += 1
            size += info.size
    return files, size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# --------------------------------------------------------------------------- restore


def backup_restore(*, path: Path, by: User | None = None) -> RestoreReport:
    """Restore an archive into the empty database and empty MEDIA_ROOT, then check it.

    Raises BackupError, with nothing changed, when the archive is unusable or the
    target is not empty; returns a report whose `problems` list what does not match.
    """
    path = Path(path)
    media_root = Path(settings.MEDIA_ROOT)
    if not path.is_file():
        raise BackupError(_("Backup file %(path)s does not exist.") % {"path": path})
    try:
        tar = tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise BackupError(_not_an_archive(path)) from None
    with tar:
        manifest, members = _read_archive(tar, path=path, media_root=media_root)
        _check_target(manifest, path=path, media_root=media_root)
        with tempfile.TemporaryDirectory(prefix="restore-") as tmp:
            dump = Path(tmp) / manifest.database_file
            _extract_dump(tar, members[manifest.database_file], dump, path=path)
            if _sha256(dump) != manifest.database_sha256:
                raise BackupError(
                    _("%(path)s is damaged: the database dump does not match its checksum.")
                    % {"path": path}
                )
            if manifest.vendor == "sqlite":
                _restore_sqlite(dump)
            else:
                _restore_postgresql(dump)
        report = RestoreReport(manifest=manifest)
        _extract_media(tar, members, media_root=media_root, path=path)
    _check_restored(report, media_root=media_root)
    audit_record(
        action="system.restore",
        by=by,
        outcome=AuditEvent.Outcome.OK if report.ok else AuditEvent.Outcome.FAILED,
        summary={
            "file": path.name,
            "created_at": manifest.created_at,
            "problems": report.problems,
        },
    )
    return report


def _not_an_archive(path: Path) -> str:
    return _("%(path)s is not a backup archive (not a readable .tar.gz file).") % {"path": path}


def _read_archive(
    tar: tarfile.TarFile, *, path: Path, media_root: Path
) -> tuple[BackupManifest, dict[str, tarfile.TarInfo]]:
    """Read the manifest and vet every member before anything is written."""
    try:
        listing = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise BackupError(_not_an_archive(path)) from None
    members = {member.name: member for member in listing}
    if MANIFEST_NAME not in members or not members[MANIFEST_NAME].isfile():
        raise BackupError(
            _("%(path)s is not a backup archive: it has no manifest.json.") % {"path": path}
        )
    try:
        handle = tar.extractfile(members[MANIFEST_NAME])
        data = json.loads(handle.read().decode("utf-8")) if handle else None
    except (tarfile.TarError, OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError):
        data = None
    manifest = BackupManifest.from_json(data, source=path)
    for member in listing:
        if not _member_is_safe(member, manifest=manifest, media_root=media_root):
            raise BackupError(
                _("%(path)s contains an unsafe member %(name)s; nothing was restored.")
                % {"path": path, "name": member.name}
            )
    if manifest.database_file not in members:
        raise BackupError(_not_an_archive(path))
    return manifest, members


def _member_is_safe(member: tarfile.TarInfo, *, manifest: BackupManifest, media_root: Path) -> bool:
    name = member.name
    pure = PurePosixPath(name)
    # A member named absolutely or with `..` would be written outside the
    # destination (tarfile path traversal); refuse the archive outright.
    if pure.is_absolute() or name.startswith("\\") or ".." in pure.parts or "\\" in name:
        return False
    if name in (MANIFEST_NAME, manifest.database_file):
        return member.isfile()
    if pure.parts[0] != MEDIA_PREFIX:
        return False
    if member.isdir():
        return True
    if not member.isfile() or len(pure.parts) < 2:
        return False
    try:
        tarfile.data_filter(_media_member(member), str(media_root))
    except tarfile.FilterError:
        return False
    return True


def _media_member(member: tarfile.TarInfo) -> tarfile.TarInfo:
    relative = PurePosixPath(*PurePosixPath(member.name).parts[1:]).as_posix()
    return member.replace(name=relative, deep=False)


def _check_target(manifest: BackupManifest, *, path: Path, media_root: Path) -> None:
    if manifest.vendor != connection.vendor:
        archive = VENDOR_LABELS.get(manifest.vendor, manifest.vendor)
        database = VENDOR_LABELS.get(connection.vendor, connection.vendor)
        raise BackupError(
            _(
                "%(path)s is a %(archive)s backup but this site runs on %(database)s; "
                "restore it into a %(archive)s database."
            )
            % {"path": path, "archive": archive, "database": database}
        )
    try:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
    except DatabaseError as exc:
        raise BackupError(
            _("Cannot open the database: %(error)s") % {"error": _one_line(exc)}
        ) from None
    if tables:
        raise BackupError(
            _("The database is not empty (%(count)d tables); restore only into an empty database.")
            % {"count": len(tables)}
        )
    # Extracting over existing uploads would mix two sites' files and overwrite
    # some; an empty folder is the only target that cannot lose anything.
    if media_root.exists() and any(p.is_file() or p.is_symlink() for p in media_root.rglob("*")):
        raise BackupError(
            _("MEDIA_ROOT %(path)s already holds files; restore only into an empty media folder.")
            % {"path": media_root}
        )


def _extract_dump(tar: tarfile.TarFile, member: tarfile.TarInfo, dump: Path, *, path: Path) -> None:
    try:
        source = tar.extractfile(member)
        if source is None:
            raise BackupError(_not_an_archive(path))
        with source, dump.open("wb") as target:
            shutil.copyfileobj(source, target, _CHUNK)
    except (tarfile.TarError, EOFError, zlib.error):
        raise BackupError(_not_an_archive(path)) from None


def _restore_sqlite(dump: Path) -> None:
    # The backup API writes the snapshot into Django's own connection in one
    # transaction, rather than copying the file into place: it needs no closed
    # connections, leaves no stale -journal/-wal file of the empty database beside
    # the copy, and also works when the database is in memory.
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(
            _("The database could not be restored: %(error)s") % {"error": _one_line(exc)}
        ) from None
    finally:
        source.close()


def _restore_postgresql(dump: Path) -> None:
    # --single-transaction: a failing pg_restore leaves the database as empty as it was.
    _run_pg_tool(
        "pg_restore",
        ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump)],
        settings_dict=connection.settings_dict,
    )
    # Reconnect: the session was opened on the empty database and may hold
    # catalogue state (types, search path) from before the restore.
    connection.close()


def _extract_media(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], *, media_root: Path, path: Path
) -> None:
    media = [m for m in members.values() if m.isfile() and m.name.startswith(f"{MEDIA_PREFIX}/")]
    if not media:
        return
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        for member in media:
            tar.extract(_media_member(member), path=media_root, filter="data")
    except (tarfile.TarError, EOFError, zlib.error):
        raise BackupError(_not_an_archive(path)) from None


def _check_restored(report: RestoreReport, *, media_root: Path) -> None:
    manifest = report.manifest
    problems = report.problems
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        stats = _read_stats(cursor, existing=existing, tables=manifest.tables)
    for table, expected in sorted(manifest.tables.items()):
        actual = stats.tables.get(table)
        if actual is None:
            problems.append(_("table %(table)s is missing") % {"table": table})
        elif actual != expected:
            problems.append(
                _("table %(table)s has %(actual)d rows, the backup %(expected)d")
                % {"table": table, "actual": actual, "expected": expected}
            )
    for app, expected in sorted(manifest.migrations.items()):
        actual = stats.migrations.get(app, "-")
        if actual != expected:
            problems.append(
                _("app %(app)s is at migration %(actual)s, the backup at %(expected)s")
                % {"app": app, "actual": actual, "expected": expected}
            )
    if AuditEvent._meta.db_table in existing:
        try:
            checked, broken = verify_chain()
        except DatabaseError as exc:
            # A schema this release cannot read (a backup from another release).
            problems.append(
                _("the audit trail cannot be read: %(error)s") % {"error": _one_line(exc)}
            )
            checked, broken = 0, None
        report.audit_rows_checked = checked
        if broken is not None:
            problems.append(_("the audit trail breaks at row %(id)d") % {"id": broken.event_id})
        if stats.audit_last_hash != manifest.audit_last_hash:
            problems.append(_("the audit trail does not end with the backup's last row"))
    for file in media_root.rglob("*") if media_root.is_dir() else ():
        if file.is_file():
            report.media_files += 1
            report.media_bytes += file.stat().st_size
    if (report.media_files, report.media_bytes) != (manifest.media_files, manifest.media_bytes):
        problems.append(
            _(
                "%(actual)d uploaded files (%(actual_bytes)d bytes) were restored, the backup "
                "has %(expected)d (%(expected_bytes)d bytes)"
            )
            % {
                "actual": report.media_files,
                "actual_bytes": report.media_bytes,
                "expected": manifest.media_files,
                "expected_bytes": manifest.media_bytes,
            }
        )
    executor = MigrationExecutor(connection)
    report.pending_migrations = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# --------------------------------------------------------------------------- shared


def _model_tables() -> list[str]:
    """The table of every installed model, including many-to-many tables."""
    tables: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        options = model._meta
        # A proxy shares its parent's table; an unmanaged model's table may not exist.
        if options.proxy or not options.managed:
            continue
        tables.add(options.db_table)
    return sorted(tables)


def _quote(name: str) -> str:
    # Both SQLite and PostgreSQL quote identifiers with double quotes.
    return '"' + name.replace('"', '""') + '"'


def _read_stats(cursor: Any, *, existing: set[str], tables: Iterable[str]) -> _Stats:
    """Row counts, latest migrations and the audit trail's end, read through one cursor.

    The cursor is DB-API (sqlite3 or Django's), and the queries take no
    parameters, so one function serves both vendors and both directions.
    """
    counts: dict[str, int] = {}
    for table in tables:
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
            counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, str] = {}
    if "django_migrations" in existing:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            # Migration names start with a zero-padded number, so the greatest
            # name is the latest migration of the app.
            if name > migrations.get(app, ""):
                migrations[app] = name
    audit_table = AuditEvent._meta.db_table
    last_hash = ""
    audit_rows = 0
    if audit_table in existing:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(audit_table)}")
        audit_rows = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT hash FROM {_quote(audit_table)} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        last_hash = row[0] if row else ""
    return _Stats(
        tables=counts, migrations=migrations, audit_rows=audit_rows, audit_last_hash=last_hash
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _one_line(error: object) -> str:
    # Driver messages span several lines; the command's error must stay one line.
    return " ".join(str(error).split())


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run_pg_tool(program: str, arguments: list[str], *, settings_dict: dict[str, Any]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _("%(program)s was not found; install the PostgreSQL client tools.")
            % {"program": program}
        )
    params: dict[str, str] = {
        "dbname": str(settings_dict.get("NAME") or ""),
        "host": str(settings_dict.get("HOST") or ""),
        "port": str(settings_dict.get("PORT") or ""),
        "user": str(settings_dict.get("USER") or ""),
    }
    options = settings_dict.get("OPTIONS") or {}
    params.update({key: str(options[key]) for key in LIBPQ_OPTIONS if options.get(key)})
    # A connection string, so that a database name is never read as an option; the
    # password goes through the environment, where `ps` does not show it.
    conninfo = " ".join(f"{key}={_libpq_quote(value)}" for key, value in params.items() if value)
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    done = subprocess.run(
        [executable, f"--dbname={conninfo}", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        # The first "error:" line names the cause; later lines only add context.
        errors = [line for line in lines if "error:" in line] or lines
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": program, "error": errors[0] if errors else done.returncode}
        )
