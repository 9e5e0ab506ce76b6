"""Every app's websocket routes, gathered for config.asgi."""

websocket_urlpatterns: list = []
