"""A unit's breakdown in the person's language: each criterion's summary and each
record behind it as a sentence with the link to its page.

The scores keep plain data (assessment.scoring); the words are chosen when shown, so
a publicised assessment reads in whichever language the person uses.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.models import Grade, Rule


@dataclass(frozen=True)
class LineView:
    text: str
    url: str
    points: str  # "-2" for a record that took points, "" otherwise


@dataclass(frozen=True)
class CriterionView:
    rule: str
    label: str
    weight: str
    deduction: str
    points: str
    summary: str
    note: str
    lines: list[LineView]


def rule_label(rule: str) -> str:
    try:
        return str(Rule(rule).label)
    except ValueError:
        return rule


def grade_label(grade: str) -> str:
    try:
        return str(Grade(grade).label)
    except ValueError:
        return grade


def _reverse(name: str, pk: Any) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def line_url(line: dict[str, Any]) -> str:
    kind = line.get("kind")
    if kind in ("report", "return"):
        return _reverse("report_detail", line["report"])
    if kind == "task":
        return _reverse("task_detail", line["task"])
    if kind == "light":
        return _reverse("unit_detail", line["unit"])
    if kind == "notice":
        return _reverse("supervision_notice", line["notice"])
    if kind == "interview":
        return _reverse("interview_detail", line["interview"])
    if kind == "indicator":
        return line.get("url") or _reverse("indicator_detail", line["indicator"])
    return ""


def _report(line: dict[str, Any]) -> str:
    fields = {"round": line["round"], "deadline": line["deadline"], "sent_on": line["sent_on"]}
    state = line["state"]
    if state == "on_time":
        return _("%(round)s report: sent on %(sent_on)s, on time (deadline %(deadline)s).") % fields
    if state == "late":
        return ngettext(
            "%(round)s report: sent on %(sent_on)s, %(days)d day late (deadline %(deadline)s).",
            "%(round)s report: sent on %(sent_on)s, %(days)d days late (deadline %(deadline)s).",
            line["late_days"],
        ) % {**fields, "days": line["late_days"]}
    if state == "pending":
        return _("%(round)s report: not sent yet, due %(deadline)s; not counted.") % fields
    return _("%(round)s report: not sent (deadline %(deadline)s).") % fields


def _indicator(line: dict[str, Any]) -> str:
    fields = {
        "name": line["name"],
        "value": line["value"],
        "target": line["target"],
        "uom": line["unit_of_measure"],
        "period": line["period"] or "—",
    }
    if line["value"] is None:
        return _("%(name)s: not reported this year (target %(target)s%(uom)s): not met.") % fields
    if line["met"]:
        return (
            _(
                "%(name)s: %(value)s%(uom)s in %(period)s against a target of "
                "%(target)s%(uom)s: met."
            )
            % fields
        )
    return (
        _(
            "%(name)s: %(value)s%(uom)s in %(period)s against a target of %(target)s%(uom)s: "
            "not met."
        )
        % fields
    )


def _task(line: dict[str, Any]) -> str:
    fields = {
        "number": line["number"],
        "title": line["title"],
        "due": line["complete_by"],
        "closed": line["closed_on"],
    }
    state = line["state"]
    if state == "on_time":
        return _("Task %(number)s %(title)s: due %(due)s, closed on %(closed)s.") % fields
    if state == "late":
        return _("Task %(number)s %(title)s: due %(due)s, closed late on %(closed)s.") % fields
    if state == "pending":
        return _("Task %(number)s %(title)s: due %(due)s, not yet due; not counted.") % fields
    if state == "terminated":
        return _("Task %(number)s %(title)s: terminated; not counted.") % fields
    return _("Task %(number)s %(title)s: due %(due)s, not completed.") % fields


def describe(line: dict[str, Any]) -> str:
    """One record behind a criterion, as a sentence."""
    kind = line.get("kind")
    if kind == "report":
        return _report(line)
    if kind == "return":
        return _("%(round)s report, task %(task)s returned on %(on)s: %(reason)s") % {
            "round": line["round"],
            "task": line["task"],
            "on": line["on"],
            "reason": line["reason"] or "—",
        }
    if kind == "indicator":
        return _indicator(line)
    if kind == "task":
        return _task(line)
    if kind == "light":
        reasons = "；".join(line.get("reasons") or [])
        if reasons:
            return _("Red light in %(round)s: %(reasons)s") % {
                "round": line["round"],
                "reasons": reasons,
            }
        return _("Red light in %(round)s.") % {"round": line["round"]}
    if kind == "notice":
        return _("%(number)s issued on %(issued_on)s: %(reasons)s") % {
            "number": line["number"],
            "issued_on": line["issued_on"],
            "reasons": "；".join(line.get("reasons") or []) or "—",
        }
    if kind == "interview":
        return _("Interview on %(held_on)s (%(interviewee)s): %(reason)s") % {
            "held_on": line["held_on"],
            "interviewee": line["interviewee"],
            "reason": line["reason"],
        }
    return str(line)


NOTES = {
    "no_reports": lambda: _("No report was due this year: full points."),
    "no_indicators": lambda: _("The unit owns no indicator with a target this year: full points."),
    "no_tasks": lambda: _("No lead task of the unit was due this year: full points."),
}


def summary(criterion: dict[str, Any]) -> str:
    """The criterion's figures in one sentence."""
    counts = criterion["counts"]
    rule = criterion["rule"]
    if criterion.get("note") in NOTES:
        return NOTES[criterion["note"]]()
    if rule == Rule.ON_TIME:
        return (
            _("Reports on time: %(good)d of %(due)d (late: %(late)d, not sent: %(missing)d).")
            % counts
        )
    if rule == Rule.INDICATORS:
        return _("Indicator targets met: %(good)d of %(due)d.") % counts
    if rule == Rule.TASKS:
        return _("Lead tasks completed on schedule: %(good)d of %(due)d.") % counts
    fields = {"count": counts.get("count", 0), "deduction": criterion["deduction"]}
    if rule == Rule.RETURNS:
        return _("Entries returned: %(count)d, -%(deduction)s each.") % fields
    if rule == Rule.RED_LIGHTS:
        return _("Red lights: %(count)d, -%(deduction)s each.") % fields
    if rule == Rule.NOTICES:
        return _("Supervision notices: %(count)d, -%(deduction)s each.") % fields
    if rule == Rule.INTERVIEWS:
        return _("Interviews: %(count)d, -%(deduction)s each.") % fields
    return ""


