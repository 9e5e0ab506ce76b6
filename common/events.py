"""Publish socket events only once the writing transaction has committed, so nobody
is told about data that was rolled back (Zulip's send_event_on_commit)."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group_send(group: str, event_type: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": event_type.replace(".", "_"), "event": event_type, "payload": payload}
    async_to_sync(layer.group_send)(group, message)


def publish_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: group_send(group, event_type, payload))


def publish_many_on_commit(messages: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Publish many (group, event type, payload) messages after commit in one event-loop
    trip: bulk services (routing) send thousands, and one async_to_sync each is slow."""
    if not messages:
        return

    async def send_all() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group, event_type, payload in messages:
            message = {
                "type": event_type.replace(".", "_"),
                "event": event_type,
                "payload": payload,
            }
            await layer.group_send(group, message)

    transaction.on_commit(lambda: async_to_sync(send_all)())
