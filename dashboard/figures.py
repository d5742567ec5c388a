"""The dashboard's figures as plain data: what dashboard.selectors reads and the
page shows, with no query behind any attribute."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Plan
from rounds.category_progress import NOT_REPORTED, CategoryRow
from rounds.models import Entry, UnitReport
from supervision.lights import LightInfo
from supervision.models import Commitment, Light

LIGHT_KEYS = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE)


def schedule_label(key: str) -> str:
    if key == NOT_REPORTED:
        return str(_("Not reported"))
    return str(Entry.Schedule(key).label)


@dataclass
class RoundRef:
    pk: int
    period: str
    opens_on: datetime.date
    deadline: datetime.date


@dataclass
class Figure:
    """A figure: a key (status, light, schedule), its label and how many."""

    key: str
    label: str
    count: int


@dataclass
class Lifecycle:
    statuses: list[Figure]
    stages: list[Figure]  # of the tasks in progress
    total: int


@dataclass
class TimelinessRow:
    unit_id: int
    unit: str
    on_time: int
    late: int
    missing: int
    late_days: int
    rank: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def share(self) -> float | None:
        """Reports sent on time, as a share of those due so far."""
        return self.on_time / self.due if self.due else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass
class CompletionRow:
    unit_id: int
    unit: str
    tasks: int  # led by the unit, not terminated
    closed: int
    rank: int = 0

    @property
    def share(self) -> float | None:
        return self.closed / self.tasks if self.tasks else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass
class Ranking:
    """Units ranked by one measure: every unit for the city; a unit's own row, with
    its place among all, for the unit view."""

    rows: list[Any]  # TimelinessRow or CompletionRow
    of: int  # how many units are ranked


@dataclass
class RedTask:
    pk: int
    number: int
    title: str
    lead_unit_id: int
    lead_unit: str
    light: LightInfo


@dataclass
class RedUnit:
    pk: int
    name: str
    light: LightInfo


@dataclass
class RedUnits:
    """Red units with the same reasons, on one line (as the bulletin says twenty
    counties late alike in one line, not twenty)."""

    reasons: list[str]
    units: list[RedUnit]


@dataclass
class Lights:
    """The lights now of the current round's tasks, the red ones with their reasons,
    the red units (whole city) or the unit's own light (a unit's view)."""

    counts: list[Figure]
    red_tasks: list[RedTask]
    red_units: list[RedUnits]
    own: LightInfo | None


@dataclass
class DueReport:
    pk: int
    unit_id: int
    unit: str
    round_id: int
    period: str
    deadline: datetime.date
    state: str
    overdue_days: int

    @property
    def state_label(self) -> str:
        return str(UnitReport.Status(self.state).label)


@dataclass
class DueRound:
    """The reports of one round not sent yet: a line per round rather than per unit."""

    round_id: int
    period: str
    deadline: datetime.date
    overdue_days: int
    reports: list[DueReport]


@dataclass
class DueReports:
    rows: list[DueReport]
    this_week: int  # not sent, due between today and Sunday
    overdue: int  # not sent, deadline passed
    week_start: datetime.date
    week_end: datetime.date

    @property
    def by_round(self) -> list[DueRound]:
        rounds: dict[int, DueRound] = {}
        for row in self.rows:
            found = rounds.get(row.round_id)
            if found is None:
                found = rounds[row.round_id] = DueRound(
                    round_id=row.round_id,
                    period=row.period,
                    deadline=row.deadline,
                    overdue_days=row.overdue_days,
                    reports=[],
                )
            found.reports.append(row)
        return list(rounds.values())

    @property
    def listed_all(self) -> bool:
        return len(self.rows) == self.this_week + self.overdue


@dataclass
class InterviewRow:
    pk: int
    unit_id: int
    unit: str
    held_at: datetime.datetime
    interviewee: str
    place: str


@dataclass
class CommitmentRow:
    pk: int
    interview_id: int
    unit_id: int
    unit: str
    number: int
    text: str
    due_on: datetime.date
    status: str
    overdue: bool

    @property
    def status_label(self) -> str:
        return str(Commitment.Status(self.status).label)


@dataclass
class NoticeRow:
    pk: int
    doc_number: str
    unit_id: int
    unit: str
    issued_at: datetime.datetime
    answer_by: datetime.date
    overdue: bool


@dataclass
class TrendRow:
    round: RoundRef
    tasks: int
    schedule: dict[str, int]
    # The tasks by light: stored by the sweep for a past round, now for the current one;
    # None when the sweep stored none for the round.
    lights: dict[str, int] | None
    own_light: str = ""  # the unit's own light in the round, in a unit's view


@dataclass
class IndicatorSummary:
    """Where the indicators stand: how many by status, and those behind schedule."""

    counts: list[Figure]
    total: int
    behind: list[Any]  # indicators.selectors.IndicatorRow, behind first by name


@dataclass
class Dashboard:
    plan: Plan
    unit: Unit | None  # None: the whole city's view
    today: datetime.date
    current: RoundRef | None
    lifecycle: Lifecycle
    lights: Lights
    categories: list[CategoryRow]
    schedule: dict[str, int]  # the current round's tasks by progress, all categories
    round_tasks: int
    timeliness: Ranking
    completion: Ranking
    due: DueReports
    interviews: list[InterviewRow]
    commitments: list[CommitmentRow]
    notices: list[NoticeRow]
    indicators: IndicatorSummary | None = None
    trend: list[TrendRow] = field(default_factory=list)  # the latest rounds, oldest first
    round_count: int = 0  # open rounds in all (the unit's: those it reports in)
