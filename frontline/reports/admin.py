from django.contrib import admin

from frontline.reports.models import ReportDelivery, ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("organization", "frequency", "next_run_at", "is_active")
    list_filter = ("frequency", "is_active")
    raw_id_fields = ("organization", "created_by")


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ("schedule", "period_start", "period_end", "sent_at")
    readonly_fields = ("schedule", "period_start", "period_end", "sent_at")
