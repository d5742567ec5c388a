from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.services import audit_record
from departments.access import client_ip
from departments.models import RoleRequest, Unit, UnitAlias, User
from departments.services import (
    PersonError,
    person_force_password_change,
    person_password_set,
    person_save,
    person_unlock,
)


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class AuditedAdminMixin:
    """Every write made in the admin also goes to the audit trail.

    Django calls log_addition/log_change/log_deletion inside the admin's
    transaction for each saved or deleted object, inline changes included in
    the message, so hooking them covers every admin write in one place.
    """

    def _audit(self, request: HttpRequest, obj: Any, action: str, message: Any) -> None:
        audit_record(
            action=action,
            by=request.user,
            obj=obj,
            client_ip=client_ip(request),
            summary={"admin_message": str(message)[:2000]},
        )

    def log_addition(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, obj, f"{obj._meta.model_name}.admin_add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, obj, f"{obj._meta.model_name}.admin_change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            self._audit(request, obj, f"{obj._meta.model_name}.admin_delete", "")
        return super().log_deletions(request, queryset)


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "full_name", "code", "kind", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "full_name", "aliases__alias"]
    inlines = [UnitAliasInline]
    filter_horizontal = ["members"]


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" form. It only sets the password in memory;
    PersonAdmin.log_change, which Django calls next with the request, stores
    it through the service (audited, and the person must choose their own
    password at next login)."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user._password_set_by_admin = True
        return user


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "unit", "role", "is_active"]
    list_filter = ["role", "unit__kind", "is_active"]
    search_fields = ["username", "display_name", "unit__name"]
    # No superuser, staff, group or permission fields: access follows from the
    # role and unit alone (三员 separation), so an administrator cannot grant
    # themselves or anyone else rights beyond a role.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Unit and role"), {"fields": ["display_name", "unit", "role", "phone", "email"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
        (
            _("Password rules"),
            {"fields": ["must_change_password", "password_changed_at", "is_demo"]},
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "password1", "password2", "display_name", "unit", "role"],
            },
        ),
    ]
    # Set through the action below (audited); cleared only by the person changing it.
    readonly_fields = [
        "must_change_password",
        "password_changed_at",
        "is_demo",
        "last_login",
        "date_joined",
    ]
    change_password_form = AuditedPasswordChangeForm

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Nobody changes their own role or unit (person_save refuses it too).
        fields = [*super().get_readonly_fields(request, obj), "pending_role"]
        if obj is not None and obj.pk == request.user.pk:
            fields += ["unit", "role"]
        return fields

    def get_fieldsets(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return super().get_fieldsets(request, obj)
        fieldsets = [(name, dict(options)) for name, options in self.fieldsets]
        fieldsets[1][1]["fields"] = [*fieldsets[1][1]["fields"], "pending_role"]
        return fieldsets

    @admin.display(description=_("Role awaiting approval"))
    def pending_role(self, obj: User) -> str:
        pending = (
            RoleRequest.objects.filter(person=obj, status=RoleRequest.Status.PENDING)
            .select_related("unit")
            .first()
        )
        if pending is None:
            return "-"
        if pending.unit_id:
            return _("%(role)s, %(unit)s (the security auditor has not approved it yet)") % {
                "role": pending.get_role_display(),
                "unit": pending.unit.name,
            }
        return _("%(role)s (the security auditor has not approved it yet)") % {
            "role": pending.get_role_display()
        }

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        asked = obj.role
        try:
            person_save(
                user=obj, created=not change, changed_fields=form.changed_data, by=request.user
            )
        except PersonError as error:
            # The form already keeps one's own role and unit read-only; this is the backstop.
            raise PermissionDenied(str(error)) from error
        if obj.role != asked:
            self.message_user(
                request,
                _(
                    "%(person)s does not hold the role %(role)s yet: the security auditor "
                    "must approve it first."
                )
                % {"person": obj, "role": User.Role(asked).label},
                messages.WARNING,
            )

    @method_decorator(transaction.atomic)
    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):  # type: ignore[no-untyped-def]
        if getattr(obj, "_password_set_by_admin", False):
            person_password_set(user=obj, by=request.user)
        return super().log_change(request, obj, message)

    actions = ["force_password_change", "unlock_login"]

    @admin.action(
        description=_("Make the selected people choose a new password"), permissions=["change"]
    )
    def force_password_change(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset:
            person_force_password_change(user=user, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d person must choose a new password before going on.",
                "%(count)d people must choose a new password before going on.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Lift the login lockout of the selected people"), permissions=["change"]
    )
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            person_unlock(user=user, by=request.user)
        self.message_user(
            request,
            ngettext(
                "The login of %(count)d person is open again.",
                "The logins of %(count)d people are open again.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )
