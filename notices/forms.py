from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email = forms.BooleanField(
        label=_("E-mail me my notices"),
        required=False,
        help_text=_("Notices always appear in the notification centre."),
    )
    digest = forms.BooleanField(
        label=_("One daily digest instead of an e-mail for each notice"),
        required=False,
    )
