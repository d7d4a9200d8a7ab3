from django.urls import path

from frontline.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_request, name="new"),
    path("new/fields/", views.category_fields, name="category-fields"),
    path("requests/<int:number>/", views.request_page, name="request"),
    path("requests/<int:number>/reply/", views.reply, name="reply"),
    path("requests/<int:number>/status/", views.set_status, name="status"),
]
