from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from rounds.opening import rounds_open_due


class Command(BaseCommand):
    help = "Open the scheduled reporting rounds whose day has come (run it daily, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        opened = rounds_open_due(today=timezone.localdate())
        self.stdout.write(_("%(count)d rounds opened.") % {"count": len(opened)})
        for rnd in opened:
            self.stdout.write(f"  {rnd.plan.doc_number} {rnd.period}")
