"""The routing and task-lifecycle endpoints, end to end through the API."""

import pytest
from rest_framework.test import APIClient

from pods.models import PodMember, Role
from tasks.models import Job, Task, TaskStatus
from tasks.services.imports import datapoints_import
from tests.factories import make_client, make_datapoint, make_person, make_pod, make_project

pytestmark = pytest.mark.django_db
MODALITIES = ["video", "audio"]


def api_for(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


@pytest.fixture
def world():
    pod = make_pod(MODALITIES, per_modality=2)
    project = make_project(client=make_client(), modalities=MODALITIES, pods=[pod])
    for _ in range(3):
        make_datapoint(project)
    ops = make_person(Role.OPS_MANAGER)
    video = PodMember.objects.filter(pod=pod, modality="video", is_lead=False).first().person
    return project, pod, ops, video


def test_an_ops_manager_routes_a_project_and_gets_the_report(world):
    project, pod, ops, _ = world

    response = api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")

    assert response.status_code == 200
    assert response.json()["routed"] == 3
    assert response.json()["per_pod"] == {pod.name: 3}
    assert Task.objects.filter(datapoint__project=project).count() == 6


def test_a_large_backlog_is_routed_by_a_job(world, settings, django_capture_on_commit_callbacks):
    project, _, ops, _ = world
    settings.SYNCPOD_ROUTE_INLINE_MAX = 1

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert (job.kind, job.status, job.result["routed"]) == ("route", "done", 3)


def test_a_specialist_cannot_route_and_a_stranger_cannot_see_the_project(world):
    project, _, _, video = world
    stranger = make_person(Role.SPECIALIST, skills=[("video", "senior")])

    assert api_for(video).post(f"/api/v1/projects/{project.pk}/route/").status_code == 403
    assert api_for(stranger).post(f"/api/v1/projects/{project.pk}/route/").status_code == 404


def test_a_project_no_pod_can_serve_is_refused_naming_pods(world):
    project, pod, ops, _ = world
    PodMember.objects.filter(pod=pod, modality="audio").delete()

    response = api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")

    assert response.status_code == 400
    assert "pods" in response.json()


def test_a_specialist_claims_submits_and_is_told_when_nothing_is_left(world):
    project, _, ops, video = world
    api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")
    client = api_for(video)
    seen = []

    while (
        response := client.post("/api/v1/tasks/next/", {"project": project.pk})
    ).status_code == 200:
        task = response.json()
        assert (task["modality"], task["status"]) == ("video", "in_progress")
        seen.append(task["id"])
        submitted = client.post(f"/api/v1/tasks/{task['id']}/submit/")
        assert submitted.json()["status"] == "submitted"

    assert response.status_code == 204
    assert len(seen) == len(set(seen)) > 0


def test_claiming_in_a_project_one_cannot_see_is_a_400_naming_project(world):
    project, _, _, _ = world
    stranger = make_person(Role.SPECIALIST, skills=[("video", "senior")])

    response = api_for(stranger).post("/api/v1/tasks/next/", {"project": project.pk})

    assert response.status_code == 400
    assert "project" in response.json()


def test_release_puts_the_task_back_and_the_lead_reassigns_it(world):
    project, pod, ops, video = world
    api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")
    task = api_for(video).post("/api/v1/tasks/next/", {"project": project.pk}).json()
    lead = PodMember.objects.get(pod=pod, is_lead=True).person
    colleague = (
        PodMember.objects.filter(pod=pod, modality="video", is_lead=False)
        .exclude(person=video)
        .first()
        .person
    )

    released = api_for(video).post(f"/api/v1/tasks/{task['id']}/release/", {"reason": "sick"})
    reassigned = api_for(lead).post(
        f"/api/v1/tasks/{task['id']}/reassign/", {"assignee": colleague.pk}
    )

    assert released.json()["status"] == TaskStatus.UNASSIGNED
    assert reassigned.status_code == 200
    assert reassigned.json()["assignee"] == colleague.username


def test_someone_elses_task_is_a_404(world):
    project, _, ops, video = world
    api_for(ops).post(f"/api/v1/projects/{project.pk}/route/")
    task = api_for(video).post("/api/v1/tasks/next/", {"project": project.pk}).json()
    other = make_person(Role.SPECIALIST, skills=[("video", "senior")])

    assert api_for(other).post(f"/api/v1/tasks/{task['id']}/submit/").status_code == 404


def test_imported_data_points_without_annotations_are_routed_after_the_import(
    world, django_capture_on_commit_callbacks
):
    project, pod, _, _ = world
    records = [
        {"external_id": f"new-{i}", "streams": [{"key": m, "modality": m} for m in MODALITIES]}
        for i in range(2)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        datapoints_import(project=project, records=enumerate(records, start=1))

    routed = Task.objects.filter(datapoint__external_id__startswith="new-")
    assert routed.count() == 4
    assert set(routed.values_list("pod", flat=True)) == {pod.pk}
