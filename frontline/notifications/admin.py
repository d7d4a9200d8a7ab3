"""Admin: the global switch per kind, the wording per kind, and the outbound mail log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from frontline.notifications import context, services
from frontline.notifications.defaults import DEFAULTS
from frontline.notifications.models import (
    NotificationSwitch,
    NotificationTemplate,
    OutboundMail,
    OutboundStatus,
)


@admin.register(NotificationSwitch)
class NotificationSwitchAdmin(admin.ModelAdmin):
    list_display = ["kind", "enabled", "updated_at"]
    list_editable = ["enabled"]


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """Saving runs the template check (model ``clean``): a syntax error, an unknown
    placeholder, a method call or a ``_private`` name shows as a field error."""

    list_display = ["kind", "subject", "updated_at"]
    readonly_fields = ["placeholders", "shipped_default"]
    fields = ["kind", "subject", "body", "placeholders", "shipped_default"]

    @admin.display(description="Placeholders")
    def placeholders(self, obj: NotificationTemplate | None) -> str:
        added = format_html_join(
            "", "<br>{}: {}", ((p.name, p.help) for p in context.providers() if p.help)
        )
        return format_html(
            "{}<br>ticket.number, .reference, .title, .status, .priority, .type, .team, "
            ".category, .organization, .assignee, .portal_url, .desk_url; requester / agent / "
            "recipient / author: .name, .first_name, .email. The subject gets [#number] in "
            "front when it lacks it.{}",
            ", ".join(context.placeholders()),
            added,
        )

    @admin.display(description="Shipped default")
    def shipped_default(self, obj: NotificationTemplate | None) -> str:
        if obj is None or obj.kind not in DEFAULTS:
            return "Choose a kind and save to see its default."
        subject, body = DEFAULTS[obj.kind]
        return format_html("<pre>{}\n\n{}</pre>", subject, body)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = services.notification_template_save(
            actor=request.user,  # type: ignore[arg-type]
            kind=obj.kind,
            subject=obj.subject,
            body=obj.body,
        )
        obj.pk = saved.pk


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    """Read-only log of notification mail; failed ones can be queued again."""

    list_display = ["id", "ticket", "kind", "to_address", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "to_address", "message_id", "ticket__number"]
    list_select_related = ["ticket"]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Send the selected failed mails again")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMail]) -> None:
        ids = list(queryset.filter(status=OutboundStatus.FAILED).values_list("pk", flat=True))
        count = services.outbound_mail_retry(actor=request.user, ids=ids)  # type: ignore[arg-type]
        messages.success(request, f"{count} mail(s) queued again.")
