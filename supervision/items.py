"""The open items with a deadline, from every source, in a fixed number of
queries: what the lights are computed from and what the ladder climbs.

An item is open while its cause lasts: a step not done, a report not sent, an
agreed item or a commitment not closed, a supervision notice not answered.
Once the cause is gone the item is no longer listed, and the ladder stops.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from meetings.models import Decision
from rounds.models import Round, UnitReport
from supervision.models import Commitment, SupervisionNotice
from workflow.models import TaskProcess


@dataclass(frozen=True)
class Item:
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
        days = (self.due - today).days
        if days < 0:
            return _("%(label)s overdue by %(days)d days") % {"label": self.label, "days": -days}
        if days == 0:
            return _("%(label)s due today") % {"label": self.label}
        return _("%(label)s due in %(days)d days") % {"label": self.label, "days": days}

    def proposal_reason(self) -> str:
        """Why the item calls for an interview, as a supervisor writes it: the fact,
        without a countdown (a proposal stands until it is decided)."""
        if self.kind == "notice":
            return notice_unanswered_reason(self.reference)
        return self.label


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
    """Every open item with a deadline, in six queries whatever their number; with
    `plan_ids`, those of the plans, and (`unit_items`) the units' own: interview
    commitments and unanswered 督办单, which weigh on a unit's light in any plan."""
    items = [*_task_items(plan_ids), *_report_items(plan_ids), *_decision_items(plan_ids)]
    if plan_ids is None or unit_items:
        items += _commitment_items()
        items += _notice_items()
    return items


def _task_items(plan_ids: list[int] | None) -> list[Item]:
    """Each running task's acknowledgement while it is not done, else its completion."""
    processes = TaskProcess.objects.filter(status=STATUS.NEW, suspended=False).select_related(
        "plan_task"
    )
    if plan_ids is not None:
        processes = processes.filter(plan_task__plan_id__in=plan_ids)
    processes = list(processes)
    unacknowledged = set(
        FlowTask.objects.filter(
            process_id__in=[p.pk for p in processes],
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .filter(flow_task__endswith=".acknowledge")
        .values_list("process_id", flat=True)
    )
    items = []
    for process in processes:
        task = process.plan_task
        common = {
            "unit_id": task.lead_unit_id,
            "plan_id": task.plan_id,
            "task_id": task.pk,
            "task_number": task.number,
            "title": task.title,
            "url": reverse("task_detail", args=[task.pk]),
        }
        if process.pk in unacknowledged:
            items.append(
                Item(
                    key=f"ack:{process.pk}",
                    kind="ack",
                    due=process.acknowledge_by,
                    label=_("Acknowledgement of task %(number)s") % {"number": task.number},
                    **common,
                )
            )
        else:
            items.append(
                Item(
                    key=f"completion:{process.pk}",
                    kind="completion",
                    due=process.complete_by,
                    label=_("Completion of task %(number)s") % {"number": task.number},
                    **common,
                )
            )
    return items


def _report_items(plan_ids: list[int] | None) -> list[Item]:
    """Each unit report of an open round not yet sent."""
    reports = UnitReport.objects.filter(
        round__status=Round.Status.OPEN, sent_at__isnull=True
    ).select_related("round")
    if plan_ids is not None:
        reports = reports.filter(round__plan_id__in=plan_ids)
    return [
        Item(
            key=f"report:{report.pk}",
            kind="report",
            unit_id=report.unit_id,
            plan_id=report.round.plan_id,
            round_id=report.round_id,
            due=report.round.deadline,
            label=_("The %(period)s report") % {"period": report.round.period},
            url=reverse("report_detail", args=[report.pk]),
        )
        for report in reports
    ]


def _decision_items(plan_ids: list[int] | None) -> list[Item]:
    """Each open agreed item of a dispatch meeting."""
    decisions = Decision.objects.filter(status=Decision.Status.OPEN).select_related(
        "meeting", "task"
    )
    if plan_ids is not None:
        decisions = decisions.filter(meeting__plan_id__in=plan_ids)
    return [
        Item(
            key=f"decision:{decision.pk}",
            kind="decision",
            unit_id=decision.owner_unit_id,
            plan_id=decision.meeting.plan_id,
            task_id=decision.task_id,
            task_number=decision.task.number if decision.task else None,
            due=decision.due_on,
            label=_("Agreed item of the meeting of %(held)s")
            % {"held": decision.meeting.held_on.isoformat()},
            url=reverse("meeting_detail", args=[decision.meeting_id]),
        )
        for decision in decisions
    ]


def _commitment_items() -> list[Item]:
    """Each open commitment made at an interview."""
    commitments = Commitment.objects.filter(status=Commitment.Status.OPEN).select_related(
        "interview"
    )
    return [
        Item(
            key=f"commitment:{commitment.pk}",
            kind="commitment",
            unit_id=commitment.interview.unit_id,
            due=commitment.due_on,
            label=_("Commitment %(number)s of the interview of %(held)s")
            % {
                "number": commitment.number,
                "held": commitment.interview.held_at.date().isoformat(),
            },
            url=reverse("interview_detail", args=[commitment.interview_id]),
        )
        for commitment in commitments
    ]


def _notice_items() -> list[Item]:
    """Each 督办单 not yet answered."""
    return [
        Item(
            key=f"notice:{notice.pk}",
            kind="notice",
            unit_id=notice.unit_id,
            plan_id=notice.plan_id,
            due=notice.answer_by,
            label=_("The answer to %(number)s") % {"number": notice.doc_number},
            reference=notice.doc_number,
            url=reverse("supervision_notice", args=[notice.pk]),
        )
        for notice in SupervisionNotice.objects.filter(answered_at__isnull=True)
    ]
