import copy

import pytest

from tasks.validation import validate_annotation, validate_datapoint

MODALITIES = ["video", "audio", "text", "pointcloud"]
ANNOTATORS = {"ana", "ben"}


def record(**changes) -> dict:
    base = {
        "external_id": "dp-1",
        "streams": [
            {"key": "cam", "modality": "video", "rate_hz": 30},
            {"key": "mic", "modality": "audio", "offset_ms": 250},
            {"key": "txt", "modality": "text"},
            {"key": "lidar", "modality": "pointcloud", "rate_hz": 10},
        ],
        "annotations": [
            {
                "stream": "cam",
                "annotator": "ana",
                "kind": "segment",
                "label": "dog",
                "start_ms": 100,
                "end_ms": 900,
            },
        ],
    }
    base.update(changes)
    return base


def errors_of(data: dict) -> list[dict]:
    _, errors = validate_datapoint(data, modalities=MODALITIES, annotators=ANNOTATORS)
    return errors


def fields_of(data: dict) -> list[str]:
    return [error["field"] for error in errors_of(data)]


def with_annotation(**annotation) -> dict:
    base = {"stream": "cam", "annotator": "ana", "label": "dog"}
    base.update(annotation)
    return record(annotations=[base])


def test_a_valid_record_is_normalised_with_defaults():
    clean, errors = validate_datapoint(record(), modalities=MODALITIES, annotators=ANNOTATORS)

    assert errors == []
    assert clean["is_calibration"] is False and clean["meta"] == {}
    cam, mic = clean["streams"][0], clean["streams"][1]
    assert (cam["offset_ms"], cam["rate_hz"], cam["uri"], cam["calibration"]) == (
        0.0,
        30.0,
        "",
        None,
    )
    assert mic["offset_ms"] == 250.0
    annotation = clean["annotations"][0]
    assert annotation["entity"] == "" and annotation["attributes"] == {}
    assert (annotation["start_ms"], annotation["end_ms"]) == (100.0, 900.0)


@pytest.mark.parametrize(
    "data, field",
    [
        (record(external_id=None), "external_id"),
        (record(external_id="x" * 201), "external_id"),
        (record(streams=[]), "streams"),
        (record(is_calibration="yes"), "is_calibration"),
        (record(meta=["not", "an", "object"]), "meta"),
        (record(meta={"score": float("inf")}), "meta.score"),
        (record(colour="red"), "colour"),
        (with_annotation(kind="segment", start_ms=900, end_ms=100), "annotations[0].end_ms"),
        (with_annotation(kind="segment", start_ms=100), "annotations[0].end_ms"),
        (with_annotation(kind="polygon"), "annotations[0].kind"),
        (with_annotation(kind="tag", stream="nope"), "annotations[0].stream"),
        (with_annotation(kind="tag", annotator="zoe"), "annotations[0].annotator"),
        (with_annotation(kind="tag", label=""), "annotations[0].label"),
        (with_annotation(kind="tag", label="dog\x00"), "annotations[0].label"),
        (with_annotation(kind="tag", start_ms=True), "annotations[0].start_ms"),
        (with_annotation(kind="tag", start_ms=float("nan")), "annotations[0].start_ms"),
        (with_annotation(kind="tag", start_ms=10**400), "annotations[0].start_ms"),
        (with_annotation(kind="tag", attributes="big"), "annotations[0].attributes"),
        (with_annotation(kind="tag", bbox=[0, 0, 1, 1]), "annotations[0].bbox"),
        (with_annotation(kind="tag", duration=5), "annotations[0].duration"),
        (with_annotation(kind="bbox", bbox=[0, 0, 10, 10]), "annotations[0].start_ms"),
        (with_annotation(kind="bbox", start_ms=0, bbox=[0, 0, -1, 10]), "annotations[0].bbox"),
        (with_annotation(kind="bbox", start_ms=0, bbox=[0, 0, 10]), "annotations[0].bbox"),
        (with_annotation(kind="bbox", start_ms=0, bbox=[0, "a", 1, 1]), "annotations[0].bbox[1]"),
        (
            with_annotation(
                stream="lidar",
                kind="cuboid",
                start_ms=0,
                cuboid={"center": [0, 0, 0], "size": [1, -1, 1], "yaw": 0},
            ),
            "annotations[0].cuboid.size",
        ),
        (
            with_annotation(
                stream="lidar",
                kind="cuboid",
                start_ms=0,
                cuboid={"center": [0, 0], "size": [1, 1, 1]},
            ),
            "annotations[0].cuboid.center",
        ),
        (
            with_annotation(stream="txt", kind="span", char_start=10, char_end=4),
            "annotations[0].char_end",
        ),
        (
            with_annotation(stream="txt", kind="span", char_start=-1, char_end=4),
            "annotations[0].char_start",
        ),
        (
            with_annotation(stream="txt", kind="span", char_start=1.5, char_end=4),
            "annotations[0].char_start",
        ),
        (
            with_annotation(stream="txt", kind="transcript", start_ms=0, end_ms=10),
            "annotations[0].text",
        ),
    ],
)
def test_a_bad_value_is_reported_on_the_path_of_its_field(data, field):
    assert field in fields_of(data)


