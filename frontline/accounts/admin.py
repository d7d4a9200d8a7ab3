from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from frontline.accounts.models import (
    ApiToken,
    Organization,
    OrganizationDomain,
    Team,
    TeamMembership,
    User,
)


class DomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "shares_tickets"]
    search_fields = ["name", "domains__domain"]
    inlines = [DomainInline]


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "is_default", "lead"]
    filter_horizontal = ["organizations"]
    inlines = [MembershipInline]
    autocomplete_fields = ["lead"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active"]
    list_filter = ["role", "is_active", "organizations"]
    search_fields = ["email", "full_name", "phone"]
    filter_horizontal = ["organizations"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "timezone", "language")}),
        ("Access", {"fields": ("role", "is_active", "organizations")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "role", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "hint", "last_used_at"]
    search_fields = ["user__email", "hint"]
