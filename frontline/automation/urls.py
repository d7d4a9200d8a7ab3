from django.urls import URLPattern, path

from frontline.automation import views

app_name = "automation"

urlpatterns: list[URLPattern] = [
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule-new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule"),
    path("rules/builder/row/", views.builder_row, name="builder-row"),
    path("rules/<int:pk>/dry-run/", views.rule_dry_run, name="dry-run"),
    path("rules/<int:pk>/versions/", views.rule_versions, name="versions"),
    path("routing/", views.routing, name="routing"),
    path("teams/<int:team_id>/agents/", views.team_agents, name="team-agents"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/new/", views.canned_edit, name="canned-new"),
    path("canned/<int:pk>/", views.canned_edit, name="canned-edit"),
    path("canned/insert/", views.canned_insert, name="canned-insert"),
    path("availability/", views.availability, name="availability"),
    path("availability/toggle/", views.availability_toggle, name="availability-toggle"),
]
