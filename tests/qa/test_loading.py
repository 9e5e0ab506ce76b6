"""The chunk loader reads the same records on every database: on PostgreSQL it reads
geometry as jsonb text and parses the usual shapes by hand, so odd shapes must still
be judged exactly as the JSON parsers judge them."""

import pytest
from django.db import transaction

from qa.checks.records import AnnotationRecord, StreamRecord
from qa.services.loading import batches_load
from tasks.models import Annotation

pytestmark = pytest.mark.django_db

BOXES = [
    [10, 20, 40, 30],
    [10.5, -2.25, 1e-3, 4e5],
    ["10", 20, 40, 30],  # numbers as strings: parse_bbox accepts them
    [10, 20, 40],  # too short: no box
    [10, 20, 40, 30, 50],
    [True, 1, 2, 3],
    ["a, b", 1, 2],
    {"x": 1},
    "10, 20, 40, 30",
    [[1, 2], [3, 4], 5, 6],
]
CUBOIDS = [
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": 0.3},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6]},  # no yaw: 0
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": None},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": -0.0},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": "0.7"},
    {"center": [1, 2, 0.5, 9], "size": [4.5, 1.9, 1.6], "yaw": 1},
    {"center": ["1", 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": 1},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": 1, "note": [1, 2]},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9, 1.6], "yaw": 1, "zzzzzzzz": 1},
    {"center": [1, 2, 0.5], "size": [4.5, 1.9], "yaw": 1},
    [1, 2, 3],
]


def expected(annotation: Annotation, streams: dict[int, StreamRecord]) -> AnnotationRecord:
    return AnnotationRecord.on_stream(
        streams[annotation.stream_id],
        id=annotation.pk,
        datapoint_id=annotation.task.datapoint_id,
        task_id=annotation.task_id,
        annotator_id=annotation.task.assignee_id,
        kind=annotation.kind,
        label=annotation.label,
        entity=annotation.entity,
        start_ms=annotation.start_ms,
        end_ms=annotation.end_ms,
        bbox=annotation.bbox,
        cuboid=annotation.cuboid,
    )


def test_odd_geometry_loads_as_the_json_parsers_read_it(av):
    datapoint = av.datapoint(audio_offset=250)
    task = datapoint.tasks.get(modality="video")
    for box in BOXES:
        Annotation.objects.create(
            task=task,
            stream=task.datapoint.streams.get(modality="video"),
            kind="bbox",
            label="car",
            entity="car-1",
            start_ms=1500.0,
            bbox=box,
        )
    for cuboid in CUBOIDS:
        Annotation.objects.create(
            task=task,
            stream=task.datapoint.streams.get(modality="video"),
            kind="cuboid",
            label="car",
            entity="car-1",
            start_ms=1500.0,
            cuboid=cuboid,
        )

    with transaction.atomic():
        (batch,) = batches_load(datapoint_ids=[datapoint.pk])

    streams = {
        stream.pk: StreamRecord(stream.key, stream.modality, stream.offset_ms, stream.rate_hz)
        for stream in datapoint.streams.all()
    }
    annotations = Annotation.objects.filter(task__datapoint=datapoint).select_related("task")
    want = sorted((expected(a, streams) for a in annotations), key=lambda r: r.id)
    (scene,) = batch.scenes
    got = sorted(scene.annotations, key=lambda r: r.id)
    assert got == want
    assert [r.bbox for r in got] == [r.bbox for r in want]
    assert [r.cuboid for r in got] == [r.cuboid for r in want]
    assert sum(r.bbox is not None for r in got) == 4
    assert sum(r.cuboid is not None for r in got) == 8
