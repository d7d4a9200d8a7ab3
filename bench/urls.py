"""Frontline's URLs plus the bench-only baseline view."""

from django.urls import path

from bench.views import baseline
from frontline.urls import urlpatterns as frontline_urlpatterns

urlpatterns = [path("bench/baseline", baseline, name="bench-baseline"), *frontline_urlpatterns]
