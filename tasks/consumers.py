"""The data-point collaboration socket, `ws/datapoints/<id>/`.

Everyone allowed to see a data point (`datapoint_list_for_user`) may join its room;
anyone else is accepted only to be closed at once with 4403 (not signed in) or 4404
(no such data point for them, as the API answers 404), so a client can tell why.

Server → client frames are `{"type": "<event>", "payload": {...}}`:
`hello` (on connect: who I am, who is here, the comment history, the live locks),
`presence.joined` / `presence.left`, `annotation.created/updated/
deleted`, `comment.created`, `lock.acquired/released`, `playhead.moved`,
`finding.created/resolved`, `ack` (a request went through) and `error`.

Client → server frames are `{"type": ..., "ref": optional, ...}`: `comment.create`
{body}, `lock.acquire` {annotation} (again to renew), `lock.release` {annotation},
`playhead.move` {master_ms}, `annotation.create` {task, data}, `annotation.update`
{annotation, data}, `annotation.delete` {annotation}, `ping`. Writes go through the
same services as the REST API. Bad JSON, unknown types, bad fields and frames over
64 KiB get an `error` back; the connection stays open and nothing is written.

Presence is one row per socket (`tasks.services.presence`): the greeting lists the
room, and joins and leaves are relayed as they happen. Renewed by the client's
`ping` heartbeat, so rooms stay right across daphne processes and crashes.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from common.errors import DomainError
from pods.selectors import can_see_names, person_pseudonym
from tasks.models import Annotation, DataPoint, Task
from tasks.selectors import datapoint_list_for_user
from tasks.selectors_workspace import (
    active_lock_list,
    comment_history,
    display_name,
    presence_modality,
)
from tasks.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_update,
    datapoint_group,
)
from tasks.services.comments import comment_create, comment_payload
from tasks.services.locks import lock_acquire, lock_payload, lock_release, locks_release_connection
from tasks.services.presence import (
    presence_heartbeat,
    presence_join,
    presence_leave,
    presence_list,
)

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_MASTER_MS = 1e10
CLOSE_UNAUTHENTICATED = 4403
CLOSE_NOT_FOUND = 4404


class BadMessage(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def _int_field(message: dict, name: str) -> int:
    value = message.get(name)
    if type(value) is not int or value < 1 or value > 2**63 - 1:
        raise BadMessage("invalid", f"`{name}` must be a positive integer id.", name)
    return value


def _dict_field(message: dict, name: str) -> dict:
    value = message.get(name)
    if not isinstance(value, dict):
        raise BadMessage("invalid", f"`{name}` must be an object.", name)
    return value


class DataPointConsumer(AsyncWebsocketConsumer):
    group: str | None = None
    me: dict[str, Any] | None = None

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without its `aclose_old_connections()` before every
        message: that is a hop to asgiref's single sync thread, and a 200-socket room
        queued 200 of them behind each event (bench/realtime.py). Relays here touch no
        database, and every ORM call goes through `database_sync_to_async`, which
        closes stale connections around itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            if "event" in message:  # a group event this socket does not relay (yet)
                logger.debug("not relayed: %s", message["event"])
                return
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection -------------------------------------------------------------

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        datapoint_id = int(self.scope["url_route"]["kwargs"]["datapoint_id"])
        self.datapoint = await self._visible_datapoint(datapoint_id)
        if self.datapoint is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.sees_names = can_see_names(self.user)
        self.assignees: dict[int, int | None] = {}
        self.group = datapoint_group(self.datapoint.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.me = await self._presence()
        await self._send("hello", await self._hello())
        await self._group("presence.joined", self.me)

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.me is not None:
            await self._group("presence.left", self.me)
        await database_sync_to_async(self._leave)()

    def _leave(self) -> None:
        presence_leave(connection=self.channel_name)
        locks_release_connection(connection=self.channel_name)

    @database_sync_to_async
    def _visible_datapoint(self, pk: int) -> DataPoint | None:
        return datapoint_list_for_user(user=self.user).filter(pk=pk).first()

    @database_sync_to_async
    def _presence(self) -> dict[str, Any]:
        """Record this socket in the room and return how it is announced."""
        modality = presence_modality(user=self.user, datapoint=self.datapoint)
        presence_join(
            person=self.user,
            datapoint=self.datapoint,
            connection=self.channel_name,
            modality=modality,
        )
        return {
            "channel": self.channel_name,
            "person_id": self.user.pk,
            "name": self.user.get_full_name() or self.user.username,
            "role": self.user.role,
            "modality": modality,
        }

    @database_sync_to_async
    def _hello(self) -> dict[str, Any]:
        comments = [
            self._comment_view(comment_payload(c))
            for c in comment_history(datapoint=self.datapoint)
        ]
        locks = [
            self._lock_view(lock_payload(lock))
            for lock in active_lock_list(datapoint=self.datapoint)
        ]
        present = [
            self._person_view(
                {
                    "channel": row.connection,
                    "person_id": row.person_id,
                    "name": row.person.get_full_name() or row.person.username,
                    "role": row.person.role,
                    "modality": row.modality,
                }
            )
            for row in presence_list(datapoint=self.datapoint)
        ]
        return {
            "datapoint": self.datapoint.pk,
            "me": self._person_view(self.me),
            "present": present,
            "comments": comments,
            "locks": locks,
        }

    # --- client → server ------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        ref = None
        try:
            if bytes_data is not None:
                raise BadMessage("bad_frame", "Send JSON text frames, not binary ones.")
            if len(text_data.encode("utf-8")) > MAX_FRAME_BYTES:
                raise BadMessage(
                    "too_large", f"Frames are limited to {MAX_FRAME_BYTES // 1024} KiB."
                )
            try:
                message = json.loads(text_data)
            except ValueError:
                raise BadMessage("bad_json", "The frame is not valid JSON.") from None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise BadMessage("bad_message", 'Send an object with a string "type".', "type")
            ref = message.get("ref") if isinstance(message.get("ref"), str | int) else None
            handler = self.HANDLERS.get(message["type"])
            if handler is None:
                raise BadMessage(
                    "unknown_type",
                    f"Unknown message type {message['type'][:50]!r}; expected one of "
                    f"{', '.join(sorted(self.HANDLERS))}.",
                    "type",
                )
            result = await handler(self, message)
            if result is not None:
                await self._send("ack", {"ref": ref, "for": message["type"], **result})
        except BadMessage as error:
            await self._error(error.code, error.message, error.field, ref)
        except DomainError as error:
            await self._error("invalid", error.message, error.field, ref)
        except PermissionDenied as error:
            await self._error("forbidden", str(error) or "You may not do that here.", None, ref)
        except ObjectDoesNotExist:
            await self._error("not_found", "No such object on this data point.", None, ref)
        except Exception:
            # A bug must not cost the person their connection; it is logged.
            logger.exception("workspace socket message failed")
            await self._error("server_error", "That did not work; try again.", None, ref)

    async def _error(self, code: str, message: str, field: str | None, ref: Any) -> None:
        payload = {"code": code, "message": message, "ref": ref}
        if field:
            payload["field"] = field
        await self._send("error", payload)

    async def on_ping(self, message: dict) -> dict:
        """Also the presence heartbeat (the workspace pings every 30 s)."""
        await database_sync_to_async(presence_heartbeat)(connection=self.channel_name)
        return {}

    async def on_comment_create(self, message: dict) -> dict:
        body = message.get("body")
        if not isinstance(body, str):
            raise BadMessage("invalid", "`body` must be text.", "body")
        comment = await database_sync_to_async(comment_create)(
            actor=self.user, datapoint=self.datapoint, body=body
        )
        return {"id": comment.pk}

    async def on_lock_acquire(self, message: dict) -> dict:
        annotation = await self._annotation(_int_field(message, "annotation"))
        lock = await database_sync_to_async(lock_acquire)(
            actor=self.user, annotation=annotation, connection=self.channel_name
        )
        return {"annotation": annotation.pk, "expires_at": lock.expires_at.isoformat()}

    async def on_lock_release(self, message: dict) -> dict:
        pk = _int_field(message, "annotation")
        released = await database_sync_to_async(lock_release)(actor=self.user, annotation_id=pk)
        return {"annotation": pk, "released": released}

    async def on_playhead_move(self, message: dict) -> dict:
        master_ms = message.get("master_ms")
        if (
            type(master_ms) not in (int, float)
            or not math.isfinite(master_ms)
            or not 0 <= master_ms <= MAX_MASTER_MS
        ):
            raise BadMessage(
                "invalid", "`master_ms` must be a time in ms on the master clock.", "master_ms"
            )
        await self._group(
            "playhead.moved",
            {
                "channel": self.channel_name,
                "person_id": self.user.pk,
                "name": self.me["name"],
                "master_ms": float(master_ms),
            },
        )
        return {}

    async def on_annotation_create(self, message: dict) -> dict:
        task_id, data = _int_field(message, "task"), _dict_field(message, "data")

        def write() -> Annotation:
            task = Task.objects.get(pk=task_id, datapoint_id=self.datapoint.pk)
            return annotation_create(actor=self.user, task=task, data=data)

        annotation = await database_sync_to_async(write)()
        return {"annotation": annotation.pk}

    async def on_annotation_update(self, message: dict) -> dict:
        annotation = await self._annotation(_int_field(message, "annotation"))
        data = _dict_field(message, "data")
        await database_sync_to_async(annotation_update)(
            actor=self.user, annotation=annotation, data=data
        )
        return {"annotation": annotation.pk}

    async def on_annotation_delete(self, message: dict) -> dict:
        annotation = await self._annotation(_int_field(message, "annotation"))
        await database_sync_to_async(annotation_delete)(actor=self.user, annotation=annotation)
        return {"annotation": annotation.pk}

    @database_sync_to_async
    def _annotation(self, pk: int) -> Annotation:
        return Annotation.objects.select_related("task").get(
            pk=pk, task__datapoint_id=self.datapoint.pk
        )

    HANDLERS = {
        "ping": on_ping,
        "comment.create": on_comment_create,
        "lock.acquire": on_lock_acquire,
        "lock.release": on_lock_release,
        "playhead.move": on_playhead_move,
        "annotation.create": on_annotation_create,
        "annotation.update": on_annotation_update,
        "annotation.delete": on_annotation_delete,
    }

    # --- group → client ---------------------------------------------------------------

    async def _send(self, event: str, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": event, "payload": payload}))

    async def _group(self, event: str, payload: dict[str, Any]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": event.replace(".", "_"), "event": event, "payload": payload}
        )

    def _person_view(self, presence: dict[str, Any]) -> dict[str, Any]:
        person_id = presence["person_id"]
        view = {
            "person": person_id if self.sees_names else None,
            "name": display_name(viewer=self.user, person_id=person_id, name=presence["name"]),
            "modality": presence.get("modality", ""),
            "role": presence.get("role", ""),
            "connection": presence["channel"][-12:],
            "me": presence["channel"] == self.channel_name,
        }
        return view

    def _comment_view(self, payload: dict[str, Any]) -> dict[str, Any]:
        view = dict(payload)
        author_id = view.pop("author_id")
        view["author"] = display_name(viewer=self.user, person_id=author_id, name=view["author"])
        view["mine"] = author_id == self.user.pk
        return view

    def _lock_view(self, payload: dict[str, Any]) -> dict[str, Any]:
        view = dict(payload)
        holder_id = view.pop("holder_id")
        view["holder"] = display_name(viewer=self.user, person_id=holder_id, name=view["holder"])
        view["mine"] = holder_id == self.user.pk
        return view

    async def presence_joined(self, message: dict) -> None:
        await self._send("presence.joined", self._person_view(message["payload"]))

    async def presence_left(self, message: dict) -> None:
        await self._send("presence.left", self._person_view(message["payload"]))

    async def playhead_moved(self, message: dict) -> None:
        payload = message["payload"]
        if payload["channel"] == self.channel_name:
            return
        await self._send(
            "playhead.moved",
            {
                "master_ms": payload["master_ms"],
                "by": display_name(
                    viewer=self.user, person_id=payload["person_id"], name=payload["name"]
                ),
            },
        )

    async def _annotation_event(self, message: dict) -> None:
        payload = dict(message["payload"])
        if not self.sees_names and payload.get("annotator"):
            task_id = payload.get("task")
            if task_id not in self.assignees:
                self.assignees[task_id] = await database_sync_to_async(
                    lambda: (
                        Task.objects.filter(pk=task_id)
                        .values_list("assignee_id", flat=True)
                        .first()
                    )
                )()
            assignee = self.assignees[task_id]
            payload["annotator"] = person_pseudonym(assignee) if assignee else "—"
        await self._send(message["event"], payload)

    annotation_created = annotation_updated = annotation_deleted = _annotation_event

    async def comment_created(self, message: dict) -> None:
        await self._send("comment.created", self._comment_view(message["payload"]))

    async def lock_acquired(self, message: dict) -> None:
        await self._send("lock.acquired", self._lock_view(message["payload"]))

    async def lock_released(self, message: dict) -> None:
        await self._send("lock.released", message["payload"])

    async def _relay(self, message: dict) -> None:
        await self._send(message["event"], message["payload"])

    finding_created = finding_resolved = _relay
