"""A round's tasks by category and progress against the schedule (序时进度): the one
count the bulletin and the dashboard both show, so that they cannot disagree.

A task of the round counts under the schedule its lead unit's entry gives once that
unit's report is sent; every other task of the round (the report not sent, sent
without saying, or no lead unit reporting) is 未报送. Three grouped queries whatever
the plan's size.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from plans.models import Category, Plan, Task, cn_numeral
from rounds.models import Entry, Round

# Progress against the schedule (Entry.Schedule's values), in the bulletin's order;
# "" is 未报送.
SCHEDULE_KEYS = ("done", "ahead", "on", "behind", "")
NOT_REPORTED = ""


@dataclass
class CategoryRow:
    pk: int
    number: int
    title: str
    tasks: int
    counts: dict[str, int]
    # The heading's numbering as stored (一、/（一）/"" for an implied category);
    # None: the （number） form.
    numbering: str | None = None

    @property
    def label(self) -> str:
        if self.numbering is not None:
            return f"{self.numbering}{self.title}"
        return f"（{cn_numeral(self.number)}）{self.title}"


def schedule_counts(tasks: int, sent: dict[str, int]) -> dict[str, int]:
    """Tasks by progress, from how many tasks there are and the sent lead entries by
    schedule: 未报送 for every task without a sent schedule."""
    counts = {key: sent.get(key, 0) for key in SCHEDULE_KEYS if key}
    counts[NOT_REPORTED] = max(tasks - sum(counts.values()), 0)
    return counts


def category_progress(
    *, plan: Plan, round_id: int, task_ids: QuerySet | None = None
) -> list[CategoryRow]:
    """The plan's categories with a task in the round, in order, each with its tasks in
    the round counted by progress; only the tasks in `task_ids` (a subquery of task
    pks, for one unit's view) when given."""
    rows = [
        CategoryRow(
            pk=c["id"],
            number=c["number"],
            title=c["title"],
            tasks=0,
            counts={},
            numbering=c["label"],
        )
        for c in Category.objects.filter(plan=plan)
        .order_by("order", "number")
        .values("id", "number", "title", "label")
    ]
    tasks = Task.objects.filter(rounds=round_id)
    # The entries of the round's tasks only: a lead entry left on a task no longer in
    # the round would count, and a category's counts add up to more than its tasks.
    entries = Entry.objects.filter(
        report__round_id=round_id,
        is_lead=True,
        report__sent_at__isnull=False,
        task_id__in=Round.tasks.through.objects.filter(round_id=round_id).values("task_id"),
    )
    if task_ids is not None:
        tasks = tasks.filter(pk__in=task_ids)
        entries = entries.filter(task_id__in=task_ids)
    totals = dict(
        tasks.order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    sent: dict[int, dict[str, int]] = defaultdict(dict)
    for row in entries.order_by().values("task__category_id", "schedule").annotate(n=Count("id")):
        sent[row["task__category_id"]][row["schedule"]] = row["n"]
    for row in rows:
        row.tasks = totals.get(row.pk, 0)
        row.counts = schedule_counts(row.tasks, sent.get(row.pk, {}))
    return [row for row in rows if row.tasks]
