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


def make_annotation(task: Task, *, label: str = "dog", entity: str = "e1", **fields):
    """A segment on the task's first stream of its modality, written straight to the
    table (bypassing the open-task check) so tests can place annotations on any task."""
    from tasks.models import Annotation

    stream = task.datapoint.streams.filter(modality=task.modality).first()
    fields.setdefault("kind", "segment")
    fields.setdefault("start_ms", 0.0)
    fields.setdefault("end_ms", 1000.0)
    return Annotation.objects.create(task=task, stream=stream, label=label, entity=entity, **fields)


def make_job(created_by: Person, **fields):
    from tasks.models import Job

    fields.setdefault("kind", "import")
    return Job.objects.create(created_by=created_by, **fields)


def make_annotated_datapoint(project: Project, *, pod: Pod | None = None) -> DataPoint:
    """A data point of a video/audio/text project whose streams sit at different
    offsets (audio +320 ms, text +40 ms), with entity `dog-1` annotated in every
    modality, a box and a tag on the video, for pages and timelines. The tasks go to
    the pod's specialists of each modality, or to new specialists without a pod."""
    datapoint = make_datapoint(project, pod=pod, offsets={"audio": 320.0, "text": 40.0})
    members = {m.modality: m.person for m in pod.members.filter(is_lead=False)} if pod else {}

    def task_for(modality: str) -> Task:
        person = members.get(modality) or make_person(skills=[(modality, "senior")])
        return make_task(datapoint, modality, person)

    video, audio, text = task_for("video"), task_for("audio"), task_for("text")
    make_annotation(video, label="dog", entity="dog-1", start_ms=1000.0, end_ms=2000.0)
    make_annotation(
        video,
        kind="bbox",
        label="dog",
        entity="dog-1",
        start_ms=1500.0,
        end_ms=None,
        bbox=[10, 20, 40, 30],
    )
    make_annotation(video, kind="tag", label="animal", entity="", start_ms=None, end_ms=None)
    make_annotation(audio, label="dog", entity="dog-1", start_ms=1000.0, end_ms=2000.0)
    make_annotation(audio, label="car", entity="car-1", start_ms=3000.0, end_ms=3600.0)
    make_annotation(
        text,
        kind="transcript",
        label="speech",
        entity="dog-1",
        start_ms=900.0,
        end_ms=2100.0,
        text="look, a puppy",
        speaker="A",
    )
    return datapoint


def make_import_record(
    external_id: str | None = None, *, annotators: dict[str, str] | None = None, **fields
) -> dict:
    """One data point as the import API takes it: a video stream at 0 ms and an
    audio stream at +250 ms, and, for each modality named in `annotators` (modality
    -> username), a segment of entity `e1` by that person on its stream."""
    streams = {"video": "cam", "audio": "mic"}
    record = {
        "external_id": external_id or unique("ext"),
        "streams": [
            {"key": "cam", "modality": "video", "uri": "s3://b/cam.mp4", "rate_hz": 30},
            {"key": "mic", "modality": "audio", "offset_ms": 250, "rate_hz": 16000},
        ],
        "annotations": [
            {
                "stream": streams[modality],
                "annotator": username,
                "kind": "segment",
                "label": "dog",
                "entity": "e1",
                "start_ms": 100,
                "end_ms": 900,
            }
            for modality, username in (annotators or {}).items()
        ],
    }
    record.update(fields)
    return record
