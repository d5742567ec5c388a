"""State changes of the annual assessment (考核): create a year's draft, set its scheme
and manual items, publicise the scores (公示), file and answer objections, publish.

Each validates first (an AssessmentError with the message to show, nothing written),
writes in one transaction under a lock on the assessment, and leaves an audit row.
The scheme and the manual items change only while the assessment is a draft; after
that the only change to a score is an accepted objection's adjustment.
"""

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.document import default_title
from assessment.models import (
    SHARE_RULES,
    Adjustment,
    Assessment,
    Criterion,
    Objection,
    Rule,
    UnitScore,
)
from assessment.scoring import (
    DEFAULT_CRITERIA,
    DEFAULT_GRADES,
    TOTAL_WEIGHT,
    ZERO,
    UnitResult,
    rank_and_grade,
    text,
    total_of,
)
from assessment.scoring import points as round_points
from assessment.selectors import (
    adjustments_by_unit,
    compute,
    publish_refusal,
    scheme_of,
    window_end,
)
from assessment.wording import grade_label
from audit.services import audit_record
from common.text import checked_text
from departments.models import Unit, User
from departments.permissions import ACT_FOR_UNIT, require_supervisor
from documents.numbering import next_number
from notices.models import Notice
from notices.services import Message, notify_many
from plans.models import Plan, Task
from rounds.models import UnitReport

TITLE_MAX = Assessment._meta.get_field("title").max_length
YEAR_MIN, YEAR_MAX = 2000, 2100
WINDOW_DEFAULT_DAYS = 5
WINDOW_MAX_DAYS = 30
POINTS_MAX = Decimal(100)
NOTICE_KIND = Notice.Kind.ASSESSMENT


class _OfUnit(Protocol):
    unit_id: int


Item = TypeVar("Item", bound=_OfUnit)


class AssessmentError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: str, message: str) -> str:
    return checked_text(value, error=AssessmentError, required=message)


