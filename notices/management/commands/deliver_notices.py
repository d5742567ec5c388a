from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notices.tasks import deliver_notices, send_notice_digests


class Command(BaseCommand):
    help = (
        "Send the notice e-mails and group robot messages that are due (run it every "
        "minute from cron where no Celery worker runs); with --digests, the daily digests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digests", action="store_true", help="Send the daily digest e-mails instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Called in this process, not queued: cron needs no broker.
        counts = send_notice_digests() if options["digests"] else deliver_notices()
        self.stdout.write(" ".join(f"{name}={value}" for name, value in sorted(counts.items())))
