"""Frontline's URLs plus the bench-only baseline view."""

from django.urls import path

from bench.views import baseline, empty
from frontline.urls import urlpatterns as frontline_urlpatterns

urlpatterns = [
    path("bench/empty", empty, name="bench-empty"),
    path("bench/baseline", baseline, name="bench-baseline"),
    *frontline_urlpatterns,
]
