"""A small world for the API tests: two clients, each with a project worked by its own
pod, a data point with a task and an annotation, and one person per persona.

Personas are roles plus where the person sits: `outsider` is a specialist of the
other client's pod, `other_viewer` a viewer of the other client. Both exist to show
that what they may not see is a 404 for them."""

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from pods.models import Client, Person, Pod, Role
from pods.services import pod_create, pod_member_add
from tasks.models import Annotation, DataPoint, Project, Task
from tests.factories import (
    make_annotation,
    make_client,
    make_datapoint,
    make_person,
    make_project,
    make_task,
)

PERSONAS = [
    "ops_manager",
    "pod_lead",
    "specialist",
    "expert",
    "client_viewer",
    "outsider",
    "other_viewer",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Every persona has a password; the default hasher would cost seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    client_a: Client
    client_b: Client
    pod_a: Pod
    pod_b: Pod
    project_a: Project
    project_b: Project
    datapoint_a: DataPoint
    datapoint_b: DataPoint
    task_a: Task
    task_b: Task
    annotation_a: Annotation
    annotation_b: Annotation
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, persona: str) -> Person:
        return self.people[persona]


def _pod(name: str, lead: Person, video: Person, audio: Person) -> Pod:
    pod = pod_create(name=name)
    pod_member_add(pod=pod, person=lead, modality="video", is_lead=True)
    pod_member_add(pod=pod, person=video, modality="video")
    pod_member_add(pod=pod, person=audio, modality="audio")
    return pod


@pytest.fixture
def world(db) -> World:
    client_a, client_b = make_client("Acme Robotics"), make_client("Blue Harbour")
    people = {
        "ops_manager": make_person(Role.OPS_MANAGER, username="olivia"),
        "pod_lead": make_person(Role.POD_LEAD, username="lena", skills=[("video", "expert")]),
        "specialist": make_person(username="sam", skills=[("video", "senior")]),
        "expert": make_person(Role.EXPERT, username="eve", skills=[("audio", "expert")]),
        "client_viewer": make_person(Role.CLIENT_VIEWER, username="vic", client=client_a),
        "outsider": make_person(username="otto", skills=[("video", "senior")]),
        "other_viewer": make_person(Role.CLIENT_VIEWER, username="bea", client=client_b),
    }
    lead_b = make_person(Role.POD_LEAD, username="lars", skills=[("video", "expert")])
    audio_b = make_person(username="ada", skills=[("audio", "junior")])
    pod_a = _pod("Falcon", people["pod_lead"], people["specialist"], people["expert"])
    pod_b = _pod("Heron", lead_b, people["outsider"], audio_b)
    project_a = make_project(client=client_a, modalities=["video", "audio"], pods=[pod_a])
    project_b = make_project(client=client_b, modalities=["video", "audio"], pods=[pod_b])
    datapoint_a = make_datapoint(project_a, pod=pod_a)
    datapoint_b = make_datapoint(project_b, pod=pod_b)
    task_a = make_task(datapoint_a, "video", people["specialist"])
    task_b = make_task(datapoint_b, "video", people["outsider"])
    return World(
        client_a=client_a,
        client_b=client_b,
        pod_a=pod_a,
        pod_b=pod_b,
        project_a=project_a,
        project_b=project_b,
        datapoint_a=datapoint_a,
        datapoint_b=datapoint_b,
        task_a=task_a,
        task_b=task_b,
        annotation_a=make_annotation(task_a),
        annotation_b=make_annotation(task_b),
        people=people,
    )


@pytest.fixture
def api_as():
    """An API client acting as the given person (authentication itself is tested in
    test_authentication.py)."""

    def build(person: Person | None) -> APIClient:
        client = APIClient()
        if person is not None:
            client.force_authenticate(person)
        return client

    return build