def criterion_view(criterion: dict[str, Any]) -> CriterionView:
    return CriterionView(
        rule=criterion["rule"],
        label=rule_label(criterion["rule"]),
        weight=criterion["weight"],
        deduction=criterion["deduction"],
        points=criterion["points"],
        summary=summary(criterion),
        note=criterion.get("note", ""),
        lines=[
            LineView(text=describe(line), url=line_url(line), points=line.get("points", ""))
            for line in criterion["lines"]
        ],
    )


def rule_explanation(rule: str, weight: str, deduction: str) -> str:
    """How a criterion is computed, for the scheme's table."""
    fields = {"weight": weight, "deduction": deduction}
    if rule == Rule.ON_TIME:
        return (
            _(
                "%(weight)s × reports sent by the deadline ÷ reports due; a report not sent counts "
                "as late."
            )
            % fields
        )
    if rule == Rule.INDICATORS:
        return (
            _(
                "%(weight)s × indicators that met the year's target ÷ the unit's indicators with a "
                "target; an indicator not reported counts as not met."
            )
            % fields
        )
    if rule == Rule.TASKS:
        return (
            _("%(weight)s × lead tasks closed by their deadline ÷ lead tasks due in the year.")
            % fields
        )
    if rule == Rule.RETURNS:
        return _("Each task entry the working group returned: -%(deduction)s, down to 0.") % (
            fields
        )
    if rule == Rule.RED_LIGHTS:
        return _("Each round the unit's light was red: -%(deduction)s, down to 0.") % fields
    if rule == Rule.NOTICES:
        return _("Each supervision notice received: -%(deduction)s, down to 0.") % fields
    if rule == Rule.INTERVIEWS:
        return _("Each interview held: -%(deduction)s, down to 0.") % fields
    return ""
