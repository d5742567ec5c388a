from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.text import TEXT_MAX
from departments.models import Unit
from plans.models import Task

_DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
_DATETIME_WIDGET = {"attrs": {"type": "datetime-local"}, "format": "%Y-%m-%dT%H:%M"}
COMMITMENTS_MAX = 30
COMMITMENT_ROWS = 3


class TaskMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.number}. {obj.title}"


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("What the unit has done"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For each item: what was done, when, and where the result can be seen."),
        error_messages={"required": _("Say what the unit has done.")},
    )


class DecideForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to dismiss: say why no interview is needed."),
    )


class UnitChoiceForm(forms.Form):
    """The first step of a new interview when no unit is named yet."""

    unit = forms.ModelChoiceField(
        label=_("Unit to interview"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("Choose the unit to interview.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).exclude(
            kind=Unit.Kind.GROUP
        )


class InterviewForm(forms.Form):
    interviewee = forms.CharField(
        label=_("Person interviewed"),
        max_length=100,
        help_text=_("The unit's leader, with the post, e.g. 副局长 李某某."),
        error_messages={"required": _("Name the person interviewed.")},
    )
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(**_DATETIME_WIDGET),
        error_messages={"required": _("Give the date and time of the interview.")},
    )
    place = forms.CharField(
        label=_("Place of the interview"),
        max_length=200,
        error_messages={"required": _("Give the place.")},
    )
    reason = forms.CharField(
        label=_("Why the unit is interviewed"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the unit is interviewed.")},
    )
    tasks = TaskMultipleChoiceField(
        label=_("Tasks concerned"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only tasks of the unit.")},
    )

    def __init__(self, *args: Any, tasks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = tasks


class RecordForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes of the interview"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the minutes.")},
    )
    problems = forms.CharField(
        label=_("Problems found"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommitmentForm(forms.Form):
    text = forms.CharField(
        label=_("Rectification commitment"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write each commitment.")},
    )
    due_on = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(**_DATE_WIDGET),
        error_messages={"required": _("Give each commitment a deadline.")},
    )


CommitmentFormSet = forms.formset_factory(
    CommitmentForm, extra=COMMITMENT_ROWS, max_num=COMMITMENTS_MAX, validate_max=True
)


class CommitmentReportForm(forms.Form):
    report = forms.CharField(
        label=_("What the unit did"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what the unit did.")},
    )


class CommitmentCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Closing: what was checked. Sending back: what is still missing."),
        error_messages={"required": _("Write a note.")},
    )
