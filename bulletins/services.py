"""State changes of bulletins (通报): draft, edit, issue, and the recipients' 已阅.

Each validates first, writes in one transaction and leaves an audit row. Issuing
takes the next gapless number of the plan's yearly series under a row lock, freezes
the data and the PDF, and notifies each recipient.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from bulletins.content import gather, json_ready
from bulletins.models import Bulletin, BulletinReceipt
from bulletins.render import fields_of, render_pdf
from bulletins.selectors import issue_refusal, recipients_of, series_name
from common.text import checked_text
from departments.models import Unit, User
from departments.permissions import require_supervisor
from documents.numbering import next_number
from documents.pdf import DEFAULT_ADDRESSEES, DEFAULT_CC
from files.storage import stored_name
from notices.services import notify
from plans.models import Plan
from rounds.models import Entry, Round

PICKS_MAX = 20
DEFAULT_OPENING = (
    "为推动质量强市建设各项任务落实，工作专班对{period}各责任单位工作推进情况进行了调度，"
    "现将有关情况通报如下："
)
DEFAULT_CLOSING = (
    "请各责任单位对照通报问题，认真分析原因，明确整改措施，加快推进任务落实；"
    "被点名通报和亮红灯的单位要于下期调度前书面报告整改情况。"
)


class BulletinError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: str) -> str:
    return checked_text(value, error=BulletinError)


@transaction.atomic
def bulletin_draft(*, plan: Plan, round: Round, by: User) -> Bulletin:
    """Start a draft on a round, with the usual wording and every reporting unit."""
    require_supervisor(by, BulletinError)
    if round.plan_id != plan.pk:
        raise BulletinError(_("Choose a round of this plan."))
    bulletin = Bulletin.objects.create(
        plan=plan,
        round=round,
        year=timezone.localdate().year,
        issuer=settings.WORKING_GROUP_NAME,
        addressees=DEFAULT_ADDRESSEES,
        opening=DEFAULT_OPENING.format(period=round.period),
        closing=DEFAULT_CLOSING,
        copy_to=DEFAULT_CC,
        created_by=by,
    )
    bulletin.units.set(Unit.objects.filter(round_reports__round=round).distinct())
    audit_record(
        action="bulletin.draft",
        by=by,
        obj=bulletin,
        summary={"plan": plan.doc_number, "round": round.period},
    )
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    bulletin: Bulletin,
    by: User,
    opening: str,
    closing: str,
    picks: Iterable[dict[str, Any]],
    addressees: str,
    distribution: dict[str, Any],
) -> Bulletin:
    """Edit a draft: its paragraphs, good-practice picks ([{"entry": pk, "text": ...}],
    the text as the supervisor edited it), addressees and distribution
    ({"units": [Unit pks], "leadership": bool, "copy_to": str})."""
    require_supervisor(by, BulletinError)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_issued:
        raise BulletinError(_("An issued bulletin cannot be changed; issue a correction instead."))
    picks = list(picks)
    if len(picks) > PICKS_MAX:
        raise BulletinError(_("Pick at most %(max)d entries.") % {"max": PICKS_MAX})
    wanted = {int(pick["entry"]) for pick in picks}
    entries = {
        entry.pk: entry
        for entry in Entry.objects.filter(
            pk__in=wanted, report__round=bulletin.round
        ).select_related("task", "report__unit")
    }
    if wanted - entries.keys():
        raise BulletinError(_("Pick only entries of this round's reports."))
    unit_ids = {int(pk) for pk in distribution.get("units", [])}
    units = list(Unit.objects.filter(pk__in=unit_ids))
    if len(units) != len(unit_ids):
        raise BulletinError(_("Choose units from the list."))
    bulletin.opening = _text(opening)
    bulletin.closing = _text(closing)
    bulletin.addressees = _text(addressees)
    bulletin.copy_to = _text(distribution.get("copy_to", ""))
    bulletin.to_leadership = bool(distribution.get("leadership"))
    bulletin.picks = [
        {
            "entry": entry.pk,
            "unit": entry.report.unit.name,
            "task": entry.task.number,
            "text": _text(pick.get("text") or entry.progress),
        }
        for pick in picks
        for entry in [entries[int(pick["entry"])]]
    ]
    # The texts changed: a PDF rendered in the background before is out of date.
    bulletin.render_state, bulletin.progress = "", 0
    bulletin.save(
        update_fields=[
            "render_state",
            "progress",
            "opening",
            "closing",
            "addressees",
            "copy_to",
            "to_leadership",
            "picks",
        ]
    )
    bulletin.units.set(units)
    audit_record(
        action="bulletin.update",
        by=by,
        obj=bulletin,
        summary={
            "picks": [pick["entry"] for pick in bulletin.picks],
            "units": sorted(unit.pk for unit in units),
            "leadership": bulletin.to_leadership,
        },
    )
    return bulletin


@transaction.atomic
def bulletin_issue(
    *, bulletin: Bulletin, by: User, now: datetime.datetime, confirmed: bool
) -> Bulletin:
    """Issue a draft: the next 第N期 of the plan's year, the data and PDF frozen, and a
    notice with the link to each recipient.

    Issuing cannot be undone (a correction is a new issue): `confirmed` is the
    supervisor's explicit yes, after the page said what issuing will do
    (selectors.issue_outlook); without it nothing happens."""
    bulletin = (
        Bulletin.objects.select_for_update().select_related("plan", "round").get(pk=bulletin.pk)
    )
    refusal = issue_refusal(bulletin=bulletin, by=by, confirmed=confirmed)
    if refusal:
        raise BulletinError(refusal)
    today = timezone.localtime(now).date()
    bulletin.year = today.year
    bulletin.number = next_number(series_name(bulletin.plan_id), today.year)
    bulletin.issued_on = today
    data = json_ready(gather(bulletin.plan, bulletin.round, today, picks=bulletin.picks))
    fields = fields_of(bulletin)
    bulletin.snapshot = {"data": data, "fields": fields}
    pdf = render_pdf(data, fields)
    name = stored_name("bulletins", "bulletin.pdf", "application/pdf")
    bulletin.pdf.save(name, ContentFile(pdf), save=False)
    bulletin.status = Bulletin.Status.ISSUED
    bulletin.issued_by = by
    bulletin.issued_at = now
    bulletin.save()
    recipients = list(recipients_of(bulletin))
    title = _("Bulletin %(number)s of %(year)s: %(title)s") % {
        "number": bulletin.number_text,
        "year": bulletin.year,
        "title": bulletin.title,
    }
    notify(
        recipients=recipients,
        kind="bulletin",
        key=f"bulletin:{bulletin.pk}",
        title=title,
        url=bulletin.get_absolute_url(),
        now=now,
    )
    audit_record(
        action="bulletin.issue",
        by=by,
        obj=bulletin,
        summary={
            "plan": bulletin.plan.doc_number,
            "year": bulletin.year,
            "number": bulletin.number,
            "recipients": len(recipients),
        },
    )
    return bulletin


@transaction.atomic
def bulletin_open(*, bulletin: Bulletin, by: User) -> BulletinReceipt | None:
    """已阅: the first time a recipient opens an issued bulletin (later opens change
    nothing). None for a draft or for someone the bulletin was not sent to."""
    if not bulletin.is_issued or not recipients_of(bulletin).filter(pk=by.pk).exists():
        return None
    receipt, created = BulletinReceipt.objects.get_or_create(
        bulletin=bulletin, user=by, defaults={"opened_at": timezone.now()}
    )
    if created:
        audit_record(action="bulletin.open", by=by, obj=bulletin, summary={})
    return receipt
