"""The data-point socket and ws/me, driven with Channels' WebsocketCommunicator on the
in-memory channel layer (the real-daphne, Redis-layer tests are in tests/e2e).

Each test runs one async scenario with `asyncio.run`; ORM work inside it goes through
`database_sync_to_async`, as in the consumers, hence `transaction=True`."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from config.websockets import websocket_urlpatterns
from pods.models import Role
from pods.selectors import person_pseudonym
from tasks.models import AnnotationLock, Comment
from tasks.services.annotations import annotation_create
from tasks.services.lifecycle import publish_assigned
from tests.factories import (
    make_annotated_datapoint,
    make_annotation,
    make_client,
    make_person,
    make_pod,
    make_project,
)

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # generous: only a failing test waits it out, and CI machines are shared


def run(scenario):
    """Run a scenario, then close the database connection its ORM calls opened in
    asgiref's worker thread (the test database cannot be dropped while it is open)."""

    async def and_close():
        try:
            return await scenario
        finally:
            await database_sync_to_async(lambda: connection.close())()

    return asyncio.run(and_close())


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def scene():
    client = make_client()
    pod = make_pod(["video", "audio", "text"], client=client)
    project = make_project(client=client, pods=[pod])
    datapoint = make_annotated_datapoint(project, pod=pod)
    members = {m.modality: m.person for m in pod.members.filter(is_lead=False)}
    video_task = datapoint.tasks.get(modality="video")
    return {
        "datapoint": datapoint,
        "video": members["video"],
        "audio": members["audio"],
        "video_task": video_task,
        "viewer": make_person(Role.CLIENT_VIEWER, client=client),
        "foreign_viewer": make_person(Role.CLIENT_VIEWER, client=make_client()),
        "outsider": make_person(skills=[("video", "senior")]),
    }


def connect(user, datapoint_id: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/datapoints/{datapoint_id}/"
    )
    communicator.scope["user"] = user
    return communicator


