import io
import json

import pytest

from common.jsonl import iter_records
from tasks.models import Annotation, DataPoint, Stream, Task, TaskStatus
from tasks.services.imports import MAX_REPORTED_ERRORS, datapoints_import, datapoints_import_file
from tasks.signals import datapoint_submitted
from tests.factories import make_import_record, make_person, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project(modalities=["video", "audio", "text", "pointcloud"])


@pytest.fixture
def ana():
    return make_person(username="ana", skills=[("video", "senior")])


@pytest.fixture
def ben():
    return make_person(username="ben", skills=[("audio", "senior")])


def jsonl(records) -> io.BytesIO:
    return io.BytesIO("\n".join(json.dumps(r) for r in records).encode())


def import_records(project, records, **options):
    return datapoints_import(project=project, records=enumerate(records, start=1), **options)


def row_counts(project) -> dict[str, int]:
    return {
        "datapoints": DataPoint.objects.filter(project=project).count(),
        "streams": Stream.objects.filter(datapoint__project=project).count(),
        "tasks": Task.objects.filter(datapoint__project=project).count(),
        "annotations": Annotation.objects.filter(task__datapoint__project=project).count(),
    }


class TestDatapointsImport:
    def test_data_points_arrive_with_their_streams_on_the_master_clock(self, project):
        record = make_import_record("dp-1")
        record["streams"][0]["calibration"] = {
            "projection": [[1000, 0, 640, 0], [0, 1000, 360, 0], [0, 0, 1, 0]],
            "pose": {"x": 1.5},
        }

        report = import_records(project, [record])

        assert (report.created, report.rejected) == (1, 0)
        datapoint = DataPoint.objects.get(project=project, external_id="dp-1")
        cam, mic = datapoint.streams.order_by("key")
        assert (cam.key, cam.modality, cam.uri, cam.offset_ms, cam.rate_hz) == (
            "cam",
            "video",
            "s3://b/cam.mp4",
            0.0,
            30.0,
        )
        assert cam.calibration["projection"][0] == [1000, 0, 640, 0]
        assert (mic.offset_ms, mic.rate_hz, mic.calibration) == (250.0, 16000.0, None)

    def test_imported_annotations_arrive_as_submitted_imported_tasks(self, project, ana, ben):
        report = import_records(
            project, [make_import_record("dp-1", annotators={"video": "ana", "audio": "ben"})]
        )

        assert (report.tasks, report.annotations) == (2, 2)
        tasks = Task.objects.filter(datapoint__external_id="dp-1").order_by("modality")
        assert [(t.modality, t.assignee, t.copy) for t in tasks] == [
            ("audio", ben, 0),
            ("video", ana, 0),
        ]
        for task in tasks:
            assert task.status == TaskStatus.SUBMITTED
            assert task.is_imported is True
            assert task.submitted_at is not None
            assert task.pod is None
        segment = Annotation.objects.get(task__modality="audio")
        assert (segment.stream.key, segment.kind, segment.label, segment.entity) == (
            "mic",
            "segment",
            "dog",
            "e1",
        )
        assert (segment.start_ms, segment.end_ms) == (100.0, 900.0)

    def test_annotated_data_points_are_announced_for_validation_after_commit(
        self, project, ana, django_capture_on_commit_callbacks
    ):
        received = []

        def receiver(sender, datapoint_ids, **kwargs):
            received.append(sorted(datapoint_ids))

        datapoint_submitted.connect(receiver)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                import_records(
                    project,
                    [
                        make_import_record("annotated", annotators={"video": "ana"}),
                        make_import_record("bare"),
                    ],
                )
                assert received == []
        finally:
            datapoint_submitted.disconnect(receiver)

        annotated = DataPoint.objects.get(external_id="annotated")
        assert received == [[annotated.pk]]

    def test_several_annotators_of_one_modality_become_numbered_copies(self, project, ana, ben):
        record = make_import_record("dp-1", annotators={"video": "ana"})
        record["annotations"] += [
            {**record["annotations"][0], "annotator": "ben"},
            {**record["annotations"][0], "annotator": "ana", "label": "cat"},
        ]

        report = import_records(project, [record])

        assert (report.tasks, report.annotations) == (2, 3)
        copies = Task.objects.filter(modality="video").order_by("copy")
        assert [(t.assignee.username, t.copy, t.annotations.count()) for t in copies] == [
            ("ana", 0, 2),
            ("ben", 1, 1),
        ]

    def test_every_kind_keeps_its_geometry(self, project, ana):
        record = {
            "external_id": "dp-1",
            "streams": [
                {"key": "cam", "modality": "video"},
                {"key": "lidar", "modality": "pointcloud"},
                {"key": "caption", "modality": "text"},
            ],
            "annotations": [
                {"stream": "cam", "kind": "tag", "label": "dog", "attributes": {"occluded": "no"}},
                {
                    "stream": "cam",
                    "kind": "bbox",
                    "label": "dog",
                    "entity": "d1",
                    "start_ms": 40,
                    "bbox": [1, 2, 3, 4],
                },
                {
                    "stream": "lidar",
                    "kind": "cuboid",
                    "label": "car",
                    "start_ms": 100,
                    "cuboid": {"center": [1, 2, 0.5], "size": [4, 2, 1.5], "yaw": 0.1},
                },
                {
                    "stream": "caption",
                    "kind": "span",
                    "label": "dog",
                    "char_start": 2,
                    "char_end": 7,
                },
                {
                    "stream": "caption",
                    "kind": "transcript",
                    "label": "speech",
                    "start_ms": 0,
                    "end_ms": 800,
                    "text": 'a "puppy"\tbarks\\n',
                    "speaker": "A",
                },
            ],
        }
        for annotation in record["annotations"]:
            annotation["annotator"] = "ana"

        report = import_records(project, [record])

        assert report.annotations == 5
        by_kind = {a.kind: a for a in Annotation.objects.filter(task__datapoint__project=project)}
        assert by_kind["tag"].attributes == {"occluded": "no"}
        assert by_kind["bbox"].bbox == [1, 2, 3, 4] and by_kind["bbox"].start_ms == 40
        assert by_kind["cuboid"].cuboid == {"center": [1, 2, 0.5], "size": [4, 2, 1.5], "yaw": 0.1}
        assert (by_kind["span"].char_start, by_kind["span"].char_end) == (2, 7)
        assert by_kind["transcript"].text == 'a "puppy"\tbarks\\n'
        assert by_kind["transcript"].speaker == "A"
        assert by_kind["tag"].bbox is None and by_kind["tag"].start_ms is None

    def test_importing_the_same_file_twice_leaves_the_same_rows(self, project, ana, ben):
        records = [
            make_import_record(f"dp-{n}", annotators={"video": "ana", "audio": "ben"})
            for n in range(5)
        ]
        first = datapoints_import_file(project=project, fileobj=jsonl(records))
        counts = row_counts(project)

        second = datapoints_import_file(project=project, fileobj=jsonl(records))

        assert (first.created, first.existing) == (5, 0)
        assert (second.created, second.existing, second.tasks, second.annotations) == (0, 5, 0, 0)
        assert (
            row_counts(project)
            == counts
            == {"datapoints": 5, "streams": 10, "tasks": 10, "annotations": 10}
        )

    def test_an_existing_data_point_is_left_as_it_was(self, project, ana):
        import_records(project, [make_import_record("dp-1", annotators={"video": "ana"})])

        changed = make_import_record("dp-1", meta={"new": True})
        changed["streams"][0]["offset_ms"] = 999
        report = import_records(project, [changed])

        assert report.existing == 1
        datapoint = DataPoint.objects.get(external_id="dp-1")
        assert datapoint.meta == {}
        assert datapoint.streams.get(key="cam").offset_ms == 0.0

    def test_the_same_external_id_in_another_project_is_a_different_data_point(self, project):
        other = make_project()

        import_records(project, [make_import_record("dp-1")])
        report = import_records(other, [make_import_record("dp-1")])

        assert report.created == 1
        assert DataPoint.objects.filter(external_id="dp-1").count() == 2

    def test_a_record_with_an_error_is_refused_whole_and_the_others_are_kept(self, project, ana):
        good = make_import_record("good", annotators={"video": "ana"})
        bad = make_import_record("bad", annotators={"video": "ana"})
        bad["annotations"][0]["end_ms"] = 10  # before its start at 100

        report = import_records(project, [good, bad])

        assert (report.created, report.rejected) == (1, 1)
        assert report.errors == [
            {
                "line": 2,
                "external_id": "bad",
                "field": "annotations[0].end_ms",
                "reason": "ends at 10 ms, before its start at 100 ms",
            }
        ]
        assert not DataPoint.objects.filter(external_id="bad").exists()
        assert not Stream.objects.filter(datapoint__external_id="bad").exists()

    def test_an_unknown_annotator_rejects_the_record_naming_the_field(self, project, ana):
        record = make_import_record("dp-1", annotators={"video": "ana", "audio": "nobody"})

        report = import_records(project, [record])

        assert report.rejected == 1
        assert [(e["field"], e["reason"]) for e in report.errors] == [
            ("annotations[1].annotator", "'nobody' is not a known username")
        ]
        assert not DataPoint.objects.filter(project=project).exists()

    def test_a_label_outside_the_ontology_is_kept(self, project, ana):
        record = make_import_record("dp-1", annotators={"video": "ana"})
        record["annotations"][0]["label"] = "unicorn"

        report = import_records(project, [record])

        assert report.created == 1 and report.errors == []
        assert Annotation.objects.get(task__datapoint__external_id="dp-1").label == "unicorn"

    def test_a_modality_the_project_does_not_have_is_refused(self):
        project = make_project(modalities=["video"])

        report = import_records(project, [make_import_record("dp-1")])

        assert report.rejected == 1
        assert report.errors[0]["field"] == "streams[1].modality"

    @pytest.mark.parametrize("chunk_size", [1000, 2], ids=["same-chunk", "later-chunk"])
    def test_a_repeated_external_id_is_refused_naming_the_earlier_line(self, project, chunk_size):
        records = [
            make_import_record("dp-1"),
            make_import_record("dp-2"),
            make_import_record("dp-3"),
            make_import_record("dp-1", meta={"second": True}),
        ]

        report = import_records(project, records, chunk_size=chunk_size)

        assert (report.created, report.rejected) == (3, 1)
        assert report.errors == [
            {
                "line": 4,
                "external_id": "dp-1",
                "field": "external_id",
                "reason": "'dp-1' repeats the data point of line 1",
            }
        ]
        assert DataPoint.objects.get(external_id="dp-1").meta == {}

    def test_bad_json_lines_are_reported_by_line_and_the_good_lines_imported(self, project):
        body = (
            json.dumps(make_import_record("dp-1")) + "\n"
            "{not json\n"
            "\n" + json.dumps(make_import_record("dp-2")) + "\n"
            "42\n"
        )

        report = datapoints_import_file(project=project, fileobj=io.BytesIO(body.encode()))

        assert (report.created, report.rejected) == (2, 2)
        assert [(e["line"], e["field"]) for e in report.errors] == [(2, "record"), (5, "record")]
        assert report.errors[1]["reason"] == "expected a JSON object, got a number"

    def test_a_json_array_reports_lines_where_each_element_starts(self, project):
        bad = make_import_record("dp-2", streams=[])
        body = json.dumps([make_import_record("dp-1"), bad], indent=2)

        report = datapoints_import_file(project=project, fileobj=io.StringIO(body))

        assert report.created == 1
        [error] = report.errors
        assert error["field"] == "streams"
        assert body.splitlines()[error["line"] - 1].strip() == "{"
        assert '"dp-2"' in body.splitlines()[error["line"]]

    def test_progress_is_reported_after_each_chunk(self, project):
        seen = []

        import_records(
            project, [make_import_record() for _ in range(5)], chunk_size=2, on_progress=seen.append
        )

        assert seen == [2, 4, 5]

    def test_file_progress_counts_bytes_and_ends_at_the_file_size(self, project):
        body = jsonl([make_import_record() for _ in range(5)]).getvalue()
        seen = []

        datapoints_import_file(project=project, fileobj=io.BytesIO(body), on_progress=seen.append)

        assert seen and seen[-1] == len(body)

    def test_errors_beyond_a_thousand_are_counted_but_not_listed(self, project):
        count = MAX_REPORTED_ERRORS + 50
        records = iter_records(io.BytesIO(b"nope\n" * count))

        report = datapoints_import(project=project, records=records)

        assert report.rejected == count
        assert report.error_count == count
        assert len(report.errors) == MAX_REPORTED_ERRORS
        assert report.found_valid_records is False

    def test_a_text_no_database_can_store_is_refused_not_crashing_the_chunk(self, project):
        bad = make_import_record("dp-bad")
        bad["streams"][0]["uri"] = "s3://b/\x00"
        body = json.dumps(make_import_record("dp-ok")) + "\n" + json.dumps(bad) + "\n"
        body = body.encode() + b'{"external_id": "caf\xe9", "streams": []}\n'
        nul_annotator = make_import_record("dp-nul", annotators={"video": "an\x00a"})
        body += json.dumps(nul_annotator).encode() + b"\n"

        report = datapoints_import_file(project=project, fileobj=io.BytesIO(body))

        assert report.created == 1
        assert [(e["line"], e["field"]) for e in report.errors] == [
            (2, "streams[0].uri"),
            (3, "external_id"),
            (3, "streams"),
            (4, "annotations[0].annotator"),
        ]


class TestImportedWorkBelongsToItsPod:
    def test_a_record_whose_annotators_share_one_project_pod_lands_in_that_pod(self):
        from pods.models import PodMember
        from tasks.models import DataPoint, Task
        from tasks.services.imports import datapoints_import
        from tests.factories import make_import_record, make_pod, make_project

        pod = make_pod(["video", "audio"])
        other = make_pod(["video", "audio"])
        project = make_project(modalities=["video", "audio"], pods=[pod, other])
        video, audio = (
            PodMember.objects.filter(pod=pod, modality=m, is_lead=False).first().person
            for m in ("video", "audio")
        )
        outsider = PodMember.objects.filter(pod=other, modality="audio").first().person
        records = [
            make_import_record(
                "ours", annotators={"video": video.username, "audio": audio.username}
            ),
            make_import_record(
                "mixed", annotators={"video": video.username, "audio": outsider.username}
            ),
        ]

        datapoints_import(project=project, records=enumerate(records, start=1))

        assert DataPoint.objects.get(external_id="ours").pod == pod
        assert set(
            Task.objects.filter(datapoint__external_id="ours").values_list("pod", flat=True)
        ) == {pod.pk}
        assert DataPoint.objects.get(external_id="mixed").pod is None
