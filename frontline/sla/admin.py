"""SLA configuration in the admin. Any saved or deleted policy, target or calendar queues a
recompute of the open tickets' clocks (``sla_schedule_recompute``), so due times follow the
edit at once."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from frontline.sla.models import Calendar, SlaPolicy, SlaTarget, TierPeriod
from frontline.sla.services import sla_schedule_recompute


class RecomputeOnChange(admin.ModelAdmin[Any]):
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Called after the inlines (targets) are saved, and by the changelist's list_editable.
        super().save_related(request, form, formsets, change)
        sla_schedule_recompute()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        sla_schedule_recompute()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        sla_schedule_recompute()


@admin.register(Calendar)
class CalendarAdmin(RecomputeOnChange):
    list_display = ["name", "time_zone", "updated_at"]
    search_fields = ["name"]


class SlaTargetInline(admin.TabularInline[SlaTarget, SlaPolicy]):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecomputeOnChange):
    list_display = ["name", "position", "is_active", "calendar", "warning_share"]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["organizations", "teams", "categories"]
    inlines = [SlaTargetInline]


@admin.register(TierPeriod)
class TierPeriodAdmin(admin.ModelAdmin[TierPeriod]):
    list_display = ["ticket", "team", "tier", "started_at", "ended_at", "business_seconds"]
    raw_id_fields = ["ticket"]
