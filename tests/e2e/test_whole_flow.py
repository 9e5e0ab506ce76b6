"""The whole flow through the services and the API, as the people who use it would
go through it: operations import and route; specialists claim, annotate and submit;
validation finds a sync error; it is escalated to an expert of the modality pair,
who claims it, corrects the late audio segment and resolves it; the adjudicated
export holds the corrected annotation and the resolution."""

import json

import pytest
from rest_framework.test import APIClient

from pods.models import Role
from qa.models import Escalation, EscalationStatus, FindingStatus
from tasks.models import Annotation, DataPoint, Task
from tasks.services.annotations import annotation_create
from tasks.services.lifecycle import task_claim_next, task_submit
from tasks.services.routing import project_route
from tests.factories import make_client, make_person, make_pod, make_project

pytestmark = pytest.mark.django_db

# Stream times: the mic stream starts 250 ms after the camera on the master clock.
VIDEO_SEGMENT = (300.0, 1100.0)
AUDIO_ALIGNED = (50.0, 850.0)  # master 300-1100: agrees with the video
AUDIO_LATE = (450.0, 1250.0)  # master 700-1500: 400 ms late, a boundary_offset error


def _api(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def _record(external_id: str) -> dict:
    return {
        "external_id": external_id,
        "streams": [
            {"key": "cam", "modality": "video", "uri": "s3://b/cam.mp4", "rate_hz": 30},
            {"key": "mic", "modality": "audio", "offset_ms": 250, "rate_hz": 16000},
        ],
    }


def _work(task: Task, start_end: tuple[float, float], stream: str) -> None:
    """The assignee claims their task, segments the dog and submits."""
    claimed = task_claim_next(
        specialist=task.assignee, project=task.datapoint.project, modality=task.modality
    )
    assert claimed is not None
    annotation_create(
        actor=task.assignee,
        task=claimed,
        data={
            "stream": stream,
            "kind": "segment",
            "label": "dog",
            "entity": "dog-1",
            "start_ms": start_end[0],
            "end_ms": start_end[1],
        },
    )
    task_submit(actor=task.assignee, task=claimed)


def test_import_route_submit_validate_escalate_resolve_export(
    settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = make_client("Acme")
    pod = make_pod(["video", "audio"], client=client)
    project = make_project(client=client, modalities=["video", "audio"], pods=[pod])
    ops = make_person(Role.OPS_MANAGER)
    expert = make_person(Role.EXPERT, skills=[("video", "expert"), ("audio", "expert")])
    viewer = make_person(Role.CLIENT_VIEWER, client=client)

    # Import and route.
    imported = _api(ops).post(
        f"/api/v1/projects/{project.pk}/import/",
        [_record("clean-1"), _record("late-1")],
        format="json",
    )
    assert imported.status_code == 200, imported.content
    report = project_route(project=project, actor=ops)
    assert report is not None
    clean = DataPoint.objects.get(project=project, external_id="clean-1")
    late = DataPoint.objects.get(project=project, external_id="late-1")
    assert clean.tasks.count() == late.tasks.count() == 2

    # Specialists work; submitting the last task validates and escalates.
    with django_capture_on_commit_callbacks(execute=True):
        for datapoint, audio in ((clean, AUDIO_ALIGNED), (late, AUDIO_LATE)):
            _work(datapoint.tasks.get(modality="video"), VIDEO_SEGMENT, "cam")
            _work(datapoint.tasks.get(modality="audio"), audio, "mic")

    assert not clean.findings.exists()
    finding = late.findings.get()
    assert (finding.check_code, finding.status) == ("boundary_offset", FindingStatus.OPEN)
    escalation = Escalation.objects.get(datapoint=late)
    assert escalation.expert == expert
    assert not Escalation.objects.filter(datapoint=clean).exists()

    # The expert finds it in their queue, claims it and corrects the audio.
    queue = _api(expert).get("/api/v1/escalations/").json()["results"]
    assert [row["id"] for row in queue] == [escalation.pk]
    assert _api(expert).post(f"/api/v1/escalations/{escalation.pk}/claim/").status_code == 200
    audio = Annotation.objects.get(task__datapoint=late, task__modality="audio")
    resolved = _api(expert).post(
        f"/api/v1/escalations/{escalation.pk}/resolve/",
        {
            "outcomes": [{"finding": finding.pk, "outcome": "fixed"}],
            "corrections": [
                {
                    "annotation": audio.pk,
                    "changes": {"start_ms": AUDIO_ALIGNED[0], "end_ms": AUDIO_ALIGNED[1]},
                }
            ],
            "note": "The audio segment started 400 ms late; aligned to the bark.",
        },
        format="json",
    )
    assert resolved.status_code == 200, resolved.content
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED

    # The export holds the corrected annotation and the resolution.
    response = _api(ops).get(f"/api/v1/projects/{project.pk}/export/")
    assert response.status_code == 200
    lines = {
        line["external_id"]: line
        for line in map(json.loads, b"".join(response.streaming_content).decode().splitlines())
    }
    assert set(lines) == {"clean-1", "late-1"}
    exported_audio = next(a for a in lines["late-1"]["annotations"] if a["stream"] == "mic")
    assert (exported_audio["start_ms"], exported_audio["end_ms"]) == AUDIO_ALIGNED
    [exported_finding] = lines["late-1"]["findings"]
    assert exported_finding["status"] == "fixed"
    assert exported_finding["outcome"] == "fixed"
    assert exported_finding["note"].startswith("The audio segment started 400 ms late")
    assert lines["clean-1"]["findings"] == []

    # The client's viewer exports too, with annotators pseudonymised.
    viewed = _api(viewer).get(f"/api/v1/projects/{project.pk}/export/")
    body = b"".join(viewed.streaming_content).decode()
    assert audio.task.assignee.username not in body
    assert "annotator-" in body
