from django.contrib import admin

from frontline.sla.models import Calendar, SlaPolicy, SlaTarget, TierPeriod


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    list_display = ["name", "time_zone", "updated_at"]
    search_fields = ["name"]


class SlaTargetInline(admin.TabularInline[SlaTarget, SlaPolicy]):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ["name", "position", "is_active", "calendar", "warning_share"]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["organizations", "teams", "categories"]
    inlines = [SlaTargetInline]


@admin.register(TierPeriod)
class TierPeriodAdmin(admin.ModelAdmin[TierPeriod]):
    list_display = ["ticket", "team", "tier", "started_at", "ended_at", "business_seconds"]
    raw_id_fields = ["ticket"]
