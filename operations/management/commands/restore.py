from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and an empty MEDIA_ROOT, then check "
        "row counts and the audit trail against the archive's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive written by `manage.py backup`")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        try:
            report = backup_restore(path=path, by=None)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = report.manifest
        if not report.ok:
            raise CommandError(
                _("%(path)s was restored but does not match its backup: %(problems)s.")
                % {"path": path, "problems": "; ".join(report.problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored %(path)s (made %(created)s): %(tables)d tables and %(rows)d rows "
                    "match the backup, %(files)d uploaded files, the audit trail is intact "
                    "(%(audit)d rows)."
                )
                % {
                    "path": path,
                    "created": _local_time(manifest.created_at),
                    "tables": len(manifest.tables),
                    "rows": manifest.total_rows,
                    "files": report.media_files,
                    "audit": report.audit_rows_checked,
                }
            )
        )
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The backup predates %(count)d migrations of this release: run "
                        "`manage.py migrate` next."
                    )
                    % {"count": report.pending_migrations}
                )
            )


def _local_time(stamp: str) -> str:
    # The manifest keeps UTC; the operator reads the site's local time.
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if timezone.is_naive(moment):
        return stamp
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
