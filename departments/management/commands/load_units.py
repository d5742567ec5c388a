from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from departments.services import registry_sync


class Command(BaseCommand):
    help = "Load or update Xingtai's unit registry (units, aliases, the county group)."

    def handle(self, *args, **options) -> None:
        result = registry_sync(by=None)
        self.stdout.write(
            _("Unit registry: %(created)d created, %(updated)d updated, %(aliases)d aliases added.")
            % {
                "created": result.created,
                "updated": result.updated,
                "aliases": result.aliases_created,
            }
        )