@pytest.mark.parametrize(
    "stream, field",
    [
        ({"key": "cam", "modality": "video", "offset_ms": "12"}, "streams[1].offset_ms"),
        ({"key": "cam", "modality": "video", "offset": 40}, "streams[1].offset"),
        ({"key": "cam", "modality": "image"}, "streams[1].modality"),
        ({"key": "cam", "modality": "video", "rate_hz": 0}, "streams[1].rate_hz"),
        ({"key": "", "modality": "video"}, "streams[1].key"),
        ({"key": "cam", "modality": "video", "calibration": []}, "streams[1].calibration"),
        (
            {"key": "cam", "modality": "video", "calibration": {"projection": [[1, 0, 0, 0]] * 2}},
            "streams[1].calibration.projection",
        ),
        (
            {"key": "cam", "modality": "video", "calibration": {"projection": [[1, 0, 0]] * 3}},
            "streams[1].calibration.projection[0]",
        ),
        (
            {"key": "cam", "modality": "video", "calibration": {"pose": [1, 2]}},
            "streams[1].calibration.pose",
        ),
    ],
)
def test_a_bad_stream_is_reported_on_the_path_of_its_field(stream, field):
    data = record(streams=[{"key": "first", "modality": "audio"}, stream], annotations=[])

    assert field in fields_of(data)


def test_a_stream_key_used_twice_in_a_record_is_refused_on_the_second():
    data = record(
        streams=[{"key": "cam", "modality": "video"}, {"key": "cam", "modality": "audio"}],
        annotations=[],
    )

    assert errors_of(data) == [
        {"field": "streams[1].key", "reason": "'cam' repeats streams[0].key"}
    ]


def test_every_error_of_a_record_is_reported_not_only_the_first():
    data = record(
        external_id="",
        annotations=[
            {"stream": "cam", "annotator": "zoe", "kind": "tag", "label": "dog"},
            {
                "stream": "cam",
                "annotator": "ana",
                "kind": "segment",
                "label": "dog",
                "start_ms": 5,
                "end_ms": 1,
            },
        ],
    )

    assert fields_of(data) == ["external_id", "annotations[0].annotator", "annotations[1].end_ms"]


def test_a_label_outside_the_ontology_is_kept_for_validation_to_report():
    clean, errors = validate_datapoint(
        with_annotation(kind="tag", label="unicorn"), modalities=MODALITIES, annotators=ANNOTATORS
    )

    assert errors == []
    assert clean["annotations"][0]["label"] == "unicorn"


def test_every_kind_with_its_geometry_is_accepted():
    annotations = [
        {"stream": "cam", "kind": "tag", "label": "dog", "attributes": {"occluded": "no"}},
        {"stream": "cam", "kind": "bbox", "label": "dog", "start_ms": 40, "bbox": [1, 2, 3, 4]},
        {
            "stream": "lidar",
            "kind": "cuboid",
            "label": "car",
            "start_ms": 100,
            "cuboid": {"center": [1, 2, 0.5], "size": [4, 2, 1.5], "yaw": 0.1},
        },
        {"stream": "txt", "kind": "span", "label": "dog", "char_start": 0, "char_end": 5},
        {
            "stream": "mic",
            "kind": "transcript",
            "label": "speech",
            "start_ms": 0,
            "end_ms": 800,
            "text": "look, a puppy",
            "speaker": "A",
        },
    ]
    for annotation in annotations:
        annotation["annotator"] = "ben"

    clean, errors = validate_datapoint(
        record(annotations=annotations), modalities=MODALITIES, annotators=ANNOTATORS
    )

    assert errors == []
    assert clean["annotations"][2]["cuboid"] == {
        "center": [1.0, 2.0, 0.5],
        "size": [4.0, 2.0, 1.5],
        "yaw": 0.1,
    }
    assert clean["annotations"][1]["bbox"] == [1.0, 2.0, 3.0, 4.0]


def test_validation_does_not_change_the_record_it_is_given():
    data = record()
    before = copy.deepcopy(data)

    validate_datapoint(data, modalities=MODALITIES, annotators=ANNOTATORS)

    assert data == before


class TestValidateAnnotation:
    streams = {"cam": "video", "mic": "audio"}

    def test_the_stream_must_have_the_task_modality(self):
        _, errors = validate_annotation(
            {"stream": "mic", "kind": "tag", "label": "dog"}, streams=self.streams, modality="video"
        )

        assert errors == [
            {"field": "stream", "reason": "'mic' carries audio, but this task is video"}
        ]

    def test_the_annotator_cannot_be_set_where_the_task_decides_it(self):
        _, errors = validate_annotation(
            {"stream": "cam", "kind": "tag", "label": "dog", "annotator": "ana"},
            streams=self.streams,
        )

        assert [error["field"] for error in errors] == ["annotator"]

    def test_fields_are_prefixed_when_asked(self):
        _, errors = validate_annotation(
            {"stream": "cam", "kind": "segment", "label": "dog", "start_ms": 3, "end_ms": 1},
            streams=self.streams,
            field_prefix="annotations[7]",
        )

        assert [error["field"] for error in errors] == ["annotations[7].end_ms"]
