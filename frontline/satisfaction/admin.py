from django.contrib import admin

from frontline.satisfaction.models import SurveyQuestion, SurveyRequest, SurveyResponse


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    """Extra questions asked after the score (e.g. "effort"); inactive ones are not asked."""

    list_display = ["label", "key", "kind", "required", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    """Answers are the requesters' own: readable here, never edited."""

    list_display = ["ticket", "rating", "requester", "created_at", "updated_at"]
    list_filter = ["rating"]
    list_select_related = ["ticket", "requester"]
    readonly_fields = [f.name for f in SurveyResponse._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SurveyRequest)
class SurveyRequestAdmin(admin.ModelAdmin):
    list_display = ["ticket", "requester", "sent_at", "expires_at", "used_at"]
    list_select_related = ["ticket", "requester"]
    exclude = ["token_hash"]
    readonly_fields = ["ticket", "requester", "sent_at", "expires_at", "used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
