from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from meetings import services
from plans.models import Plan, Task

_DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.number}. {obj.title}"


class TaskMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.number}. {obj.title}"


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        label=_("Meeting date"),
        widget=forms.DateInput(**_DATE_WIDGET),
        error_messages={"required": _("Give the date of the meeting.")},
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=services.PLACE_MAX,
        error_messages={"required": _("Give the place of the meeting.")},
    )
    chair = forms.CharField(
        label=_("Chair"),
        max_length=services.CHAIR_MAX,
        help_text=_("The official who chaired the meeting, e.g. 副市长 王某某."),
        error_messages={"required": _("Give who chaired the meeting.")},
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Attending units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one attending unit.")},
    )
    attendees = forms.CharField(
        label=_("Attendees"),
        max_length=services.ATTENDEES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The people present, as the minutes list them."),
    )
    tasks = TaskMultipleChoiceField(
        label=_("Tasks discussed"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only tasks of this plan.")},
    )
    summary = forms.CharField(
        label=_("Minutes"),
        max_length=services.SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(is_active=True)
        self.fields["tasks"].queryset = Task.objects.filter(plan=plan).order_by("order")


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Agreed item"),
        max_length=services.DECISION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the agreed item.")},
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=Unit.objects.none(),
        error_messages={
            "required": _("Choose the responsible unit."),
            "invalid_choice": _("Choose one unit from the list."),
        },
    )
    due_on = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(**_DATE_WIDGET),
        error_messages={"required": _("Give the deadline.")},
    )
    task = TaskChoiceField(
        label=_("Task"),
        queryset=Task.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a task of this plan.")},
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A group of units cannot answer for an item: one concrete unit owns it.
        self.fields["owner_unit"].queryset = Unit.objects.filter(is_active=True).exclude(
            kind=Unit.Kind.GROUP
        )
        self.fields["task"].queryset = Task.objects.filter(plan=plan).order_by("order")


DECISION_ROWS = 5
DecisionFormSet = forms.formset_factory(
    DecisionForm, extra=DECISION_ROWS, max_num=services.DECISIONS_MAX, validate_max=True
)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done, and where the result can be seen."),
        error_messages={"required": _("Write a closing note: say what was done.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason for reopening the agreed item.")},
    )
