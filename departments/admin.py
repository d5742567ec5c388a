from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from departments.models import Unit, UnitAlias, User


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "full_name", "code", "kind", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "full_name", "aliases__alias"]
    inlines = [UnitAliasInline]
    filter_horizontal = ["members"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "unit", "role", "is_active"]
    list_filter = ["role", "unit__kind", "is_active"]
    search_fields = ["username", "display_name", "unit__name"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Unit and role"), {"fields": ["display_name", "unit", "role", "phone"]}),
    ]
