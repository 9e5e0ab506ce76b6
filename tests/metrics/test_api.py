"""The calibrations and quality endpoints, with their permission matrix: what a caller
may not see is a 404, and client viewers only ever meet pseudonyms."""

import pytest
from rest_framework.test import APIClient

from metrics.services import iteration_close
from pods.models import Role
from pods.selectors import person_pseudonym
from tests.factories import make_client, make_datapoint, make_person
from tests.metrics.conftest import annotate, submit_all, validated


def as_user(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


@pytest.fixture
def closed(scene):
    for task in scene.tasks("video") + scene.tasks("audio"):
        annotate(task, label="dog")
    submit_all(scene.tasks("video") + scene.tasks("audio"))
    validated(*scene.datapoints)
    iteration_close(actor=scene.lead, iteration=scene.iteration)
    scene.iteration.refresh_from_db()
    return scene


@pytest.fixture
def viewers(scene):
    own = make_person(Role.CLIENT_VIEWER, client=scene.project.client)
    other = make_person(Role.CLIENT_VIEWER, client=make_client("Blue Harbour"))
    return own, other


def test_a_pod_lead_opens_an_iteration_through_the_api(scene):
    dps = [make_datapoint(scene.project).pk for _ in range(2)]
    response = as_user(scene.lead).post(
        "/api/v1/calibrations/",
        {"project": scene.project.pk, "pod": scene.pod.pk, "datapoints": dps, "overlap": 2},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == 2
    assert response.json()["routed"] == 2
    assert response.json()["datapoint_count"] == 2


def test_opening_on_a_project_the_caller_cannot_see_names_the_field(scene, viewers):
    _, other = viewers
    response = as_user(other).post(
        "/api/v1/calibrations/",
        {"project": scene.project.pk, "pod": scene.pod.pk, "datapoints": [1]},
        format="json",
    )
    assert response.status_code == 400
    assert "project" in response.json()


def test_a_specialist_of_the_pod_may_read_but_not_close(scene):
    specialist = scene.pod.members.filter(is_lead=False).first().person
    client = as_user(specialist)
    assert client.get(f"/api/v1/calibrations/{scene.iteration.pk}/").status_code == 200
    assert client.post(f"/api/v1/calibrations/{scene.iteration.pk}/close/").status_code == 403


def test_closing_through_the_api_answers_the_snapshot_report(scene):
    response = as_user(scene.lead).post(f"/api/v1/calibrations/{scene.iteration.pk}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["live"] is False


def test_the_report_of_an_open_iteration_is_computed_live(scene):
    response = as_user(scene.lead).get(f"/api/v1/calibrations/{scene.iteration.pk}/report/")
    assert response.status_code == 200
    assert response.json()["live"] is True


def test_the_report_reads_the_snapshot_once_closed(closed):
    response = as_user(closed.ops).get(f"/api/v1/calibrations/{closed.iteration.pk}/report/")
    body = response.json()
    assert body["live"] is False
    assert body["figures"]["sync_errors"]["validated"] == 3
    assert body["figures"]["annotators"][0]["annotator"]


def test_the_quality_series_lists_closed_iterations_with_target_and_baseline(closed):
    response = as_user(closed.ops).get(f"/api/v1/projects/{closed.project.pk}/quality/")
    assert response.status_code == 200
    body = response.json()
    assert body["target_rate"] == 0.05 and body["baseline_rate"] == 0.34
    assert [p["iteration"] for p in body["iterations"]] == [closed.iteration.pk]
    assert body["iterations"][0]["sync_error_rate"] == 0.0


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("ops", True),
        ("lead", True),
        ("own_viewer", True),
        ("other_viewer", False),
        ("stranger", False),
    ],
)
@pytest.mark.parametrize("endpoint", ["detail", "report", "quality"])
def test_who_reaches_the_report_and_the_series(closed, viewers, who, allowed, endpoint):
    people = {
        "ops": closed.ops,
        "lead": closed.lead,
        "own_viewer": viewers[0],
        "other_viewer": viewers[1],
        "stranger": make_person(Role.SPECIALIST),
    }
    url = {
        "detail": f"/api/v1/calibrations/{closed.iteration.pk}/",
        "report": f"/api/v1/calibrations/{closed.iteration.pk}/report/",
        "quality": f"/api/v1/projects/{closed.project.pk}/quality/",
    }[endpoint]
    response = as_user(people[who]).get(url)
    assert response.status_code == (200 if allowed else 404)


def test_a_viewer_of_another_client_cannot_close_either(closed, viewers):
    response = as_user(viewers[1]).post(f"/api/v1/calibrations/{closed.iteration.pk}/close/")
    assert response.status_code == 404


def test_client_viewers_see_pseudonyms_never_usernames_or_ids(closed, viewers):
    own, _ = viewers
    usernames = {m.person.username for m in closed.pod.members.select_related("person")}
    for url in (
        f"/api/v1/calibrations/{closed.iteration.pk}/report/",
        f"/api/v1/projects/{closed.project.pk}/quality/",
        f"/api/v1/calibrations/{closed.iteration.pk}/",
        "/api/v1/calibrations/",
    ):
        text = as_user(own).get(url).content.decode()
        assert not any(name in text for name in usernames), url
    report = as_user(own).get(f"/api/v1/calibrations/{closed.iteration.pk}/report/").json()
    rows = report["figures"]["annotators"]
    assert rows and all(r["annotator"].startswith("annotator-") for r in rows)
    assert all("person" not in r for r in rows)
    assert all("person" not in r for r in report["figures"]["sync_errors"]["by_annotator"])
    specialist = closed.tasks("video")[0].assignee_id
    assert person_pseudonym(specialist) in {r["annotator"] for r in rows}


def test_staff_see_annotator_names_in_the_report(closed):
    report = as_user(closed.ops).get(f"/api/v1/calibrations/{closed.iteration.pk}/report/")
    names = {r["annotator"] for r in report.json()["figures"]["annotators"]}
    assert closed.tasks("video")[0].assignee.username in names