def _points(value: object, message: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AssessmentError(message) from None
    if not number.is_finite() or number < low or number > high or number != round_points(number):
        raise AssessmentError(message)
    return number


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("plan").get(pk=assessment.pk)


def _refuse_unless_draft(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentError(
            _("The scheme is frozen once the assessment is publicised: it can no longer change.")
        )


def _people_of(unit_ids: list[int]) -> dict[int, list[User]]:
    """unit pk -> its active liaisons and leaders."""
    found: dict[int, list[User]] = {pk: [] for pk in unit_ids}
    for person in User.objects.filter(
        unit_id__in=unit_ids, is_active=True, role__in=[User.Role.LIAISON, User.Role.LEADER]
    ).order_by("pk"):
        found[person.unit_id].append(person)
    return found


def _unit_url(assessment: Assessment, unit_id: int) -> str:
    return reverse("assessment_unit", args=[assessment.pk, unit_id])


def _tell_units(
    assessment: Assessment,
    items: Sequence[Item],
    *,
    event: str,
    title_of: Callable[[Item], str],
    now: datetime.datetime,
    body: str = "",
) -> list[Notice]:
    """A notice of the assessment's ``event`` for each item (a score, an objection), to
    the active liaisons and leaders of its unit, linking to the unit's score. Titles are
    made in the site's language: people read them later, whatever the sender's was."""
    people = _people_of([item.unit_id for item in items])
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            Message(
                recipients=people[item.unit_id],
                kind=NOTICE_KIND,
                key=f"assessment:{assessment.pk}:{event}",
                title=title_of(item),
                body=body,
                url=_unit_url(assessment, item.unit_id),
            )
            for item in items
            if people[item.unit_id]
        ]
    return notify_many(messages, now=now)


# --- The draft ------------------------------------------------------------------


@transaction.atomic
def assessment_create(*, plan: Plan, year: int, by: User) -> Assessment:
    """Start the assessment of a plan's year, with the default scheme."""
    require_supervisor(by, AssessmentError)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise AssessmentError(
            _("Give a year between %(low)d and %(high)d.") % {"low": YEAR_MIN, "high": YEAR_MAX}
        )
    if Assessment.objects.filter(plan=plan, year=year).exists():
        raise AssessmentError(
            _("The plan already has an assessment for %(year)d.") % {"year": year}
        )
    excellent, good, fair = DEFAULT_GRADES
    assessment = Assessment.objects.create(
        plan=plan,
        year=year,
        title=default_title(plan, year)[:TITLE_MAX],
        excellent_from=excellent,
        good_from=good,
        fair_from=fair,
        created_by=by,
    )
    Criterion.objects.bulk_create(
        Criterion(assessment=assessment, rule=rule, weight=weight, deduction=deduction, order=n)
        for n, (rule, weight, deduction) in enumerate(DEFAULT_CRITERIA, start=1)
    )
    audit_record(
        action="assessment.create",
        by=by,
        obj=assessment,
        summary={"plan": plan.doc_number, "year": year},
    )
    return assessment


@transaction.atomic
def assessment_scheme_update(
    *,
    assessment: Assessment,
    by: User,
    criteria: Mapping[str, tuple[object, object]],
    grades: tuple[object, object, object],
    title: str,
) -> Assessment:
    """Set the draft's scheme: for each criterion (by rule) its points and the points a
    deduction criterion takes per record; the lowest total of 优秀, 良好 and 一般; the
    document's title. The criteria's points must add up to 100."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(assessment)
    _refuse_unless_draft(assessment)
    rows = {criterion.rule: criterion for criterion in assessment.criteria.all()}
    if set(criteria) != set(rows):
        raise AssessmentError(_("Give the points of every criterion."))
    changed = {}
    for rule, (weight, deduction) in criteria.items():
        label = Rule(rule).label
        weight = _points(
            weight,
            _("%(criterion)s: give points from 0 to 100, with at most two decimals.")
            % {"criterion": label},
            low=ZERO,
            high=POINTS_MAX,
        )
        deduction = _points(
            0 if rule in SHARE_RULES else deduction,
            _(
                "%(criterion)s: give the deduction per record from 0 to 100, with at most two "
                "decimals."
            )
            % {"criterion": label},
            low=ZERO,
            high=POINTS_MAX,
        )
        changed[rule] = (weight, deduction)
    total = sum((weight for weight, _deduction in changed.values()), ZERO)
    if total != TOTAL_WEIGHT:
        raise AssessmentError(
            _("The criteria's points must add up to 100; they add up to %(total)s.")
            % {"total": text(total)}
        )
    grade_message = _("Give each grade's lowest total from 0 to 100, with at most two decimals.")
    excellent, good, fair = (
        _points(value, grade_message, low=ZERO, high=POINTS_MAX) for value in grades
    )
    if not excellent > good > fair > ZERO:
        raise AssessmentError(
            _("The grades' lowest totals must go down from Excellent to Good to Fair, above 0.")
        )
    title = _text(title, _("Give the document's title."))
    if len(title) > TITLE_MAX:
        raise AssessmentError(
            _("The title is longer than %(max)d characters.") % {"max": TITLE_MAX}
        )
    for rule, (weight, deduction) in changed.items():
        rows[rule].weight, rows[rule].deduction = weight, deduction
    Criterion.objects.bulk_update(rows.values(), ["weight", "deduction"])
    assessment.excellent_from, assessment.good_from, assessment.fair_from = excellent, good, fair
    assessment.title = title
    assessment.save(update_fields=["excellent_from", "good_from", "fair_from", "title"])
    audit_record(
        action="assessment.scheme_update",
        by=by,
        obj=assessment,
        summary={
            "criteria": {rule: [text(w), text(d)] for rule, (w, d) in changed.items()},
            "grades": [text(excellent), text(good), text(fair)],
            "title": title,
        },
    )
    return assessment


def _is_assessed(assessment: Assessment, unit: Unit) -> bool:
    """Whether the unit is scored in the assessment (see selectors.year_facts)."""
    if unit.kind == Unit.Kind.GROUP:
        return False
    return (
        Task.objects.filter(plan=assessment.plan, lead_unit=unit).exists()
        or UnitReport.objects.filter(
            round__plan=assessment.plan, round__opens_on__year=assessment.year, unit=unit
        ).exists()
    )


@transaction.atomic
def adjustment_add(
    *, assessment: Assessment, by: User, unit: Unit, points: object, reason: str
) -> Adjustment:
    """A manual bonus (positive points) or deduction (negative) for a unit of the draft."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(assessment)
    _refuse_unless_draft(assessment)
    value = _points(
        points,
        _(
            "Give the points from -100 to 100, with at most two decimals: positive for a "
            "bonus, negative for a deduction."
        ),
        low=-POINTS_MAX,
        high=POINTS_MAX,
    )
    if value == ZERO:
        raise AssessmentError(_("A bonus or deduction of 0 points changes nothing."))
    reason = _text(reason, _("Give the reason for the bonus or deduction."))
    if not _is_assessed(assessment, unit):
        raise AssessmentError(
            _("%(unit)s is not assessed in this plan's year.") % {"unit": unit.name}
        )
    adjustment = Adjustment.objects.create(
        assessment=assessment, unit=unit, points=value, reason=reason, created_by=by
    )
    audit_record(
        action="assessment.adjustment_add",
        by=by,
        obj=assessment,
        summary={"unit": unit.name, "points": text(value), "reason": reason},
    )
    return adjustment


@transaction.atomic
def adjustment_remove(*, adjustment: Adjustment, by: User) -> None:
    """Take a manual item off the draft (one made by an objection's answer stays)."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(adjustment.assessment)
    _refuse_unless_draft(assessment)
    adjustment = Adjustment.objects.select_related("unit").get(pk=adjustment.pk)
    if adjustment.objection_id is not None:
        raise AssessmentError(_("An adjustment made by an objection's answer stays."))
    summary = {
        "unit": adjustment.unit.name,
        "points": text(adjustment.points),
        "reason": adjustment.reason,
    }
    adjustment.delete()
    audit_record(action="assessment.adjustment_remove", by=by, obj=assessment, summary=summary)


# --- Publicity and objections --------------------------------------------------------


@transaction.atomic
def assessment_publicise(
    *, assessment: Assessment, by: User, now: datetime.datetime, days: int = WINDOW_DEFAULT_DAYS
) -> Assessment:
    """公示: compute every unit's score on the data as of today and store it, freeze the
    scheme, open the objection window for `days` days (today the first) and tell each
    assessed unit's liaisons and leaders."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(assessment)
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentError(_("This assessment has already been publicised."))
    if not isinstance(days, int) or not 1 <= days <= WINDOW_MAX_DAYS:
        raise AssessmentError(
            _("The objection window lasts from 1 to %(max)d days.") % {"max": WINDOW_MAX_DAYS}
        )
    today = timezone.localdate(now)
    results = compute(assessment, today)
    if not results:
        raise AssessmentError(
            _("No unit to assess: no unit reported in the year's rounds or leads a task.")
        )
    UnitScore.objects.bulk_create(
        UnitScore(assessment=assessment, unit_id=result.unit_id, **result.score_fields())
        for result in results
    )
    assessment.status = Assessment.Status.PUBLICITY
    assessment.as_of = today
    assessment.publicised_at = now
    assessment.publicised_by = by
    assessment.objections_until = window_end(today, days)
    assessment.save(
        update_fields=["status", "as_of", "publicised_at", "publicised_by", "objections_until"]
    )
    until = assessment.last_objection_day.isoformat()
    sent = _tell_units(
        assessment,
        results,
        event="publicity",
        title_of=lambda result: (
            _(
                "%(year)d assessment under publicity: %(unit)s scored %(total)s, rank "
                "%(rank)d, %(grade)s. Objections until %(until)s."
            )
            % {
                "year": assessment.year,
                "unit": result.name,
                "total": text(result.total),
                "rank": result.rank,
                "grade": grade_label(result.grade),
                "until": until,
            }
        ),
        now=now,
    )
    audit_record(
        action="assessment.publicise",
        by=by,
        obj=assessment,
        summary={
            "plan": assessment.plan.doc_number,
            "year": assessment.year,
            "units": len(results),
            "as_of": today.isoformat(),
            "objections_until": until,
            "notified": len(sent),
        },
    )
    return assessment


@transaction.atomic
def objection_file(
    *, assessment: Assessment, by: User, reason: str, now: datetime.datetime
) -> Objection:
    """A unit's liaison or leader objects to the unit's score during the publicity."""
    assessment = _locked(assessment)
    unit = by.unit
    score = (
        UnitScore.objects.filter(assessment=assessment, unit=unit).first()
        if unit is not None
        else None
    )
    if score is None or not by.has_perm(ACT_FOR_UNIT, unit):
        raise AssessmentError(_("Only the liaisons and leaders of an assessed unit can object."))
    if assessment.status != Assessment.Status.PUBLICITY:
        raise AssessmentError(_("Objections are taken only while the scores are publicised."))
    if now >= assessment.objections_until:
        raise AssessmentError(
            _("The objection window closed at the end of %(day)s: objections are no longer taken.")
            % {"day": assessment.last_objection_day.isoformat()}
        )
    reason = _text(reason, _("Say what is wrong with the score and why."))
    objection = Objection.objects.create(
        assessment=assessment, unit=unit, reason=reason, filed_by=by, filed_at=now
    )
    supervisors = list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True))
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(unit)s objects to its %(year)d assessment score.") % {
            "unit": unit.name,
            "year": assessment.year,
        }
    notify_many(
        [
            Message(
                recipients=supervisors,
                kind=NOTICE_KIND,
                key=f"assessment:{assessment.pk}:objection:{objection.pk}",
                title=title,
                body=reason,
                url=reverse("assessment_objection_answer", args=[objection.pk]),
            )
        ],
        now=now,
    )
    audit_record(
        action="assessment.objection_file",
        by=by,
        obj=assessment,
        summary={"objection": objection.pk, "unit": unit.name, "reason": reason},
    )
    return objection


