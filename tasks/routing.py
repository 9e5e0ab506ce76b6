"""WebSocket routes of the tasks app (gathered by config.websockets)."""

from django.urls import path

from tasks.consumers import DataPointConsumer

websocket_urlpatterns = [
    path("ws/datapoints/<int:datapoint_id>/", DataPointConsumer.as_asgi()),
]
