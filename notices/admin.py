"""Group robots per unit, kept by the administrator (三员: accounts, units and
their settings; no ledger data, so notices themselves are not in the admin)."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from departments.admin import AuditedAdminMixin
from departments.models import User
from notices.models import UnitWebhook


def _is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or user.role == User.Role.ADMIN)
    )


class UnitWebhookForm(forms.ModelForm):
    url = forms.URLField(
        label=UnitWebhook._meta.get_field("url").verbose_name,
        help_text=UnitWebhook._meta.get_field("url").help_text,
        max_length=UnitWebhook._meta.get_field("url").max_length,
        assume_scheme="https",
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)

    class Meta:
        model = UnitWebhook
        fields = ["unit", "kind", "url", "secret", "clear_secret", "enabled"]
        # The secret is written, never shown again (leave empty to keep it).
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
        elif not cleaned.get("secret") and self.instance.pk:
            cleaned["secret"] = self.instance.secret
        return cleaned


@admin.register(UnitWebhook)
class UnitWebhookAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = UnitWebhookForm
    list_display = ["unit", "kind", "enabled"]
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
