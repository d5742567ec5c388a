from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from operations.backup import BackupError, backup_create, backup_target


class Command(BaseCommand):
    help = (
        "Write a backup archive (.tar.gz) of the database and the uploaded files. "
        "PATH is a new file, or a folder to write backup-<time>.tar.gz into."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to write, or a folder")

    def handle(self, *args, **options) -> None:
        try:
            target = backup_target(Path(options["path"]))
            manifest = backup_create(path=target, by=None)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written to %(path)s (%(size)s): %(tables)d tables, %(rows)d rows, "
                    "%(audit)d audit rows, %(files)d uploaded files."
                )
                % {
                    "path": target,
                    "size": filesizeformat(target.stat().st_size),
                    "tables": len(manifest.tables),
                    "rows": manifest.total_rows,
                    "audit": manifest.audit_rows,
                    "files": manifest.media_files,
                }
            )
        )
