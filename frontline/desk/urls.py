from django.urls import path

from frontline.desk import exports, phone, ticket_views, views
from frontline.mail import views as mail_views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("queues/<str:key>/", views.queue, name="queue"),
    path("queues/<str:key>/export.csv", exports.queue_export, name="queue-export"),
    path("counts/", views.counts, name="counts"),
    path("views/", views.save_view, name="save-view"),
    path("views/<int:pk>/", views.open_view, name="open-view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete-view"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("phone/", phone.log_call, name="phone"),
    path("people/", phone.people, name="people"),
    path("tickets/<int:number>/", ticket_views.ticket_page, name="ticket"),
    path("tickets/<int:number>/compose/", ticket_views.compose, name="compose"),
    path("tickets/<int:number>/status/", ticket_views.change_status, name="status"),
    path("tickets/<int:number>/claim/", ticket_views.claim, name="claim"),
    path("tickets/<int:number>/assign/", ticket_views.assign, name="assign"),
    path("tickets/<int:number>/escalate/", ticket_views.escalate, name="escalate"),
    path("tickets/<int:number>/fields/", ticket_views.update_fields, name="fields"),
    path("tickets/<int:number>/merge/", ticket_views.merge, name="merge"),
    path("tickets/<int:number>/link/", ticket_views.link, name="link"),
    path("tickets/<int:number>/links/<int:link_id>/delete/", ticket_views.unlink, name="unlink"),
    path("tickets/<int:number>/version/", ticket_views.version, name="version"),
    path("tickets/<int:number>/mail/<int:message_id>/", mail_views.mail_html, name="mail-html"),
    path(
        "tickets/<int:number>/mail/<int:message_id>/raw.eml", mail_views.mail_raw, name="mail-raw"
    ),
    path("tickets/<int:number>/held-mail/", mail_views.held_panel, name="held-mail"),
    path(
        "tickets/<int:number>/held-mail/<int:mail_id>/",
        mail_views.held_action,
        name="held-mail-action",
    ),
]
