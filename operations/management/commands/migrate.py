from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections, transaction

from operations.upgrade import rename_apps


class Command(DjangoMigrate):
    """Django's ``migrate``, after the renames of ``operations.upgrade``."""

    def handle(self, *args, **options):
        database = options["database"]
        if options["check_unapplied"] or options["plan"]:
            # A check is often run before deciding to upgrade, with the old
            # code still in place: it must see the database as the upgrade
            # would, yet leave the history readable by the old code, so the
            # renames are rolled back once Django has answered.
            with transaction.atomic(using=database):
                rename_apps(connections[database])
                try:
                    return super().handle(*args, **options)
                finally:
                    transaction.set_rollback(True, using=database)
        for rename in rename_apps(connections[database]):
            if options["verbosity"] >= 1:
                self.stdout.write(f"Renamed app in the migration history: {rename}")
        return super().handle(*args, **options)
