from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from operations.upgrade import rename_apps


class Command(DjangoMigrate):
    """Django's ``migrate``, after the renames of ``operations.upgrade``."""

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        for rename in rename_apps(connection):
            if options["verbosity"] >= 1:
                self.stdout.write(f"Renamed app in the migration history: {rename}")
        return super().handle(*args, **options)
