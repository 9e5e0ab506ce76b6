"""Every app's websocket routes, gathered for config.asgi."""

from pods.routing import websocket_urlpatterns as pods_routes
from tasks.routing import websocket_urlpatterns as tasks_routes

websocket_urlpatterns: list = [*pods_routes, *tasks_routes]
