from django.urls import path

from frontline.desk.consumers import TicketPresenceConsumer

websocket_urlpatterns = [
    path("ws/desk/tickets/<int:number>/", TicketPresenceConsumer.as_asgi()),
]
