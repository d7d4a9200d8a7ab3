from django.urls import URLPattern, path

from frontline.reports import views

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("team/<int:team_id>/", views.team, name="team"),
    path("organizations/<int:organization_id>/", views.organization, name="organization"),
    path(
        "organizations/<int:organization_id>/schedules/",
        views.schedule_create,
        name="schedule-create",
    ),
    path("schedules/<int:schedule_id>/", views.schedule_update, name="schedule-update"),
    path("schedules/<int:schedule_id>/delete/", views.schedule_delete, name="schedule-delete"),
]
