from django.urls import path

from frontline.knowledge import desk_views, views

app_name = "knowledge"

urlpatterns = [
    # Readers (portal side)
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("categories/<int:pk>/", views.category, name="category"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("articles/<int:pk>/solved/", views.solved, name="solved"),
    path("files/<str:uuid>/", views.file_download, name="file"),
    # Desk: writing, review, publishing
    path("desk/", desk_views.article_list, name="desk-list"),
    path("desk/new/", desk_views.article_new, name="desk-new"),
    path("desk/preview/", desk_views.preview, name="desk-preview"),
    path("desk/<int:pk>/", desk_views.article_page, name="desk-article"),
    path("desk/<int:pk>/edit/", desk_views.article_edit, name="desk-edit"),
    path("desk/<int:pk>/status/", desk_views.transition, name="desk-transition"),
    path("desk/<int:pk>/files/", desk_views.upload, name="desk-upload"),
    path("desk/<int:pk>/versions/", desk_views.versions, name="desk-versions"),
    path("desk/<int:pk>/versions/<int:number>/", desk_views.version_page, name="desk-version"),
    path("desk/<int:pk>/versions/<int:number>/restore/", desk_views.restore, name="desk-restore"),
    # Desk: the ticket page's panel
    path("desk/tickets/<int:number>/panel/", desk_views.ticket_panel, name="ticket-panel"),
    path("desk/tickets/<int:number>/link/", desk_views.ticket_link, name="ticket-link"),
    path("desk/tickets/<int:number>/draft/", desk_views.ticket_draft, name="ticket-draft"),
]
