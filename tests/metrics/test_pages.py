"""The quality dashboard, the calibration page and the client portal: they render from
snapshots, 404 for strangers, and show client viewers pseudonyms only."""

import pytest
from django.test import Client as BrowserClient

from metrics.services import guideline_publish, iteration_close, project_snapshot
from pods.models import Role
from pods.selectors import person_pseudonym
from tasks.models import Annotation
from tests.factories import make_client, make_person
from tests.metrics.conftest import add_finding, annotate, submit_all, validated


def browser(person) -> BrowserClient:
    client = BrowserClient()
    client.force_login(person)
    return client


@pytest.fixture
def closed(scene):
    video, audio = scene.tasks("video"), scene.tasks("audio")
    for task, label in zip(video, ["dog", "dog", "cat", "cat", "dog", "car"], strict=True):
        annotate(task, label=label)
    for task in audio:
        annotate(task, label="dog")
    submit_all(video + audio)
    validated(*scene.datapoints)
    add_finding(scene.datapoints[2])
    guideline_publish(
        actor=scene.lead,
        project=scene.project,
        body="# Bark onsets",
        change_summary="Segment barks from onset.",
        motivating_checks=["boundary_offset"],
    )
    iteration_close(actor=scene.lead, iteration=scene.iteration)
    project_snapshot(project=scene.project)
    return scene


@pytest.fixture
def viewers(scene):
    own = make_person(Role.CLIENT_VIEWER, client=scene.project.client)
    other = make_person(Role.CLIENT_VIEWER, client=make_client("Blue Harbour"))
    return own, other


def test_the_dashboard_draws_rate_alpha_and_dismissal_charts_from_snapshots(closed):
    response = browser(closed.ops).get(f"/projects/{closed.project.pk}/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("fig-rate", "fig-alpha", "fig-dismissal"):
        assert f'data-figure="{chart}"' in html
    assert "vendor/plotly/plotly.min.js" in html
    assert "target 5%" in html and "industry baseline 34%" in html


def test_the_dashboard_never_reads_raw_annotations(closed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(closed.ops)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/projects/{closed.project.pk}/quality/")
    table = Annotation._meta.db_table
    assert not any(table in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 12


def test_the_calibration_page_lists_disagreements_people_and_guidelines(closed):
    html = browser(closed.lead).get(f"/calibrations/{closed.iteration.pk}/").content.decode()
    assert closed.datapoints[2].external_id in html
    assert "Segment barks from onset." in html
    assert closed.tasks("video")[0].assignee.username in html


def test_an_open_iteration_page_computes_only_when_asked(scene):
    client = browser(scene.lead)
    html = client.get(f"/calibrations/{scene.iteration.pk}/").content.decode()
    assert "Compute them now" in html and "Close and snapshot" in html
    live = client.get(f"/calibrations/{scene.iteration.pk}/?live=1").content.decode()
    assert "Computed just now" in live


def test_the_pod_lead_closes_the_iteration_from_its_page(scene):
    response = browser(scene.lead).post(f"/calibrations/{scene.iteration.pk}/close/")
    assert response.status_code == 302
    scene.iteration.refresh_from_db()
    assert scene.iteration.status == "closed"


def test_a_specialist_cannot_close_from_the_page(scene):
    specialist = scene.pod.members.filter(is_lead=False).first().person
    response = browser(specialist).post(f"/calibrations/{scene.iteration.pk}/close/")
    assert response.status_code == 403


@pytest.mark.parametrize("page", ["quality", "calibration"])
def test_a_viewer_of_another_client_gets_404_on_the_pages(closed, viewers, page):
    url = {
        "quality": f"/projects/{closed.project.pk}/quality/",
        "calibration": f"/calibrations/{closed.iteration.pk}/",
    }[page]
    assert browser(viewers[1]).get(url).status_code == 404
    assert browser(viewers[0]).get(url).status_code == 200


def test_the_portal_lists_only_the_viewers_own_clients_projects(closed, viewers):
    own, other = viewers
    assert closed.project.name in browser(own).get("/portal/").content.decode()
    assert closed.project.name not in browser(other).get("/portal/").content.decode()
    assert "33%" in browser(own).get("/portal/").content.decode()


def test_client_viewers_see_pseudonyms_on_every_page(closed, viewers):
    own, _ = viewers
    client = browser(own)
    usernames = {m.person.username for m in closed.pod.members.select_related("person")}
    for url in (
        f"/projects/{closed.project.pk}/quality/",
        f"/calibrations/{closed.iteration.pk}/",
        "/portal/",
    ):
        html = client.get(url).content.decode()
        assert not any(name in html for name in usernames), url
    html = client.get(f"/calibrations/{closed.iteration.pk}/").content.decode()
    assert person_pseudonym(closed.tasks("video")[0].assignee_id) in html
