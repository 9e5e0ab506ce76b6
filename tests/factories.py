"""Small builders for tests. They go through the services where one exists, so
tests exercise the same write path as the product."""

import itertools

from pods.models import Client, Person, Pod, Role
from pods.services import client_create, person_create, pod_create, pod_member_add
from tasks.models import DataPoint, Ontology, Project, Stream, Task, TaskStatus
from tasks.services.projects import ontology_create, project_create

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def make_client(name: str | None = None) -> Client:
    return client_create(name=name or unique("client"))


def make_person(
    role: str = Role.SPECIALIST,
    *,
    username: str | None = None,
    client: Client | None = None,
    skills: list[tuple[str, str]] | None = None,
) -> Person:
    return person_create(
        username=username or unique(role),
        password=PASSWORD,
        role=role,
        client=client,
        skills=skills or [],
    )


def make_pod(
    modalities: list[str],
    *,
    name: str | None = None,
    client: Client | None = None,
    per_modality: int = 1,
    level: str = "senior",
) -> Pod:
    """A pod with `per_modality` specialists for each modality and a lead."""
    pod = pod_create(name=name or unique("pod"), client=client)
    lead = make_person(Role.POD_LEAD, skills=[(modalities[0], "expert")])
    pod_member_add(pod=pod, person=lead, modality=modalities[0], is_lead=True)
    for modality in modalities:
        for _ in range(per_modality):
            person = make_person(skills=[(modality, level)])
            pod_member_add(pod=pod, person=person, modality=modality)
    return pod


def make_ontology(name: str | None = None) -> Ontology:
    return ontology_create(
        name=name or unique("ontology"),
        terms=[
            {"key": "animal"},
            {"key": "dog", "parent": "animal", "synonyms": {"text": ["puppy", "hound"]}},
            {"key": "cat", "parent": "animal"},
            {"key": "vehicle"},
            {"key": "car", "parent": "vehicle", "synonyms": {"audio": ["engine"]}},
            {"key": "speech"},
        ],
        attributes=[
            {"key": "occluded", "level": "nominal", "values": ["yes", "no"]},
            {"key": "confidence", "level": "ordinal", "values": ["low", "mid", "high"]},
        ],
    )


def make_project(
    *,
    client: Client | None = None,
    modalities: list[str] | None = None,
    pods: list[Pod] = (),
    ontology: Ontology | None = None,
) -> Project:
    return project_create(
        name=unique("project"),
        client=client or make_client(),
        modalities=modalities or ["video", "audio", "text"],
        ontology=ontology or make_ontology(),
        pods=pods,
    )


def make_datapoint(
    project: Project, *, pod: Pod | None = None, offsets: dict | None = None
) -> DataPoint:
    """A data point with one stream per project modality, at the given offsets."""
    datapoint = DataPoint.objects.create(project=project, external_id=unique("dp"), pod=pod)
    offsets = offsets or {}
    for modality in project.modalities:
        Stream.objects.create(
            datapoint=datapoint,
            key=f"{modality}-main",
            modality=modality,
            offset_ms=offsets.get(modality, 0.0),
        )
    return datapoint


def make_task(datapoint: DataPoint, modality: str, assignee: Person, **fields) -> Task:
    fields.setdefault("status", TaskStatus.ASSIGNED)
    return Task.objects.create(
        datapoint=datapoint, modality=modality, assignee=assignee, pod=datapoint.pod, **fields
    )
