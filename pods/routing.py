"""WebSocket routes of the pods app (gathered by config.websockets)."""

from django.urls import path

from pods.consumers import MeConsumer

websocket_urlpatterns = [
    path("ws/me/", MeConsumer.as_asgi()),
]
