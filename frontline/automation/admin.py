"""Django admin for automation: routing per team, agent availability and skills, rules (edits
through the admin also make versions), canned responses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from frontline.automation import actions as rule_actions
from frontline.automation import conditions
from frontline.automation.models import (
    AgentSkill,
    AgentStatus,
    CannedResponse,
    Rule,
    RuleExecution,
    RuleVersion,
    TeamRouting,
)
from frontline.core.safe_templates import template_problems
from frontline.tickets.template_context import TICKET_PLACEHOLDERS


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin[TeamRouting]):
    list_display = ("team", "mode", "unassign_after")


@admin.register(AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin[AgentStatus]):
    list_display = ("user", "status", "away_from", "away_until", "updated_at")
    list_filter = ("status",)


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin[AgentSkill]):
    list_display = ("user", "category")
    list_select_related = ("user", "category")


class RuleVersionInline(admin.TabularInline[RuleVersion, Rule]):
    model = RuleVersion
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "name",
        "trigger",
        "conditions",
        "actions",
        "is_active",
        "edited_by",
        "at",
    )


class RuleAdminForm(forms.ModelForm[Rule]):
    class Meta:
        model = Rule
        fields = (
            "name",
            "description",
            "trigger",
            "conditions",
            "actions",
            "position",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for path, messages in {
            **conditions.validate(data.get("conditions") or {}),
            **rule_actions.validate(data.get("actions")),
        }.items():
            field = path.split(".", 1)[0]
            for message in messages:
                self.add_error(field, f"{path}: {message}")
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    form = RuleAdminForm
    list_display = ("name", "trigger", "position", "is_active", "version")
    list_filter = ("trigger", "is_active")
    readonly_fields = ("version",)
    inlines = [RuleVersionInline]

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        """Admin edits go through the services so they are validated and versioned."""
        from frontline.automation import services
        from frontline.core.errors import ValidationError

        fields = {
            "name": obj.name,
            "trigger": obj.trigger,
            "conditions_tree": obj.conditions,
            "actions": obj.actions,
            "description": obj.description,
            "position": obj.position,
            "is_active": obj.is_active,
        }
        user = request.user
        try:
            if change:
                saved = services.rule_update(actor=user, rule=obj, version=None, **fields)  # type: ignore[arg-type]
            else:
                saved = services.rule_create(actor=user, **fields)  # type: ignore[arg-type]
        except ValidationError as error:
            from django.contrib import messages

            messages.error(request, f"{error.detail} {error.errors}")
            return
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(RuleExecution)
class RuleExecutionAdmin(admin.ModelAdmin[RuleExecution]):
    list_display = ("rule", "version", "ticket", "key", "depth", "at")
    list_select_related = ("rule", "ticket")
    readonly_fields = ("rule", "version", "ticket", "key", "depth", "actions", "at")


class CannedResponseAdminForm(forms.ModelForm[CannedResponse]):
    class Meta:
        model = CannedResponse
        fields = ("title", "body", "team", "is_active")

    def clean_body(self) -> str:
        body = str(self.cleaned_data.get("body") or "")
        problems = template_problems(body, allowed_names=TICKET_PLACEHOLDERS)
        if problems:
            raise forms.ValidationError(problems)
        return body


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin[CannedResponse]):
    form = CannedResponseAdminForm
    list_display = ("title", "team", "is_active")
    list_filter = ("team", "is_active")