async def receive(communicator: WebsocketCommunicator, event: str, *, own: bool = True) -> dict:
    """The next frame of type `event`, skipping presence chatter and others (and,
    with own=False, the connection's own presence)."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if frame["type"] == event and (own or not frame["payload"].get("me")):
            return frame["payload"]


async def joined(user, datapoint_id: int) -> tuple[WebsocketCommunicator, dict]:
    communicator = connect(user, datapoint_id)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator, await receive(communicator, "hello")


async def refused_with(user, datapoint_id: int) -> int:
    communicator = connect(user, datapoint_id)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected  # accepted only to be closed with a reason
    output = await communicator.receive_output(timeout=TIMEOUT)
    assert output["type"] == "websocket.close"
    return output["code"]


@pytest.mark.parametrize(
    "who, code",
    [("anonymous", 4403), ("outsider", 4404), ("foreign_viewer", 4404)],
)
def test_people_who_may_not_see_the_datapoint_are_refused_at_connect(scene, who, code):
    user = AnonymousUser() if who == "anonymous" else scene[who]

    assert run(refused_with(user, scene["datapoint"].pk)) == code


def test_a_missing_datapoint_is_refused_like_a_hidden_one(scene):
    assert run(refused_with(scene["video"], 987654)) == 4404


def test_two_people_see_each_other_and_an_annotation_made_by_one(scene):
    datapoint, video, audio = scene["datapoint"], scene["video"], scene["audio"]

    async def scenario():
        first, hello = await joined(video, datapoint.pk)
        assert hello["me"]["modality"] == "video"
        second, greeting = await joined(audio, datapoint.pk)
        here = next(p for p in greeting["present"] if not p["me"])
        arrived = await receive(first, "presence.joined", own=False)
        await database_sync_to_async(annotation_create)(
            actor=video,
            task=scene["video_task"],
            data={
                "stream": "video-main",
                "kind": "segment",
                "label": "dog",
                "start_ms": 5.0,
                "end_ms": 9.0,
            },
        )
        created = [await receive(c, "annotation.created") for c in (first, second)]
        await second.disconnect()
        left = await receive(first, "presence.left")
        await first.disconnect()
        return here, arrived, created, left

    here, arrived, created, left = run(scenario())

    assert (here["name"], here["modality"]) == (video.username, "video")
    assert (arrived["name"], arrived["modality"]) == (audio.username, "audio")
    assert [c["label"] for c in created] == ["dog", "dog"]
    assert created[0]["annotator"] == video.username
    assert left["name"] == audio.username


def test_client_viewers_see_pseudonyms_never_usernames(scene):
    datapoint, video, viewer = scene["datapoint"], scene["video"], scene["viewer"]

    async def scenario():
        watching, _ = await joined(viewer, datapoint.pk)
        working, _ = await joined(video, datapoint.pk)
        presence = await receive(watching, "presence.joined", own=False)
        await database_sync_to_async(annotation_create)(
            actor=video,
            task=scene["video_task"],
            data={
                "stream": "video-main",
                "kind": "segment",
                "label": "dog",
                "start_ms": 1,
                "end_ms": 2,
            },
        )
        created = await receive(watching, "annotation.created")
        await working.send_to(text_data=json.dumps({"type": "comment.create", "body": "look"}))
        comment = await receive(watching, "comment.created")
        await watching.send_to(text_data=json.dumps({"type": "comment.create", "body": "hi"}))
        refused = await receive(watching, "error")
        for c in (watching, working):
            await c.disconnect()
        return presence, created, comment, refused

    presence, created, comment, refused = run(scenario())

    pseudonym = person_pseudonym(video.pk)
    assert (presence["name"], presence["person"]) == (pseudonym, None)
    assert created["annotator"] == pseudonym
    assert comment["author"] == pseudonym and "author_id" not in comment
    assert refused["code"] == "forbidden"


@pytest.mark.parametrize(
    "frame, code",
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        (json.dumps({"type": "annotation.explode"}), "unknown_type"),
        (json.dumps({"type": "comment.create", "body": "x" * 70_000}), "too_large"),
        (json.dumps({"type": "comment.create", "body": "   "}), "invalid"),
        (json.dumps({"type": "lock.acquire", "annotation": "1; drop"}), "invalid"),
        (json.dumps({"type": "playhead.move", "master_ms": -5}), "invalid"),
        (json.dumps({"type": "annotation.create", "task": 1, "data": []}), "invalid"),
    ],
)
def test_bad_input_gets_an_error_and_the_connection_stays_usable(scene, frame, code):
    datapoint, video = scene["datapoint"], scene["video"]

    async def scenario():
        communicator, _ = await joined(video, datapoint.pk)
        await communicator.send_to(text_data=frame)
        error = await receive(communicator, "error")
        await communicator.send_to(text_data=json.dumps({"type": "ping", "ref": "p1"}))
        ack = await receive(communicator, "ack")
        await communicator.disconnect()
        return error, ack

    error, ack = run(scenario())

    assert error["code"] == code
    assert ack["ref"] == "p1"
    assert Comment.objects.count() == 0


def test_a_comment_is_stored_relayed_and_in_the_history_of_later_arrivals(scene):
    datapoint, video, audio = scene["datapoint"], scene["video"], scene["audio"]

    async def scenario():
        first, _ = await joined(video, datapoint.pk)
        await first.send_to(
            text_data=json.dumps({"type": "comment.create", "body": "bark at 1.2 s?", "ref": 7})
        )
        ack = await receive(first, "ack")  # the handler answers before the relay arrives
        relayed = await receive(first, "comment.created")
        second, hello = await joined(audio, datapoint.pk)
        for c in (first, second):
            await c.disconnect()
        return relayed, ack, hello

    relayed, ack, hello = run(scenario())

    assert relayed["body"] == "bark at 1.2 s?" and relayed["mine"] is True
    assert ack["ref"] == 7
    assert [c["body"] for c in hello["comments"]] == ["bark at 1.2 s?"]
    assert hello["comments"][0]["mine"] is False


def test_a_soft_lock_blocks_others_and_is_released_when_its_tab_closes(scene):
    datapoint, video, audio = scene["datapoint"], scene["video"], scene["audio"]
    annotation = make_annotation(scene["video_task"], start_ms=100.0, end_ms=200.0)

    async def scenario():
        first, _ = await joined(video, datapoint.pk)
        second, _ = await joined(audio, datapoint.pk)
        await first.send_to(
            text_data=json.dumps({"type": "lock.acquire", "annotation": annotation.pk})
        )
        acquired = await receive(second, "lock.acquired")
        await second.send_to(
            text_data=json.dumps({"type": "lock.acquire", "annotation": annotation.pk})
        )
        refused = await receive(second, "error")
        await first.disconnect()
        released = await receive(second, "lock.released")
        await second.send_to(
            text_data=json.dumps({"type": "lock.acquire", "annotation": annotation.pk})
        )
        taken = await receive(second, "lock.acquired")
        await second.disconnect()
        return acquired, refused, released, taken

    acquired, refused, released, taken = run(scenario())

    assert acquired["holder"] == video.username and acquired["annotation"] == annotation.pk
    assert refused["code"] == "invalid" and video.username in refused["message"]
    assert released["annotation"] == annotation.pk
    assert taken["mine"] is True
    assert not AnnotationLock.objects.exists()  # the second tab's lock went with it


def test_the_playhead_reaches_the_others_but_not_the_mover(scene):
    datapoint, video, audio = scene["datapoint"], scene["video"], scene["audio"]

    async def scenario():
        first, _ = await joined(video, datapoint.pk)
        second, _ = await joined(audio, datapoint.pk)
        await first.send_to(text_data=json.dumps({"type": "playhead.move", "master_ms": 12400}))
        moved = await receive(second, "playhead.moved")
        await receive(first, "ack")
        await first.send_to(text_data=json.dumps({"type": "ping"}))
        frame = await receive(first, "ack")  # no playhead.moved came first
        for c in (first, second):
            await c.disconnect()
        return moved, frame

    moved, _ = run(scenario())

    assert moved == {"master_ms": 12400.0, "by": video.username}


def test_an_annotation_written_over_the_socket_goes_through_the_service(scene):
    datapoint, video, audio = scene["datapoint"], scene["video"], scene["audio"]
    task = scene["video_task"]
    data = {"stream": "video-main", "kind": "segment", "label": "cat", "start_ms": 3, "end_ms": 4}

    async def scenario():
        first, _ = await joined(video, datapoint.pk)
        await first.send_to(
            text_data=json.dumps({"type": "annotation.create", "task": task.pk, "data": data})
        )
        created = await receive(first, "annotation.created")
        second, _ = await joined(audio, datapoint.pk)
        await second.send_to(
            text_data=json.dumps({"type": "annotation.create", "task": task.pk, "data": data})
        )
        refused = await receive(second, "error")
        bad = {**data, "end_ms": 1}
        await first.send_to(
            text_data=json.dumps({"type": "annotation.create", "task": task.pk, "data": bad})
        )
        invalid = await receive(first, "error")
        for c in (first, second):
            await c.disconnect()
        return created, refused, invalid

    created, refused, invalid = run(scenario())

    assert created["label"] == "cat"
    assert refused["code"] == "forbidden"
    assert invalid["code"] == "invalid"
    assert task.annotations.filter(label="cat").count() == 1


def test_ws_me_relays_the_persons_own_notifications_only(scene):
    video, audio = scene["video"], scene["audio"]

    async def scenario():
        mine = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/me/")
        mine.scope["user"] = video
        assert (await mine.connect(timeout=TIMEOUT))[0]
        await receive(mine, "hello")

        def assign():
            from django.db import transaction

            with transaction.atomic():
                publish_assigned({audio.pk: [1], video.pk: [2, 3]})

        await database_sync_to_async(assign)()
        assigned = await receive(mine, "task.assigned")
        anonymous = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/me/")
        anonymous.scope["user"] = AnonymousUser()
        await anonymous.connect(timeout=TIMEOUT)
        closed = await anonymous.receive_output(timeout=TIMEOUT)
        await mine.disconnect()
        return assigned, closed

    assigned, closed = run(scenario())

    assert assigned == {"tasks": [2, 3], "count": 2}
    assert closed == {"type": "websocket.close", "code": 4403}


def test_a_project_of_another_pod_stays_closed(scene):
    other = make_annotated_datapoint(make_project(pods=[make_pod(["video", "audio", "text"])]))

    assert run(refused_with(scene["video"], other.pk)) == 4404


@pytest.mark.parametrize(
    "who, form, comment_box", [("video", True, True), ("viewer", False, False)]
)
def test_the_workspace_panel_offers_the_segment_form_only_on_the_callers_open_task(
    scene, rf, who, form, comment_box
):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = scene[who]
    html = Template("{% load workspace %}{% workspace datapoint %}").render(
        Context({"request": request, "datapoint": scene["datapoint"]})
    )

    assert f'data-ws-path="/ws/datapoints/{scene["datapoint"].pk}/"' in html
    assert ('id="ws-annotation-form"' in html) is form
    assert ('id="ws-comment-form"' in html) is comment_box
    if form:
        assert f'<option value="{scene["video_task"].pk}">' in html
        assert (
            '<option value="video-main">' in html
            and "audio-main" not in html.split("ws-annotation-form")[1]
        )


def test_an_event_the_socket_does_not_know_is_ignored_not_fatal(scene):
    from channels.layers import get_channel_layer

    datapoint, video = scene["datapoint"], scene["video"]

    async def scenario():
        communicator, _ = await joined(video, datapoint.pk)
        await get_channel_layer().group_send(
            f"datapoint-{datapoint.pk}",
            {"type": "widget_exploded", "event": "widget.exploded", "payload": {}},
        )
        await communicator.send_to(text_data=json.dumps({"type": "ping", "ref": "after"}))
        ack = await receive(communicator, "ack")
        await communicator.disconnect()
        return ack

    assert run(scenario())["ref"] == "after"
