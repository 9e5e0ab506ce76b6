"""The operations console and the specialist's queue, through Django's test client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pods.models import PodMember, Role
from tasks.models import DataPoint, Task, TaskStatus
from tests.factories import make_client, make_datapoint, make_person, make_pod, make_project

pytestmark = pytest.mark.django_db
MODALITIES = ["video", "audio"]


@pytest.fixture
def world():
    pod = make_pod(MODALITIES, per_modality=2)
    project = make_project(client=make_client(), modalities=MODALITIES, pods=[pod])
    for _ in range(4):
        make_datapoint(project)
    ops = make_person(Role.OPS_MANAGER)
    lead = PodMember.objects.get(pod=pod, is_lead=True).person
    video = PodMember.objects.filter(pod=pod, modality="video", is_lead=False).first().person
    return project, pod, ops, lead, video


def test_an_ops_manager_routes_from_the_console_and_sees_the_queue_depth(client, world):
    project, pod, ops, _, _ = world
    client.force_login(ops)

    response = client.post(f"/console/projects/{project.pk}/route/", follow=True)

    assert "Routed 4 data points" in response.content.decode()
    assert DataPoint.objects.filter(project=project, pod=pod).count() == 4
    page = client.get("/console/").content.decode()
    assert 'id="queue-depth"' in page
    assert pod.name in page


def test_a_stalled_task_is_listed_and_the_lead_reassigns_it(client, world):
    project, pod, ops, lead, video = world
    client.force_login(ops)
    client.post(f"/console/projects/{project.pk}/route/")
    task = Task.objects.filter(assignee=video).first()
    Task.objects.filter(pk=task.pk).update(updated_at=timezone.now() - timedelta(days=3))
    colleague = (
        PodMember.objects.filter(pod=pod, modality="video", is_lead=False)
        .exclude(person=video)
        .first()
        .person
    )
    client.force_login(lead)

    page = client.get("/console/").content.decode()
    client.post(f"/console/tasks/{task.pk}/reassign/", {"assignee": colleague.pk})

    assert 'id="stale-tasks"' in page and task.datapoint.external_id in page
    task.refresh_from_db()
    assert (task.assignee, task.status) == (colleague, TaskStatus.ASSIGNED)


def test_specialists_and_client_viewers_have_no_console(client, world):
    _, _, _, _, video = world
    viewer = make_person(Role.CLIENT_VIEWER, client=make_client())

    for person in (video, viewer):
        client.force_login(person)
        assert client.get("/console/").status_code == 404


def test_a_specialist_takes_the_next_task_lands_on_its_data_point_and_submits_it(client, world):
    project, _, ops, _, video = world
    client.force_login(ops)
    client.post(f"/console/projects/{project.pk}/route/")
    client.force_login(video)

    response = client.post("/queue/next/", {"project": project.pk})

    task = Task.objects.get(assignee=video, status=TaskStatus.IN_PROGRESS)
    assert response.status_code == 302
    assert response["Location"] == f"/datapoints/{task.datapoint_id}/"
    assert "Submit" in client.get("/queue/").content.decode()
    client.post(f"/queue/tasks/{task.pk}/submit/")
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED


def test_an_empty_queue_says_so_instead_of_failing(client, world):
    project, _, _, _, video = world
    client.force_login(video)

    response = client.post("/queue/next/", {"project": project.pk}, follow=True)

    assert "Nothing is waiting for you" in response.content.decode()


def test_someone_elses_task_cannot_be_submitted_from_the_queue(client, world):
    project, _, ops, _, video = world
    client.force_login(ops)
    client.post(f"/console/projects/{project.pk}/route/")
    task = Task.objects.filter(assignee=video).first()
    other = make_person(Role.SPECIALIST, skills=[("video", "senior")])
    client.force_login(other)

    assert client.post(f"/queue/tasks/{task.pk}/submit/").status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
