"""The layout of a unit's sheet for a round, which the writer (`ledger.sheet_writer`)
and the reader (`ledger.sheet_reader`) must agree on: the sheets, the columns, how a
task is named, the words of 序时进度, and which entries the unit may still change.

A workbook holds a sheet of tasks, a sheet of indicator values, and a hidden sheet
(with the same in the workbook's custom properties) naming the round, the unit and
the report, so a sheet of another round or unit is recognised when it comes back.
"""

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.workbook import sheet_title
from plans.models import Plan, Task, TaskTarget
from rounds.models import Entry

SHEET_FORMAT = "xingtai-ledger-sheet/1"
META_SHEET = "_meta"

# Sheet "report": the row of the column headers, then one row per task.
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
COL_KEY, COL_TITLE, COL_PROGRESS, COL_SCHEDULE, COL_PROBLEMS, COL_NEXT, COL_STATUS = range(1, 8)
TEXT_COLUMNS = {
    COL_PROGRESS: ("progress", gettext_lazy("Progress this period")),
    COL_PROBLEMS: ("problems", gettext_lazy("Problems")),
    COL_NEXT: ("next_steps", gettext_lazy("Next steps")),
}
# Sheet "indicators": the header row, then one row per (task, target).
V_FIRST_ROW = 2
V_KEY, V_INDICATOR, V_TARGET, V_UNIT, V_VALUE, V_TARGET_ID = range(1, 7)


def sheet_titles() -> tuple[str, str]:
    """The names of the sheet of tasks and of the sheet of values, in the active language."""
    return sheet_title(_("Report sheet")), sheet_title(_("Indicators"))


def schedule_labels() -> dict[str, str]:
    """The four labels of 序时进度 in Chinese, as the sheets and their users write them."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in Entry.Schedule.choices}


def schedule_codes() -> dict[str, str]:
    """Every way a sheet may write a 序时进度 (either language's label, or the code) -> code."""
    codes = {value: value for value, _label in Entry.Schedule.choices}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in Entry.Schedule.choices:
                codes[str(label).strip().lower()] = value
    return codes


def task_keys(plan: Plan) -> dict[int, str]:
    """task pk -> how the sheet names it in 序号: its number, or category.number
    when the plan's numbering restarts in each category."""
    rows = list(Task.objects.filter(plan=plan).values_list("pk", "number", "category__number"))
    numbers = [number for _pk, number, _c in rows]
    unique = len(numbers) == len(set(numbers))
    return {pk: str(number) if unique else f"{cat}.{number}" for pk, number, cat in rows}


def stored_value(entry: Entry, target: TaskTarget) -> Decimal | None:
    """The value the entry holds for the target (from its prefetched values)."""
    for value in entry.values.all():
        if value.target_id == target.pk:
            return value.value
    return None


def editable(entry: Entry) -> bool:
    """Whether the unit may still change the entry: a sheet writes only those."""
    return entry.status in (Entry.Status.DRAFT, Entry.Status.RETURNED)
