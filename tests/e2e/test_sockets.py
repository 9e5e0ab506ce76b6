"""Real WebSocket clients (the `websockets` package) against a running daphne on the
Redis channel layer and PostgreSQL: the collaboration socket as a pod uses it."""

import asyncio
import json
import urllib.request

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from pods.models import Role
from tasks.models import Annotation, Comment
from tests.factories import (
    make_annotated_datapoint,
    make_client,
    make_person,
    make_pod,
    make_project,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10


@pytest.fixture
def scene():
    client = make_client()
    pod = make_pod(["video", "audio", "text"], client=client)
    project = make_project(client=client, pods=[pod])
    datapoint = make_annotated_datapoint(project, pod=pod)
    members = {m.modality: m.person for m in pod.members.filter(is_lead=False)}
    people = {
        "video": members["video"],
        "audio": members["audio"],
        "viewer": make_person(Role.CLIENT_VIEWER, client=client),
        "foreign_viewer": make_person(Role.CLIENT_VIEWER, client=make_client()),
    }
    tokens = {name: Token.objects.create(user=person).key for name, person in people.items()}
    return {
        "datapoint": datapoint,
        "task": datapoint.tasks.get(modality="video"),
        **people,
        "tokens": tokens,
    }


def ws_url(base: str, path: str, token: str | None = None) -> str:
    url = base.replace("http://", "ws://") + path
    return f"{url}?token={token}" if token else url


async def next_event(ws, event: str, *, own: bool = True) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if frame["type"] == event and (own or not frame["payload"].get("me")):
            return frame["payload"]


def api_post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def test_a_change_through_the_rest_api_reaches_the_other_person_live(live_daphne, scene):
    path = f"/ws/datapoints/{scene['datapoint'].pk}/"
    tokens = scene["tokens"]

    async def scenario():
        async with (
            connect(ws_url(live_daphne, path, tokens["video"])) as video,
            connect(
                ws_url(live_daphne, path),
                additional_headers={"Authorization": f"Token {tokens['audio']}"},
            ) as audio,
        ):
            await next_event(video, "hello")
            await next_event(audio, "hello")
            other = await next_event(video, "presence.joined", own=False)
            body = {
                "task": scene["task"].pk,
                "stream": "video-main",
                "kind": "segment",
                "label": "dog",
                "entity": "dog-9",
                "start_ms": 4000,
                "end_ms": 4500,
            }
            created = await asyncio.to_thread(
                api_post, live_daphne, "/api/v1/annotations/", tokens["video"], body
            )
            seen = await next_event(audio, "annotation.created")
            return other, created, seen

    other, created, seen = asyncio.run(scenario())

    assert other["name"] == scene["audio"].username and other["modality"] == "audio"
    assert seen["id"] == created["id"]
    assert (seen["entity"], seen["start_ms"], seen["annotator"]) == (
        "dog-9",
        4000.0,
        scene["video"].username,
    )


@pytest.mark.parametrize("who, code", [(None, 4403), ("foreign_viewer", 4404), ("bad", 4403)])
def test_anonymous_and_foreign_clients_are_refused_at_connect(live_daphne, scene, who, code):
    token = {None: None, "bad": "not-a-token"}.get(who, scene["tokens"].get(who))
    url = ws_url(live_daphne, f"/ws/datapoints/{scene['datapoint'].pk}/", token)

    async def scenario():
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == code


def test_a_browser_session_from_a_foreign_origin_is_refused(live_daphne, scene):
    http = HttpClient()
    http.force_login(scene["video"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = f"/ws/datapoints/{scene['datapoint'].pk}/"

    async def scenario():
        async with connect(
            ws_url(live_daphne, path), origin=live_daphne, additional_headers={"Cookie": cookie}
        ) as ws:
            hello = await next_event(ws, "hello")
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                ws_url(live_daphne, path),
                origin="http://evil.example",
                additional_headers={"Cookie": cookie},
            ):
                pass
        return hello, refused.value.response.status_code

    hello, status = asyncio.run(scenario())

    assert hello["me"]["name"] == scene["video"].username
    assert status == 403


def test_bad_input_gets_an_error_and_the_connection_stays_usable(live_daphne, scene):
    url = ws_url(live_daphne, f"/ws/datapoints/{scene['datapoint'].pk}/", scene["tokens"]["video"])
    before = Annotation.objects.count()

    async def scenario():
        errors = []
        async with connect(url, max_size=2**20) as ws:
            await next_event(ws, "hello")
            for frame in (
                "{oops",
                json.dumps({"type": "annotation.nuke"}),
                json.dumps({"type": "comment.create", "body": "x" * 100_000}),
                json.dumps({"type": "annotation.create", "task": scene["task"].pk, "data": {}}),
            ):
                await ws.send(frame)
                errors.append(await next_event(ws, "error"))
            await ws.send(json.dumps({"type": "comment.create", "body": "still here", "ref": "c1"}))
            ack = await next_event(ws, "ack")
            comment = await next_event(ws, "comment.created")
        return errors, ack, comment

    errors, ack, comment = asyncio.run(scenario())

    assert [e["code"] for e in errors] == ["bad_json", "unknown_type", "too_large", "invalid"]
    assert ack["ref"] == "c1" and comment["body"] == "still here"
    assert Annotation.objects.count() == before
    assert list(Comment.objects.values_list("body", flat=True)) == ["still here"]


def test_ws_me_carries_the_persons_task_assignments(live_daphne, scene):
    from django.db import connection, transaction

    from tasks.services.lifecycle import publish_assigned

    url = ws_url(live_daphne, "/ws/me/", scene["tokens"]["audio"])

    async def scenario():
        async with connect(url) as ws:
            await next_event(ws, "hello")

            def assign():
                try:
                    with transaction.atomic():
                        publish_assigned({scene["audio"].pk: [41, 42]})
                finally:
                    connection.close()  # this thread's own connection

            await asyncio.to_thread(assign)
            return await next_event(ws, "task.assigned")

    assert asyncio.run(scenario()) == {"tasks": [41, 42], "count": 2}
