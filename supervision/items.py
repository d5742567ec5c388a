"""The open items with a deadline, from every source, in a fixed number of
queries: what the lights are computed from and what the ladder climbs.

An item is open while its cause lasts: a step not done, a report not sent, an
agreed item or a commitment not closed, a supervision notice not answered.
Once the cause is gone the item is no longer listed, and the ladder stops.
"""

import datetime
import re
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from common.urls import url_maker
from meetings.models import Decision
from rounds.models import Round, UnitReport
from supervision.models import Commitment, SupervisionNotice
from workflow.models import TaskProcess


class Item(NamedTuple):
    """One open item. A named tuple: the sweep makes one per open item each time
    it runs (for the lights), and a frozen dataclass costs four times as much."""

    key: str  # stable across sweeps, e.g. "report:42"
    kind: str  # ack / report / completion / decision / commitment / notice / red2
    unit_id: int
    due: datetime.date
    label: str  # what is due, in the person's words
    plan_id: int | None = None
    task_id: int | None = None
    task_number: int | None = None
    round_id: int | None = None
    title: str = ""  # the task's title, where the item belongs to a task
    url: str = ""
    reference: str = ""  # the document's number, where the item is a 督办单's answer

    def days_late(self, today: datetime.date) -> int:
        return (today - self.due).days

    def reason(self, today: datetime.date) -> str:
        overdue, due_today, due_in = _reason_formats()
        days = (self.due - today).days
        if days < 0:
            return overdue % {"label": self.label, "days": -days}
        if days == 0:
            return due_today % {"label": self.label}
        return due_in % {"label": self.label, "days": days}

    def proposal_reason(self) -> str:
        """Why the item calls for an interview, as a supervisor writes it: the fact,
        without a countdown (a proposal stands until it is decided)."""
        if self.kind == "notice":
            return notice_unanswered_reason(self.reference)
        return self.label


# language -> the three forms of a reason: the lights ask one per open item, and
# gettext costs more than the formatting.
_REASONS: dict[str | None, tuple[str, str, str]] = {}


def _reason_formats() -> tuple[str, str, str]:
    language = get_language()
    formats = _REASONS.get(language)
    if formats is None:
        formats = _REASONS[language] = (
            _("%(label)s overdue by %(days)d days"),
            _("%(label)s due today"),
            _("%(label)s due in %(days)d days"),
        )
    return formats


def notice_unanswered_reason(number: str) -> str:
    """督办〔2026〕4号逾期未反馈."""
    return _("%(number)s not answered by its deadline") % {"number": number}


def red_twice_reason(earlier: str, later: str) -> str:
    """连续两轮（2026年第三、四季度）亮红灯, from the two rounds' periods."""
    return _("Red in two consecutive rounds (%(periods)s)") % {
        "periods": periods_named(earlier, later)
    }


def periods_named(earlier: str, later: str) -> str:
    """Two round periods as a supervisor names them: "2026年第三、四季度" when they
    share the year and the kind of period, else both in full."""
    for pattern, joined in _PERIODS:
        first, second = pattern.match(earlier), pattern.match(later)
        if first and second and first["year"] == second["year"]:
            return joined.format(year=first["year"], first=first["n"], second=second["n"])
    return f"{earlier}、{later}"


# The period labels rounds are given (rounds.periods.period_label): data in
# Chinese, whatever the reader's language.
_PERIODS = [
    (
        re.compile(r"^(?P<year>\d{4})年第(?P<n>[一二三四1-4])季度$"),
        "{year}年第{first}、{second}季度",
    ),
    (re.compile(r"^(?P<year>\d{4})年(?P<n>\d{1,2})月$"), "{year}年{first}、{second}月"),
]


# Items that climb the whole ladder; a supervision notice left unanswered only
# leads to an interview proposal.
CLIMBING = {"ack", "report", "completion", "decision", "commitment"}


def conf(name: str):  # type: ignore[no-untyped-def]
    return settings.SUPERVISION[name]


def open_items(*, plan_ids: list[int] | None = None, unit_items: bool = False) -> list[Item]:
    """Every open item with a deadline, in five queries whatever their number; with
    `plan_ids`, those of the plans, and (`unit_items`) the units' own: interview
    commitments and unanswered 督办单, which weigh on a unit's light in any plan.
    Rows are read as values, not model instances: the sweep reads every open
    item each time it runs, for the lights."""
    items = [*_task_items(plan_ids), *_report_items(plan_ids), *_decision_items(plan_ids)]
    if plan_ids is None or unit_items:
        items += _commitment_items()
        items += _notice_items()
    return items


# --- Where the open items come from: one queryset per kind ----------------------


def _unacknowledged() -> Exists:
    """The process (OuterRef) still waits for its acknowledgement."""
    return Exists(
        FlowTask.objects.filter(
            process_id=OuterRef("pk"),
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task__endswith=".acknowledge",
        )
    )


def _open_processes(plan_ids: list[int] | None) -> QuerySet:
    processes = TaskProcess.objects.filter(status=STATUS.NEW, suspended=False)
    if plan_ids is not None:
        processes = processes.filter(plan_task__plan_id__in=plan_ids)
    return processes


def _open_reports(plan_ids: list[int] | None) -> QuerySet:
    reports = UnitReport.objects.filter(round__status=Round.Status.OPEN, sent_at__isnull=True)
    if plan_ids is not None:
        reports = reports.filter(round__plan_id__in=plan_ids)
    return reports


