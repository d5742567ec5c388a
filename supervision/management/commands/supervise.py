import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision.sweep import sweep


class Command(BaseCommand):
    help = (
        "Run one supervision sweep: open scheduled rounds, fire viewflow's due timers, "
        "send reminders, 催办 and 督办单, propose interviews, refresh the lights and deliver "
        "notices. Prints what it did as JSON. Run it from cron every few minutes, or let "
        "Celery beat run the task supervision.sweep."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            metavar="YYYY-MM-DDTHH:MM",
            help="the moment the sweep runs at, in local time (default: now); for tests and demos",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                moment = datetime.datetime.fromisoformat(options["now"].strip())
            except ValueError as exc:
                raise CommandError(
                    _("%(value)s is not a moment: write it as YYYY-MM-DDTHH:MM.")
                    % {"value": options["now"]}
                ) from exc
            now = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        self.stdout.write(json.dumps(sweep(now=now), ensure_ascii=False, sort_keys=True))
