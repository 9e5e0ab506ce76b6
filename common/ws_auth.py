"""Authentication and origin checks for WebSockets.

Browsers come with their session cookie (Channels' AuthMiddlewareStack). Non-browser
clients (scripts, benchmarks, other services) cannot, so they present the same API
token the REST API takes: `?token=<key>` in the query string or an
`Authorization: Token <key>` header. A token, when given, wins over the session.

Origins: a browser always sends `Origin`, and then it must be one of ALLOWED_HOSTS
(cross-site WebSocket hijacking rides on the victim's cookie). A request without an
Origin header cannot come from a web page, so it is let through to authenticate by
token or cookie like any API client.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator


def _token_key(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, key = value.decode("latin1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    keys = query.get("token")
    return keys[0] if keys and keys[0] else None


@database_sync_to_async
def _user_for_token(key: str):
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from an API token when the client presents one; a wrong
    token makes the user anonymous (never falls back to a cookie)."""

    async def __call__(self, scope, receive, send):
        key = _token_key(scope)
        if key is not None:
            scope = dict(scope, user=await _user_for_token(key))
        return await super().__call__(scope, receive, send)


class BrowserOriginValidator(OriginValidator):
    """ALLOWED_HOSTS origin check for browsers; clients without an Origin pass."""

    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def browser_origin_validator(application):
    """Like Channels' AllowedHostsOriginValidator, but letting Origin-less clients in."""
    allowed = AllowedHostsOriginValidator(application).allowed_origins
    return BrowserOriginValidator(application, allowed)
