"""Rebuild the dashboard's round summaries, or check them (dashboard.summaries)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard import full_scan, selectors
from dashboard.summaries import rebuild_all, stale_rounds
from departments.models import Unit
from plans.models import Plan
from rounds.models import Round, UnitReport


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's round summaries from the reports and the stored lights "
        "(safe to run again), or with --check compare them, and every view's figures, "
        "with a full count, writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with a full count instead of rebuilding; fail on a difference",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            rows = rebuild_all()
            self.stdout.write(
                self.style.SUCCESS(
                    _("Round summaries rebuilt: %(rows)d rows for %(rounds)d rounds.")
                    % {"rows": rows, "rounds": Round.objects.count()}
                )
            )
            return
        stale = stale_rounds(round_ids=Round.objects.values_list("pk", flat=True))
        if stale:
            raise CommandError(
                _("The summaries of rounds %(rounds)s are out of date: rebuild them.")
                % {"rounds": ", ".join(str(pk) for pk in stale)}
            )
        today = timezone.localdate()
        views = 0
        for plan in Plan.objects.filter(rounds__status=Round.Status.OPEN).distinct():
            units = Unit.objects.filter(
                pk__in=UnitReport.objects.filter(
                    round__plan=plan, round__status=Round.Status.OPEN
                ).values("unit_id")
            )
            for unit in [None, *units]:
                views += 1
                shown = selectors.dashboard(plan=plan, unit=unit, today=today)
                counted = full_scan.dashboard(plan=plan, unit=unit, today=today)
                if shown == counted:
                    continue
                if unit is None:
                    message = _("Plan %(plan)s: the city's view differs from a full count.")
                else:
                    message = _("Plan %(plan)s: %(unit)s's view differs from a full count.")
                raise CommandError(
                    message % {"plan": plan.doc_number, "unit": unit.name if unit else ""}
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("Round summaries agree with a full count in %(views)d views.") % {"views": views}
            )
        )
