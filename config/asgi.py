"""ASGI entry point for daphne: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from common.ws_auth import TokenAuthMiddleware, browser_origin_validator  # noqa: E402
from config.websockets import websocket_urlpatterns  # noqa: E402

# Browsers: session cookie, Origin checked against ALLOWED_HOSTS. Other clients: an
# API token (`?token=` or `Authorization: Token`), no Origin (common.ws_auth).

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
