"""Forms of the assessment pages: they read what was typed; the services judge it."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import SHARE_RULES, Assessment, Criterion
from assessment.services import WINDOW_DEFAULT_DAYS, WINDOW_MAX_DAYS
from assessment.wording import rule_label
from common.text import TEXT_MAX

_POINTS = {"max_digits": 6, "decimal_places": 2}


class CreateForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("Give the year to assess.")},
    )


class SchemeForm(forms.Form):
    """The draft's scheme: points (and deduction per record) of each criterion, the
    grades' lowest totals, the document's title."""

    title = forms.CharField(label=_("Title of the document"), max_length=200)
    excellent_from = forms.DecimalField(label=_("Excellent from"), min_value=0, **_POINTS)
    good_from = forms.DecimalField(label=_("Good from"), min_value=0, **_POINTS)
    fair_from = forms.DecimalField(label=_("Fair from"), min_value=0, **_POINTS)

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        self.criteria: list[Criterion] = list(assessment.criteria.order_by("order"))
        kwargs.setdefault(
            "initial",
            {
                "title": assessment.title,
                "excellent_from": assessment.excellent_from,
                "good_from": assessment.good_from,
                "fair_from": assessment.fair_from,
                **{f"weight_{c.rule}": c.weight for c in self.criteria},
                **{f"deduction_{c.rule}": c.deduction for c in self.criteria},
            },
        )
        super().__init__(*args, **kwargs)
        for criterion in self.criteria:
            label = rule_label(criterion.rule)
            self.fields[f"weight_{criterion.rule}"] = forms.DecimalField(
                label=label, min_value=0, **_POINTS
            )
            if criterion.rule not in SHARE_RULES:
                self.fields[f"deduction_{criterion.rule}"] = forms.DecimalField(
                    label=_("%(criterion)s: points off per record") % {"criterion": label},
                    min_value=0,
                    **_POINTS,
                )

    def rows(self) -> Iterable[dict[str, Any]]:
        """The criteria with their bound fields, for the template's table."""
        for criterion in self.criteria:
            yield {
                "criterion": criterion,
                "label": rule_label(criterion.rule),
                "weight": self[f"weight_{criterion.rule}"],
                "deduction": self[f"deduction_{criterion.rule}"]
                if criterion.rule not in SHARE_RULES
                else None,
            }

    def criteria_values(self) -> dict[str, tuple[Any, Any]]:
        data = self.cleaned_data
        return {
            c.rule: (data[f"weight_{c.rule}"], data.get(f"deduction_{c.rule}") or 0)
            for c in self.criteria
        }


class AdjustmentForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, choices=())
    points = forms.DecimalField(
        label=_("Points"),
        help_text=_("Positive for a bonus, negative for a deduction."),
        **_POINTS,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)


class PubliciseForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days for objections"),
        min_value=1,
        max_value=WINDOW_MAX_DAYS,
        initial=WINDOW_DEFAULT_DAYS,
        help_text=_("Today counts as the first day."),
    )


class ConfirmForm(forms.Form):
    """The tick that says the person has read what a step they cannot undo does
    (publicity, publication); without it nothing happens and `refusal` says why."""

    confirm = forms.BooleanField()

    def __init__(self, *args: Any, label: str, refusal: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label
        self.fields["confirm"].error_messages["required"] = refusal


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Your objection"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Name the criterion and the records you dispute, and why."),
        error_messages={"required": _("Say what is wrong with the score and why.")},
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(
        label=_("Reply to the unit"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    points = forms.DecimalField(
        label=_("Change of points"),
        required=False,
        help_text=_("Only when accepting, if the score changes: e.g. 2 or -1.5."),
        **_POINTS,
    )
    points_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=TEXT_MAX,
        required=False,
        help_text=_("Shown in the unit's breakdown as a manual item."),
    )
