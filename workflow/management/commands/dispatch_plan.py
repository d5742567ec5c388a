from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plans.management.options import date_option
from plans.models import Plan, Task
from workflow.dispatch import task_dispatch
from workflow.dispatch_forms import deadline_problems, dispatch_queryset, has_county_group
from workflow.services import WorkflowError


class Command(BaseCommand):
    help = (
        "Dispatch a plan's tasks to their lead units: the whole plan, one category or "
        "chosen tasks. Tasks already dispatched are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--plan", required=True, metavar="DOC_NUMBER", help="the plan's document number"
        )
        parser.add_argument(
            "--category", type=int, metavar="N", help="dispatch only the tasks of category N"
        )
        parser.add_argument(
            "--task",
            dest="tasks",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="N",
            help="dispatch only these tasks (numbered within --category when it is given)",
        )
        parser.add_argument(
            "--acknowledge-by", metavar="YYYY-MM-DD", help="default: a week from today"
        )
        parser.add_argument(
            "--complete-by",
            metavar="YYYY-MM-DD",
            help="default: the end of the last year the task's targets name",
        )
        parser.add_argument(
            "--county-branches",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="N",
            help="tasks whose county governments each get their own work-plan branch",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        doc_number = options["plan"].strip()
        plan = Plan.objects.filter(doc_number=doc_number).first()
        if plan is None:
            raise CommandError(
                _("No plan has the document number %(doc_number)s.") % {"doc_number": doc_number}
            )
        today = timezone.localdate()
        acknowledge_by = date_option(options["acknowledge_by"])
        complete_by = date_option(options["complete_by"])
        for _field, message in deadline_problems(
            acknowledge_by=acknowledge_by, complete_by=complete_by, today=today
        ):
            raise CommandError(message)

        scope = dispatch_queryset(plan)
        if options["category"] is not None:
            category = plan.categories.filter(number=options["category"]).first()
            if category is None:
                raise CommandError(
                    _("Plan %(doc_number)s has no category %(number)s.")
                    % {"doc_number": plan.doc_number, "number": options["category"]}
                )
            scope = scope.filter(category=category)
        category_number = options["category"]
        if options["tasks"]:
            tasks = [
                self._task(scope, plan, category_number, n) for n in dict.fromkeys(options["tasks"])
            ]
        else:
            tasks = list(scope)
        if not tasks:
            raise CommandError(_("There is no task to dispatch there."))

        county_branches = []
        for number in dict.fromkeys(options["county_branches"]):
            task = self._task(scope, plan, category_number, number)
            if task not in tasks:
                raise CommandError(
                    _(
                        "Task %(number)s is not among the tasks to dispatch: choose it too, "
                        "or clear its county branches."
                    )
                    % {"number": number}
                )
            if not has_county_group(task):
                raise CommandError(
                    _("Task %(number)s does not fall on the county governments.")
                    % {"number": number}
                )
            county_branches.append(task.pk)

        try:
            started = task_dispatch(
                tasks=tasks,
                by=None,
                today=today,
                acknowledge_by=acknowledge_by,
                complete_by=complete_by,
                county_branches=county_branches,
            )
        except WorkflowError as exc:
            raise CommandError(exc.message) from exc
        count, already = len(started), len(tasks) - len(started)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("%(count)d task dispatched.", "%(count)d tasks dispatched.", count)
                % {"count": count}
            )
        )
        self.stdout.write(
            ngettext(
                "%(count)d task was already dispatched and was left as it was.",
                "%(count)d tasks were already dispatched and were left as they were.",
                already,
            )
            % {"count": already}
        )

    def _task(
        self, scope: QuerySet[Task], plan: Plan, category_number: int | None, number: int
    ) -> Task:
        # Some plans number their tasks anew in each category: then a number
        # alone may name several tasks, and --category settles which.
        matches = [task for task in scope if task.number == number]
        if not matches and category_number is not None:
            raise CommandError(
                _("Category %(category)s of plan %(doc_number)s has no task %(number)s.")
                % {"category": category_number, "doc_number": plan.doc_number, "number": number}
            )
        if not matches:
            raise CommandError(
                _("Plan %(doc_number)s has no task %(number)s.")
                % {"doc_number": plan.doc_number, "number": number}
            )
        if len(matches) > 1:
            raise CommandError(
                _(
                    "Plan %(doc_number)s has more than one task %(number)s: "
                    "name its category with --category."
                )
                % {"doc_number": plan.doc_number, "number": number}
            )
        return matches[0]
