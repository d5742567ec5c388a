from django import forms
from django.utils.translation import gettext_lazy as _

from plans.models import Plan
from rounds.models import Round


class RoundForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=40, help_text=_("e.g. 2023年第三季度 or 2023年10月")
    )
    deadline = forms.DateField(
        label=_("Reports due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    opens_on = forms.DateField(
        label=_("Opens on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank to open it now; a later day schedules it to open by itself."),
    )
    tasks = forms.ModelMultipleChoiceField(
        label=_("Tasks"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every task in progress."),
    )

    def __init__(self, *args, plan: Plan, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = plan.tasks.order_by("order")
        self.fields["tasks"].label_from_instance = lambda t: f"{t.number}. {t.title}"


class ScheduleForm(forms.Form):
    cadence = forms.ChoiceField(
        label=_("Cadence"),
        choices=[(Round.Cadence.MONTHLY, _("Monthly")), (Round.Cadence.QUARTERLY, _("Quarterly"))],
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    first = forms.IntegerField(
        label=_("First period (month 1–12 or quarter 1–4)"), min_value=1, max_value=12
    )
    count = forms.IntegerField(label=_("Number of rounds"), min_value=1, max_value=24, initial=3)
    deadline_day = forms.IntegerField(
        label=_("Due on day … of the following month"), min_value=1, max_value=28, initial=5
    )
