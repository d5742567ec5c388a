from django import forms
from django.utils.translation import gettext_lazy as _

from departments.models import Unit


class ConfirmForm(forms.Form):
    """A step that is only a confirmation (acknowledge, sign off)."""


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    measure = forms.CharField(label=_("Measurable result"), max_length=200, required=False)


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3, max_num=40)


class WorkPlanPartForm(forms.Form):
    content = forms.CharField(
        label=_("Our part of the work plan"), widget=forms.Textarea(attrs={"rows": 6})
    )


class ReviewForm(forms.Form):
    """Approve or return, with a reason for a return."""

    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    returned_units = forms.ModelMultipleChoiceField(
        label=_("Co-units that must also rewrite their part"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, co_units=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if co_units is None:
            del self.fields["returned_units"]
        else:
            self.fields["returned_units"].queryset = co_units

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why it is returned."))
        return data


class CloseTaskForm(ReviewForm):
    """The working group's verification of a completion: closing (办结) is final,
    so it is confirmed with the consequences spelled out."""

    APPROVE_LABEL = _("Close the task (办结)")
    confirm = forms.BooleanField(
        label=_(
            "I confirm the task is closed: it leaves the rounds and the warning lights, "
            "and this cannot be undone."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (self.APPROVE, self.APPROVE_LABEL),
            (self.RETURN, _("Return to the lead unit")),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.APPROVE and not data.get("confirm"):
            self.add_error("confirm", _("Tick the confirmation to close the task."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class CompletionForm(forms.Form):
    summary = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label=_("Evidence files"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        error_messages={"required": _("Give a reason: it goes into the task's history.")},
    )
