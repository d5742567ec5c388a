from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from departments.models import Unit
from rounds.models import Round

# Django's Chinese suffix is the half-width ":"; Chinese labels take the full-width "：".
LABEL_SUFFIX = pgettext_lazy("form label suffix", ":")


class DraftForm(forms.Form):
    round = forms.ModelChoiceField(queryset=Round.objects.none(), label=_("Reporting round"))

    def __init__(self, *args, plan, **kwargs) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)
        rounds = Round.objects.filter(plan=plan, status=Round.Status.OPEN).order_by("-opens_on")
        self.fields["round"].queryset = rounds
        # The latest round is the one a bulletin is usually about.
        self.fields["round"].empty_label = None


class BulletinForm(forms.Form):
    addressees = forms.CharField(label=_("Addressees"), max_length=4000)
    opening = forms.CharField(label=_("Opening paragraph"), widget=forms.Textarea, required=False)
    closing = forms.CharField(label=_("Closing paragraph"), widget=forms.Textarea, required=False)
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.filter(is_active=True).order_by("sort_order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Units circulated to"),
    )
    leadership = forms.BooleanField(required=False, label=_("Circulate to the leadership"))
    copy_to = forms.CharField(label=_("Copy to"), max_length=4000, required=False)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)