def _open_decisions(plan_ids: list[int] | None) -> QuerySet:
    decisions = Decision.objects.filter(status=Decision.Status.OPEN)
    if plan_ids is not None:
        decisions = decisions.filter(meeting__plan_id__in=plan_ids)
    return decisions


def _open_commitments() -> QuerySet:
    return Commitment.objects.filter(status=Commitment.Status.OPEN)


def _open_notices() -> QuerySet:
    return SupervisionNotice.objects.filter(answered_at__isnull=True)


# kind -> (its open rows, the path to its deadline): what the ladder climbs. A
# process is one item at a time: its acknowledgement, then its completion.
LADDER_SOURCES: dict[str, tuple[Callable[[], QuerySet], str]] = {
    "ack": (lambda: _open_processes(None).filter(_unacknowledged()), "acknowledge_by"),
    "completion": (lambda: _open_processes(None).filter(~_unacknowledged()), "complete_by"),
    "report": (lambda: _open_reports(None), "round__deadline"),
    "decision": (lambda: _open_decisions(None), "due_on"),
    "commitment": (_open_commitments, "due_on"),
    "notice": (_open_notices, "answer_by"),
}


def _task_items(plan_ids: list[int] | None) -> list[Item]:
    """Each running task's acknowledgement while it is not done, else its completion."""
    rows = (
        _open_processes(plan_ids)
        .annotate(unacknowledged=_unacknowledged())
        .values_list(
            "pk",
            "unacknowledged",
            "acknowledge_by",
            "complete_by",
            "plan_task_id",
            "plan_task__lead_unit_id",
            "plan_task__plan_id",
            "plan_task__number",
            "plan_task__title",
        )
    )
    url = url_maker("task_detail")
    ack_label = _("Acknowledgement of task %(number)s")
    completion_label = _("Completion of task %(number)s")
    items = []
    for pk, unacknowledged, ack_by, complete_by, task_id, unit_id, plan_id, number, title in rows:
        common = {
            "unit_id": unit_id,
            "plan_id": plan_id,
            "task_id": task_id,
            "task_number": number,
            "title": title,
            "url": url(task_id),
        }
        if unacknowledged:
            items.append(
                Item(
                    key=f"ack:{pk}",
                    kind="ack",
                    due=ack_by,
                    label=ack_label % {"number": number},
                    **common,
                )
            )
        else:
            items.append(
                Item(
                    key=f"completion:{pk}",
                    kind="completion",
                    due=complete_by,
                    label=completion_label % {"number": number},
                    **common,
                )
            )
    return items


def _report_items(plan_ids: list[int] | None) -> list[Item]:
    """Each unit report of an open round not yet sent."""
    rows = _open_reports(plan_ids).values_list(
        "pk", "unit_id", "round_id", "round__plan_id", "round__deadline", "round__period"
    )
    url = url_maker("report_detail")
    label = _("The %(period)s report")
    return [
        Item(
            key=f"report:{pk}",
            kind="report",
            unit_id=unit_id,
            plan_id=plan_id,
            round_id=round_id,
            due=deadline,
            label=label % {"period": period},
            url=url(pk),
        )
        for pk, unit_id, round_id, plan_id, deadline, period in rows
    ]


def _decision_items(plan_ids: list[int] | None) -> list[Item]:
    """Each open agreed item of a dispatch meeting."""
    rows = _open_decisions(plan_ids).values_list(
        "pk",
        "owner_unit_id",
        "meeting_id",
        "meeting__plan_id",
        "meeting__held_on",
        "task_id",
        "task__number",
        "due_on",
    )
    url = url_maker("meeting_detail")
    label = _("Agreed item of the meeting of %(held)s")
    return [
        Item(
            key=f"decision:{pk}",
            kind="decision",
            unit_id=unit_id,
            plan_id=plan_id,
            task_id=task_id,
            task_number=number,
            due=due_on,
            label=label % {"held": held_on.isoformat()},
            url=url(meeting_id),
        )
        for pk, unit_id, meeting_id, plan_id, held_on, task_id, number, due_on in rows
    ]


def _commitment_items() -> list[Item]:
    """Each open commitment made at an interview."""
    rows = _open_commitments().values_list(
        "pk", "number", "due_on", "interview_id", "interview__unit_id", "interview__held_at"
    )
    url = url_maker("interview_detail")
    label = _("Commitment %(number)s of the interview of %(held)s")
    return [
        Item(
            key=f"commitment:{pk}",
            kind="commitment",
            unit_id=unit_id,
            due=due_on,
            label=label % {"number": number, "held": held_at.date().isoformat()},
            url=url(interview_id),
        )
        for pk, number, due_on, interview_id, unit_id, held_at in rows
    ]


def _notice_items() -> list[Item]:
    """Each 督办单 not yet answered."""
    rows = _open_notices().values_list("pk", "unit_id", "plan_id", "answer_by", "year", "number")
    url = url_maker("supervision_notice")
    label = _("The answer to %(number)s")
    items = []
    for pk, unit_id, plan_id, answer_by, year, number in rows:
        doc_number = SupervisionNotice(year=year, number=number).doc_number
        items.append(
            Item(
                key=f"notice:{pk}",
                kind="notice",
                unit_id=unit_id,
                plan_id=plan_id,
                due=answer_by,
                label=label % {"number": doc_number},
                reference=doc_number,
                url=url(pk),
            )
        )
    return items
