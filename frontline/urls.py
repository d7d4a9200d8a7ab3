from django.contrib import admin
from django.urls import include, path

from frontline.api.urls import api
from frontline.core.health import healthz
from frontline.tickets.views import attachment_download

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("attachments/<str:uuid>/", attachment_download, name="attachment-download"),
    path("admin/", admin.site.urls),
    path("desk/", include("frontline.desk.urls")),
    path("portal/", include("frontline.portal.urls")),
    path("kb/", include("frontline.knowledge.urls")),
    path("search/", include("frontline.search.urls")),
    path("reports/", include("frontline.reports.urls")),
    path("survey/", include("frontline.satisfaction.urls")),
    path("notifications/", include("frontline.notifications.urls")),
    path("automation/", include("frontline.automation.urls")),
    path("", include("frontline.web.urls")),
]
