from django.urls import URLPattern, path

from frontline.notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("preferences/", views.preferences_view, name="preferences"),
]
