from django.urls import URLPattern, path

from frontline.search import views

app_name = "search"

urlpatterns: list[URLPattern] = [
    path("", views.results, name="results"),
]
