from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.management.options import date_option
from plans.models import Plan
from rounds.opening import round_create
from rounds.services import RoundError


class Command(BaseCommand):
    help = (
        "Open a reporting round for a plan (the same service as the rounds page): one report "
        "per responsible unit covering its tasks in progress, pre-filled from its last round. "
        "With --opens-on in the future the round is scheduled and opens by itself "
        "(python manage.py open_due_rounds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", required=True, metavar="DOC_NUMBER")
        parser.add_argument("--period", required=True, metavar="LABEL", help="e.g. 2023年第三季度")
        parser.add_argument("--deadline", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--opens-on", metavar="YYYY-MM-DD", help="default: today")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.filter(doc_number=options["plan"].strip()).first()
        if plan is None:
            raise CommandError(
                _("No plan has the document number %(doc_number)s.")
                % {"doc_number": options["plan"]}
            )
        try:
            rnd = round_create(
                plan=plan,
                by=None,
                period=options["period"],
                deadline=date_option(options["deadline"]),
                opens_on=date_option(options["opens_on"]),
                today=timezone.localdate(),
            )
        except RoundError as exc:
            raise CommandError(exc.message) from exc
        if rnd.status == rnd.Status.OPEN:
            self.stdout.write(
                _(
                    "Round %(period)s is open: %(reports)d unit reports, %(tasks)d tasks, "
                    "due %(deadline)s."
                )
                % {
                    "period": rnd.period,
                    "reports": rnd.reports.count(),
                    "tasks": rnd.tasks.count(),
                    "deadline": rnd.deadline.isoformat(),
                }
            )
        else:
            self.stdout.write(
                _("Round %(period)s is scheduled to open on %(day)s.")
                % {"period": rnd.period, "day": rnd.opens_on.isoformat()}
            )
