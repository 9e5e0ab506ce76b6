"""The project quality dashboard in a real Chromium against a real daphne: four closed
iterations with a falling sync-error rate, drawn from local files only."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Page

from metrics.services import iteration_close, iteration_open
from pods.models import Role
from tasks.models import Task
from tests.factories import (
    PASSWORD,
    make_client,
    make_datapoint,
    make_person,
    make_pod,
    make_project,
)
from tests.metrics.conftest import add_finding, annotate, submit_all, validated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_with_four_iterations():
    """Built in a thread of its own: the services publish events with async_to_sync,
    which refuses to run where Playwright's sync API keeps its event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_seed).result()


def _seed():
    try:
        return _build()
    finally:
        connection.close()


def _build():
    client = make_client("Acme Robotics")
    pod = make_pod(["video", "audio"], name="Falcon", client=client, per_modality=2)
    project = make_project(client=client, modalities=["video", "audio"], pods=[pod])
    lead = pod.members.get(is_lead=True).person
    for with_findings in (3, 2, 1, 0):
        datapoints = [make_datapoint(project) for _ in range(6)]
        iteration, _ = iteration_open(
            actor=lead, project=project, pod=pod, datapoint_ids=[d.pk for d in datapoints]
        )

        tasks = list(Task.objects.filter(datapoint__in=datapoints))
        for task in tasks:
            annotate(task, label="dog" if task.copy == 0 or with_findings == 0 else "cat")
        submit_all(tasks)
        validated(*datapoints)
        for datapoint in datapoints[:with_findings]:
            add_finding(datapoint)
        iteration_close(actor=lead, iteration=iteration)
    viewer = make_person(Role.CLIENT_VIEWER, client=client)
    return project, viewer


def sign_in(page: Page, base_url: str, person) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_a_client_viewer_opens_the_dashboard_and_finds_the_charts_drawn(
    page: Page,
    live_daphne: str,
    project_with_four_iterations,
):
    project, viewer = project_with_four_iterations
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    sign_in(page, live_daphne, viewer)

    page.goto(f"{live_daphne}/projects/{project.pk}/quality/")
    for chart in ("fig-rate", "fig-alpha", "fig-dismissal"):
        page.wait_for_selector(f'[data-figure="{chart}"][data-rendered] .main-svg')
        drawn = page.locator(f'[data-figure="{chart}"] .main-svg').first.bounding_box()
        assert drawn["height"] > 300, f"{chart} is drawn {drawn['height']:.0f} px high"
    rates = page.evaluate(
        """() => document.querySelector('[data-figure="fig-rate"]').data
                 .find((trace) => trace.name === "sync-error rate").y"""
    )
    assert rates == [50.0, 33.33, 16.67, 0.0]
    assert page.locator('[data-figure="fig-rate"] .barlayer .trace').count() >= 1
    assert hosts - {"", "127.0.0.1"} == set(), f"loaded from other hosts: {hosts}"
