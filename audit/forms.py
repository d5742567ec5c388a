from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.selectors import audit_actions, audit_unit_names


class DateInput(forms.DateInput):
    # The browser's date picker sends and expects ISO dates whatever the language.
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AuditFilterForm(forms.Form):
    """The auditor's filters; every field is optional, so an empty form shows the whole trail."""

    date_from = forms.DateField(label=_("From date"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To date"), required=False, widget=DateInput())
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("Type, id or name of the record")}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("All outcomes")), *AuditEvent.Outcome.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offered from what the trail holds, so the auditor also finds units
        # renamed or retired since the row was written.
        self.fields["unit"].choices = [
            ("", _("All units")),
            *((name, name) for name in audit_unit_names()),
        ]
        self.fields["action"].choices = [
            ("", _("All actions")),
            *((action, action) for action in audit_actions()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date is after the end date."), code="date_order"
            )
        return cleaned

    def filters_for_record(self) -> dict[str, str]:
        """The filters in force, as plain text for the audit row of an export."""
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else str(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }
