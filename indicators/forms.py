from django import forms
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from indicators.models import Indicator
from plans.models import Comparator


class IndicatorForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Indicator.Kind.choices)
    direction = forms.ChoiceField(
        label=_("which is better"),
        choices=[(Comparator.AT_LEAST, _("higher")), (Comparator.AT_MOST, _("lower"))],
    )
    owner = forms.ModelChoiceField(
        label=_("owner unit"), queryset=Unit.objects.none(), required=False
    )
    baseline = forms.CharField(label=_("baseline"), required=False, max_length=30)
    by_member = forms.BooleanField(
        label=_("each member unit reports its own share"),
        required=False,
        help_text=_(
            "Each county government of the task reports its own figure and the city value "
            "is their sum; otherwise the lead unit alone reports the city value."
        ),
    )

    def __init__(
        self, *args, indicator: Indicator, years: range, breakdown: bool, **kwargs
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not breakdown:
            del self.fields["by_member"]
        self.years = years
        self.fields["owner"].queryset = (
            # A unit group (各县(市、区)政府) owns no indicator: one unit reports each value.
            Unit.objects.filter(task_units__task__plan=indicator.plan_id)
            .exclude(kind=Unit.Kind.GROUP)
            .distinct()
            .order_by("sort_order")
        )
        if indicator.task_id is not None:
            self.fields["owner"].disabled = True
        for year in years:
            self.fields[f"target_{year}"] = forms.CharField(
                label=_("target for %(year)d") % {"year": year}, required=False, max_length=30
            )

    def targets(self) -> dict[int, str]:
        return {year: self.cleaned_data.get(f"target_{year}", "") for year in self.years}
