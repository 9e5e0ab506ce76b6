"""A person signs in, finds their project and reads a data point's timeline, in a
real Chromium against a real daphne."""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from pods.models import Person, Role
from tasks.models import DataPoint, Project
from tests.factories import (
    PASSWORD,
    make_annotated_datapoint,
    make_client,
    make_person,
    make_pod,
    make_project,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(tempfile.gettempdir()) / "syncpod-screenshots"


@dataclass
class Scene:
    project: Project
    datapoint: DataPoint
    ops: Person
    specialist: Person
    viewer: Person
    other_viewer: Person


@pytest.fixture
def scene() -> Scene:
    client = make_client("Acme Robotics")
    pod = make_pod(["video", "audio", "text"], name="Pod Aurora", client=client)
    project = make_project(client=client, pods=[pod])
    datapoint = make_annotated_datapoint(project, pod=pod)
    for _ in range(2):
        make_annotated_datapoint(project, pod=pod)
    other_client = make_client("Globex")
    make_annotated_datapoint(make_project(client=other_client))
    return Scene(
        project=project,
        datapoint=datapoint,
        ops=make_person(Role.OPS_MANAGER, username="olivia.ops"),
        specialist=pod.members.get(modality="video", is_lead=False).person,
        viewer=make_person(Role.CLIENT_VIEWER, client=client),
        other_viewer=make_person(Role.CLIENT_VIEWER, client=other_client),
    )


def sign_in(page: Page, base_url: str, person: Person) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "role, heading",
    [("ops", "Operations overview"), ("specialist", "Your work"), ("viewer", "Acme Robotics")],
)
def test_a_person_signs_in_and_lands_on_their_roles_home(
    page: Page, live_daphne: str, scene: Scene, role: str, heading: str
):
    person = getattr(scene, role)

    sign_in(page, live_daphne, person)

    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_role("link", name=scene.project.name).first.is_visible()
    assert person.username in page.locator(".account").inner_text()
    screenshot(page, f"home-{role}")


def test_the_datapoint_timeline_draws_every_stream_from_local_files_only(
    page: Page, live_daphne: str, scene: Scene
):
    sign_in(page, live_daphne, scene.ops)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(_host(request.url)))

    page.get_by_role("link", name=scene.project.name).first.click()
    page.wait_for_url(f"{live_daphne}/projects/{scene.project.pk}/")
    screenshot(page, "project")
    page.get_by_role("link", name=scene.datapoint.external_id).click()
    page.wait_for_selector("#timeline[data-rendered] .main-svg")

    streams = sorted(s.key for s in scene.datapoint.streams.all())
    drawn = page.evaluate(
        """() => document.getElementById("timeline").data
                 .filter((trace) => trace.type === "bar")
                 .map((trace) => trace.meta.stream)"""
    )
    assert sorted(drawn) == streams
    assert page.locator("#timeline .barlayer .trace").count() == len(streams)
    assert page.locator("#timeline .ytick").count() == len(streams)
    assert hosts - {"", "127.0.0.1"} == set(), f"loaded from other hosts: {hosts}"

    audio_bars = page.locator("#timeline .barlayer .trace").nth(drawn.index("audio-main"))
    box = audio_bars.locator("path").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.wait_for_selector("#timeline .hoverlayer .hovertext")
    assert "master 1320\u20132320 ms (stream 1000\u20132000 ms)" in hover.text_content()
    screenshot(page, "datapoint")


def test_a_client_viewer_of_another_client_gets_a_404_on_the_datapoint(
    page: Page, live_daphne: str, scene: Scene
):
    sign_in(page, live_daphne, scene.other_viewer)

    response = page.goto(f"{live_daphne}/datapoints/{scene.datapoint.pk}/")

    assert response.status == 404


def _host(url: str) -> str:
    """The host of an http(s)/ws(s) request; '' for data: and blob: URLs."""
    parts = urlsplit(url)
    return parts.hostname or "" if parts.scheme in {"http", "https", "ws", "wss"} else ""
