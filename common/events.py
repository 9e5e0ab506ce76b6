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
