"""Who sees which bulletins: supervisors every one, drafts included; leadership
readers the issued ones; everyone else the issued ones circulated to their unit."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bulletins.models import Bulletin
from departments.access import unit_scope
from departments.models import User
from departments.permissions import may_supervise
from documents.numbering import peek_number
from plans.selectors import plans_visible_to


def bulletins_visible_to(user: User) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.select_related("plan", "round")
    if may_supervise(user):
        return bulletins
    issued = bulletins.filter(status=Bulletin.Status.ISSUED, plan__in=plans_visible_to(user))
    scope = unit_scope(user)
    if scope is None:
        return issued
    return issued.filter(units__in=scope).distinct()


def recipients_of(bulletin: Bulletin) -> QuerySet[User]:
    """The people a bulletin goes to: the liaisons and leaders of its units, and the
    leadership readers when it goes to the leadership."""
    wanted = Q(unit__in=bulletin.units.all(), role__in=[User.Role.LIAISON, User.Role.LEADER])
    if bulletin.to_leadership:
        wanted |= Q(role=User.Role.READER)
    return User.objects.filter(wanted, is_active=True).order_by("unit__sort_order", "username")


def series_name(plan_pk: int) -> str:
    """The yearly number series of a plan's bulletins (documents.numbering)."""
    return f"bulletin:{plan_pk}"


@dataclass(frozen=True)
class IssueOutlook:
    """What issuing a draft will do, for the page that asks to confirm it: the number
    it will take, the round's reports (sent, not yet due, overdue and not in) and how
    many people it notifies."""

    year: int
    number: int
    reports: int
    sent: int
    not_yet_due: int
    overdue: int
    recipients: int
    deadline: datetime.date

    @property
    def number_text(self) -> str:
        return f"第{self.number}期"

    @property
    def mostly_not_due(self) -> bool:
        """More than half the round's reports are not due yet: a bulletin now would
        name as missing what nobody owes yet."""
        return self.not_yet_due * 2 > self.reports

    @property
    def not_in(self) -> int:
        return self.reports - self.sent


def issue_outlook(bulletin: Bulletin, today: datetime.date) -> IssueOutlook:
    """An IssueOutlook of `bulletin` as of `today`, in a fixed number of queries."""
    reports = bulletin.round.reports.all()
    total = reports.count()
    sent = reports.filter(sent_at__isnull=False).count()
    waiting = total - sent
    due_passed = today > bulletin.round.deadline
    return IssueOutlook(
        year=today.year,
        number=peek_number(series_name(bulletin.plan_id), today.year),
        reports=total,
        sent=sent,
        not_yet_due=0 if due_passed else waiting,
        overdue=waiting if due_passed else 0,
        recipients=recipients_of(bulletin).count(),
        deadline=bulletin.round.deadline,
    )


def issue_refusal(*, bulletin: Bulletin, by: User, confirmed: bool) -> str:
    """Why `by` may not issue the draft now ("" when nothing stands in the way):
    services.bulletin_issue refuses on it under its lock, and the confirmation page
    asks it before handing the issuing to a background job."""
    if not may_supervise(by):
        return _("Only the working group's supervisors can do this.")
    if confirmed is not True:
        return _("Confirm that you want to issue the bulletin: tick the box and issue again.")
    if bulletin.is_issued:
        return _("This bulletin has already been issued.")
    if not bulletin.units.exists() and not bulletin.to_leadership:
        return _("Choose who the bulletin goes to.")
    return ""
