"""`ws/me/`: a person's own notifications.

Every service that tells one person something publishes to their group
`person-<id>` (task.assigned, escalation.assigned, iteration.started, ...); this socket
relays whatever arrives there, so a new kind of notification needs no change here.
It only pushes: client frames other than `ping` get an error back.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

CLOSE_UNAUTHENTICATED = 4403


def person_group(person_id: int) -> str:
    """Same name as tasks.services.lifecycle.person_group (pods may not import tasks)."""
    return f"person-{person_id}"


class MeConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = person_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send("hello", {"person": user.pk})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None and len(text_data) < 1024:
            try:
                message = json.loads(text_data)
            except ValueError:
                message = None
            if isinstance(message, dict) and message.get("type") == "ping":
                await self._send("ack", {"ref": message.get("ref"), "for": "ping"})
                return
        await self._send(
            "error",
            {
                "code": "unknown_type",
                "message": "This socket only sends; the one message it takes is ping.",
            },
        )

    async def dispatch(self, message: dict) -> None:
        """Relay any event published to the person's group (touching no database, so
        without Channels' per-message `aclose_old_connections` thread hop); Channels'
        own `websocket.*` messages go to the handlers as usual."""
        if "event" in message and not message["type"].startswith("websocket."):
            await self._send(message["event"], message.get("payload", {}))
            return
        await super().dispatch(message)  # connect/receive/disconnect: rare, keep Channels' own

    async def _send(self, event: str, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": event, "payload": payload}))