def _rescore(assessment: Assessment) -> None:
    """Totals, ranks and grades again after an adjustment; the criteria stay as stored."""
    adjustments = adjustments_by_unit(assessment)
    scores = {score.unit_id: score for score in assessment.scores.select_related("unit")}
    rows = [
        UnitResult(
            unit_id=score.unit_id,
            name=score.unit.name,
            sort_order=score.unit.sort_order,
            criteria=[],
            criteria_points=score.criteria_points,
            adjustment_points=adjustments.get(score.unit_id, ZERO),
            total=total_of(score.criteria_points, adjustments.get(score.unit_id, ZERO)),
        )
        for score in scores.values()
    ]
    for row in rank_and_grade(rows, scheme_of(assessment)):
        score = scores[row.unit_id]
        score.adjustment_points, score.total = row.adjustment_points, row.total
        score.rank, score.grade = row.rank, row.grade
    UnitScore.objects.bulk_update(
        list(scores.values()), ["adjustment_points", "total", "rank", "grade"]
    )


def _answer_points(accept: bool, points: object, reason: str) -> tuple[Decimal, str]:
    """An answer's change of points and its reason, checked: none (0) when no points
    are given; only an accepted objection changes them."""
    if points in (None, ""):
        return ZERO, reason
    if not accept:
        raise AssessmentError(_("Only an accepted objection changes the points."))
    value = _points(
        points,
        _("Give the change of points from -100 to 100, with at most two decimals."),
        low=-POINTS_MAX,
        high=POINTS_MAX,
    )
    if value == ZERO:
        raise AssessmentError(_("A change of 0 points changes nothing: leave it empty."))
    return value, _text(reason, _("Give the reason for the change of points."))


