from django.urls import path

from frontline.satisfaction import views

app_name = "satisfaction"

urlpatterns = [
    path("requests/<int:number>/", views.portal_rate, name="portal-rate"),
    path("<str:token>/", views.survey_page, name="survey"),
]
