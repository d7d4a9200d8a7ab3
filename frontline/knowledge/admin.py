from django.contrib import admin

from frontline.knowledge.models import Article, KBCategory


@admin.register(KBCategory)
class KBCategoryAdmin(admin.ModelAdmin[KBCategory]):
    list_display = ("name", "parent", "position")
    search_fields = ("name",)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    """Read-mostly: writing and publishing go through the desk so versions and the search
    index stay right."""

    list_display = ("title", "status", "audience", "category", "view_count", "updated_at")
    list_filter = ("status", "audience")
    search_fields = ("title", "tags")
    readonly_fields = ("title", "body", "status", "version", "view_count", "author")
    fields = ("title", "body", "status", "version", "view_count", "author")

    def has_add_permission(self, request: object) -> bool:
        return False
