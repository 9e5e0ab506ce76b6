"""Socket events for a whole chunk, sent once the transaction commits, in one trip
through the event loop. `common.events.publish_on_commit` pays an async_to_sync
round trip (a thread hand-off) per event, which at thousands of findings per
chunk would cost more than validating them. Same message shape as common.events."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

Message = tuple[str, str, dict[str, Any]]  # (group, event type, payload)


def _send_all(messages: list[Message]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send() -> None:
        for group, event_type, payload in messages:
            await layer.group_send(
                group,
                {"type": event_type.replace(".", "_"), "event": event_type, "payload": payload},
            )

    async_to_sync(send)()


def publish_all_on_commit(messages: list[Message]) -> None:
    if messages:
        transaction.on_commit(lambda: _send_all(messages))
