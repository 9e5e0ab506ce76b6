"""A calibration scene: a video/audio project, a pod with two specialists per
modality and a lead, and a batch of three data points opened as iteration 1, routed
with overlap 2 and annotated by both copies."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from metrics.models import CalibrationIteration
from metrics.services import iteration_open
from pods.models import Person, Pod, Role
from qa.models import DataPointValidation, Finding, FindingStatus
from tasks.models import Annotation, DataPoint, Project, Task, TaskStatus
from tests.factories import make_client, make_datapoint, make_person, make_pod, make_project


@dataclass
class Scene:
    project: Project
    pod: Pod
    lead: Person
    ops: Person
    datapoints: list[DataPoint]
    iteration: CalibrationIteration

    def tasks(self, modality: str) -> list[Task]:
        return list(
            Task.objects.filter(datapoint__in=self.datapoints, modality=modality).order_by(
                "datapoint_id", "copy"
            )
        )


def annotate(task: Task, *, label: str, **fields) -> Annotation:
    stream = task.datapoint.streams.get(modality=task.modality)
    fields.setdefault("kind", "tag")
    return Annotation.objects.create(task=task, stream=stream, label=label, **fields)


def submit_all(tasks) -> None:
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(
        status=TaskStatus.SUBMITTED, submitted_at=timezone.now()
    )


def add_finding(
    datapoint: DataPoint,
    *,
    check: str = "boundary_offset",
    kind: str = "temporal",
    status: str = FindingStatus.OPEN,
    annotations=(),
    key: str | None = None,
) -> Finding:
    resolved = None if status in (FindingStatus.OPEN, FindingStatus.CONFIRMED) else timezone.now()
    finding = Finding.objects.create(
        datapoint=datapoint,
        project=datapoint.project,
        type=kind,
        check_code=check,
        status=status,
        modality_a="audio",
        modality_b="video",
        message="test",
        key=key or f"{check}-{datapoint.pk}-{status}",
        resolved_at=resolved,
    )
    finding.annotations.set(list(annotations))
    return finding


def validated(*datapoints: DataPoint) -> None:
    DataPointValidation.objects.bulk_create(
        [
            DataPointValidation(datapoint=dp, project=dp.project, validated_at=timezone.now())
            for dp in datapoints
        ]
    )


@pytest.fixture
def scene(db) -> Scene:
    client = make_client("Acme Robotics")
    pod = make_pod(["video", "audio"], name="Falcon", client=client, per_modality=2)
    project = make_project(client=client, modalities=["video", "audio"], pods=[pod])
    lead = pod.members.get(is_lead=True).person
    ops = make_person(Role.OPS_MANAGER)
    datapoints = [make_datapoint(project) for _ in range(3)]
    iteration, _ = iteration_open(
        actor=lead, project=project, pod=pod, datapoint_ids=[d.pk for d in datapoints], overlap=2
    )
    return Scene(project, pod, lead, ops, datapoints, iteration)
