"""Group robots per unit, kept by the administrator (三员: accounts, units and
their settings; no ledger data, so notices themselves are not in the admin)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from departments.admin import AuditedAdminMixin
from departments.models import User
from notices import robots
from notices.models import UnitWebhook
from notices.sealing import Sealed


def _is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or user.role == User.Role.ADMIN)
    )


class UnitWebhookForm(forms.ModelForm):
    """The address and the secret are written, never shown again: both are sealed at
    rest. Leave a field empty to keep what is stored."""

    url = forms.CharField(
        label=UnitWebhook._meta.get_field("url").verbose_name,
        help_text=_(
            "The robot's https address as the chat application shows it "
            "(leave empty to keep the stored one)."
        ),
        max_length=1000,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 80}),
    )
    secret = forms.CharField(
        label=UnitWebhook._meta.get_field("secret").verbose_name,
        help_text=UnitWebhook._meta.get_field("secret").help_text,
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)

    class Meta:
        model = UnitWebhook
        fields = ["unit", "kind", "url", "secret", "clear_secret", "enabled"]

    def clean_url(self) -> "str | Sealed":
        url = self.cleaned_data.get("url", "").strip()
        if not url:
            if self.instance.pk:
                return self.instance.url  # kept as it is stored, sealed
            raise forms.ValidationError(_("Give the robot's address."))
        try:
            robots.check_address(url, settings.NOTICE_ROBOT_HOSTS)
        except robots.RobotAddressError as exc:
            raise forms.ValidationError(exc.message) from None
        return url

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
        elif not cleaned.get("secret") and self.instance.pk:
            cleaned["secret"] = self.instance.secret  # kept as it is stored, sealed
        return cleaned


@admin.register(UnitWebhook)
class UnitWebhookAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = UnitWebhookForm
    list_display = ["unit", "kind", "address", "enabled"]
    readonly_fields = ["address"]
    list_filter = ["kind", "enabled"]
    search_fields = ["unit__name"]

    # The administrator role keeps the robots, as it keeps the units they belong to.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_administrator(request)