@transaction.atomic
def objection_answer(
    *,
    objection: Objection,
    by: User,
    accept: bool,
    reply: str,
    now: datetime.datetime,
    points: object = None,
    points_reason: str = "",
) -> Objection:
    """The working group accepts an objection, with or without a change of points (which
    becomes a manual item of the unit, with its reason), or rejects it; either way with
    a reply the unit reads."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(objection.assessment)
    objection = Objection.objects.select_for_update().select_related("unit").get(pk=objection.pk)
    if assessment.status != Assessment.Status.PUBLICITY:
        raise AssessmentError(_("Objections are answered only while the scores are publicised."))
    if objection.status != Objection.Status.OPEN:
        raise AssessmentError(_("This objection has already been answered."))
    reply = _text(reply, _("Write the reply to the unit."))
    value, points_reason = _answer_points(accept, points, points_reason)
    objection.status = Objection.Status.ACCEPTED if accept else Objection.Status.REJECTED
    objection.reply = reply
    objection.answered_by = by
    objection.answered_at = now
    objection.save(update_fields=["status", "reply", "answered_by", "answered_at"])
    if value:
        Adjustment.objects.create(
            assessment=assessment,
            unit=objection.unit,
            points=value,
            reason=points_reason,
            objection=objection,
            created_by=by,
        )
        _rescore(assessment)
    _tell_units(
        assessment,
        [objection],
        event=f"answer:{objection.pk}",
        title_of=lambda _objection: (
            (
                _("Your objection to the %(year)d assessment is accepted.")
                if accept
                else _("Your objection to the %(year)d assessment is rejected.")
            )
            % {"year": assessment.year}
        ),
        now=now,
        body=reply,
    )
    audit_record(
        action="assessment.objection_accept" if accept else "assessment.objection_reject",
        by=by,
        obj=assessment,
        summary={
            "objection": objection.pk,
            "unit": objection.unit.name,
            "reply": reply,
            "points": text(value) if value else "",
            "points_reason": points_reason if value else "",
        },
    )
    return objection


@transaction.atomic
def assessment_publish(*, assessment: Assessment, by: User, now: datetime.datetime) -> Assessment:
    """Publish the results once the window has closed and every objection is answered:
    scheme and scores are final, the document gets its number, the units are told."""
    require_supervisor(by, AssessmentError)
    assessment = _locked(assessment)
    refusal = publish_refusal(assessment, now)
    if refusal:
        raise AssessmentError(refusal)
    year = timezone.localdate(now).year
    assessment.number = next_number(f"assessment:{assessment.plan_id}", year)
    assessment.status = Assessment.Status.PUBLISHED
    assessment.published_at = now
    assessment.published_by = by
    assessment.save(update_fields=["number", "status", "published_at", "published_by"])
    scores = list(assessment.scores.select_related("unit"))
    sent = _tell_units(
        assessment,
        scores,
        event="published",
        title_of=lambda score: (
            _("%(year)d assessment published: %(unit)s scored %(total)s, rank %(rank)d, %(grade)s.")
            % {
                "year": assessment.year,
                "unit": score.unit.name,
                "total": text(score.total),
                "rank": score.rank,
                "grade": grade_label(score.grade),
            }
        ),
        now=now,
    )
    audit_record(
        action="assessment.publish",
        by=by,
        obj=assessment,
        summary={
            "plan": assessment.plan.doc_number,
            "year": assessment.year,
            "number": assessment.doc_number,
            "notified": len(sent),
        },
    )
    return assessment
