from django.contrib import admin

from frontline.tickets.models import Category, CustomField, PriorityRule, Tag


class CustomFieldInline(admin.TabularInline):
    model = CustomField
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "is_active"]
    list_filter = ["team", "is_active"]
    search_fields = ["name"]
    inlines = [CustomFieldInline]


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
