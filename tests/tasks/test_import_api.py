import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from pods.models import Role
from tasks.api.imports import ProjectImportView
from tasks.models import DataPoint, Job, JobStatus, Task
from tests.factories import make_client, make_import_record, make_person, make_pod, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pod():
    return make_pod(["video", "audio"])


@pytest.fixture
def project(pod):
    return make_project(modalities=["video", "audio"], pods=[pod])


@pytest.fixture
def ops():
    return make_person(Role.OPS_MANAGER, username="olga")


def api_as(person) -> APIClient:
    api = APIClient()
    api.force_authenticate(person)
    return api


def url(project) -> str:
    return f"/api/v1/projects/{project.pk}/import/"


def jsonl(records) -> bytes:
    return "\n".join(json.dumps(record) for record in records).encode()


class TestInlineImport:
    def test_a_json_array_is_imported_and_answered_with_the_report(self, project, ops):
        records = [
            make_import_record("dp-1", annotators={"video": "olga"}),
            make_import_record("dp-2"),
        ]

        response = api_as(ops).post(url(project), records, format="json")

        assert response.status_code == 200
        assert response.json() == {
            "created": 2,
            "existing": 0,
            "rejected": 0,
            "tasks": 1,
            "annotations": 1,
            "errors": [],
            "error_count": 0,
        }
        assert DataPoint.objects.filter(project=project).count() == 2
        assert Task.objects.get(datapoint__external_id="dp-1").is_imported

    @pytest.mark.parametrize(
        "content_type", ["application/x-ndjson", "text/plain", "application/json"]
    )
    def test_json_lines_are_taken_whatever_the_content_type(self, project, ops, content_type):
        body = jsonl([make_import_record("dp-1"), make_import_record("dp-2")])

        response = api_as(ops).post(url(project), body, content_type=content_type)

        assert response.status_code == 200
        assert response.json()["created"] == 2

    def test_a_file_in_a_multipart_form_is_imported(self, project, ops):
        upload = SimpleUploadedFile("points.jsonl", jsonl([make_import_record("dp-1")]))

        response = api_as(ops).post(url(project), {"file": upload}, format="multipart")

        assert response.status_code == 200
        assert response.json()["created"] == 1

    def test_a_multipart_form_without_a_file_is_a_400_naming_it(self, project, ops):
        response = api_as(ops).post(url(project), {"other": "x"}, format="multipart")

        assert response.status_code == 400
        assert "file" in response.json()

    def test_rejected_lines_are_listed_and_the_rest_imported(self, project, ops):
        bad = make_import_record("dp-2")
        bad["streams"][1]["offset_ms"] = "late"
        body = jsonl([make_import_record("dp-1"), bad]) + b"\n{oops\n"

        response = api_as(ops).post(url(project), body, content_type="application/x-ndjson")

        assert response.status_code == 200
        report = response.json()
        assert (report["created"], report["rejected"]) == (1, 2)
        assert [(e["line"], e["external_id"], e["field"]) for e in report["errors"]] == [
            (2, "dp-2", "streams[1].offset_ms"),
            (3, None, "record"),
        ]

    def test_sending_the_same_body_again_changes_nothing(self, project, ops):
        body = jsonl([make_import_record("dp-1"), make_import_record("dp-2")])
        api_as(ops).post(url(project), body, content_type="application/x-ndjson")

        response = api_as(ops).post(url(project), body, content_type="application/x-ndjson")

        assert response.status_code == 200
        assert (response.json()["created"], response.json()["existing"]) == (0, 2)
        assert DataPoint.objects.filter(project=project).count() == 2

    @pytest.mark.parametrize(
        "body",
        [
            b"this is not JSON at all",
            b"",
            b"\x89PNG\r\n\x1a\n\x00\x00binary",
            b'[{"external_id": 1}]',
        ],
        ids=["prose", "empty", "binary", "no-valid-record"],
    )
    def test_a_body_without_any_usable_data_point_is_a_400_with_the_errors(
        self, project, ops, body
    ):
        response = api_as(ops).post(url(project), body, content_type="application/json")

        assert response.status_code == 400
        report = response.json()
        assert report["created"] == 0 and report["errors"]
        assert {"line", "external_id", "field", "reason"} <= report["errors"][0].keys()
        assert not DataPoint.objects.filter(project=project).exists()


def _persona(role_name, project, pod):
    if role_name == "ops_manager":
        return make_person(Role.OPS_MANAGER)
    if role_name == "pod_lead":
        return pod.members.get(is_lead=True).person
    if role_name == "pod_specialist":
        return pod.members.filter(is_lead=False).first().person
    if role_name == "specialist_elsewhere":
        return make_person(Role.SPECIALIST, skills=[("video", "senior")])
    if role_name == "viewer_of_the_client":
        return make_person(Role.CLIENT_VIEWER, client=project.client)
    if role_name == "viewer_of_another_client":
        return make_person(Role.CLIENT_VIEWER, client=make_client())
    raise AssertionError(role_name)


@pytest.mark.parametrize(
    "role_name, expected",
    [
        ("ops_manager", 200),
        ("pod_lead", 403),
        ("pod_specialist", 403),
        ("viewer_of_the_client", 403),
        ("specialist_elsewhere", 404),
        ("viewer_of_another_client", 404),
    ],
)
def test_only_operations_managers_import_and_others_do_not_learn_of_hidden_projects(
    project, pod, role_name, expected
):
    person = _persona(role_name, project, pod)

    response = api_as(person).post(url(project), [make_import_record("dp-1")], format="json")

    assert response.status_code == expected
    assert DataPoint.objects.filter(project=project).exists() is (expected == 200)


def test_an_anonymous_caller_is_refused(project):
    response = APIClient().post(url(project), [make_import_record()], format="json")

    assert response.status_code in (401, 403)


class TestImportAsJob:
    @pytest.fixture(autouse=True)
    def _small_inline_limit(self, settings, tmp_path):
        settings.SYNCPOD_IMPORT_INLINE_MAX_BYTES = 200
        settings.MEDIA_ROOT = str(tmp_path)

    def test_a_large_body_runs_as_a_job_that_ends_done_with_the_report(
        self, project, ops, tmp_path, django_capture_on_commit_callbacks
    ):
        records = [make_import_record(f"dp-{n}", annotators={"audio": "olga"}) for n in range(3)]
        records.append({"external_id": "broken"})
        body = jsonl(records)

        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(ops).post(url(project), body, content_type="application/x-ndjson")

        assert response.status_code == 202
        job = Job.objects.get(pk=response.json()["job"])
        assert response.json()["status_url"] == f"/api/v1/jobs/{job.pk}/"
        assert (job.kind, job.project, job.created_by) == ("import", project, ops)
        assert job.status == JobStatus.DONE
        assert (job.done, job.total) == (len(body), len(body))
        assert job.finished_at is not None
        assert job.result["created"] == 3 and job.result["annotations"] == 3
        assert job.result["errors"] == [
            {
                "line": 4,
                "external_id": "broken",
                "field": "streams",
                "reason": "must be a non-empty array of streams",
            }
        ]
        assert DataPoint.objects.filter(project=project).count() == 3
        assert not any(path.is_file() for path in tmp_path.rglob("*")), "upload kept after success"

    def test_a_large_multipart_file_runs_as_a_job_too(
        self, project, ops, django_capture_on_commit_callbacks
    ):
        upload = SimpleUploadedFile(
            "big.json", json.dumps([make_import_record() for _ in range(4)]).encode()
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(ops).post(url(project), {"file": upload}, format="multipart")

        assert response.status_code == 202
        job = Job.objects.get(pk=response.json()["job"])
        assert job.status == JobStatus.DONE and job.result["created"] == 4
        assert job.payload["filename"] == "big.json"

    def test_the_job_is_only_dispatched_once_the_request_commits(
        self, project, ops, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = api_as(ops).post(
                url(project),
                jsonl([make_import_record() for _ in range(3)]),
                content_type="text/plain",
            )

        assert response.status_code == 202
        assert Job.objects.get().status == JobStatus.QUEUED
        assert len(callbacks) == 1

    def test_a_large_body_that_is_not_json_is_a_400_without_a_job(self, project, ops):
        response = api_as(ops).post(url(project), b"x" * 1000, content_type="application/json")

        assert response.status_code == 400
        assert not Job.objects.exists()


def test_the_import_endpoint_is_described_in_the_schema_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(
        patterns=[path("api/v1/projects/<int:pk>/import/", ProjectImportView.as_view())]
    )

    schema = generator.get_schema(request=None, public=True)

    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    operation = schema["paths"]["/api/v1/projects/{id}/import/"]["post"]
    assert {"application/json", "application/x-ndjson", "multipart/form-data"} <= set(
        operation["requestBody"]["content"]
    )
    assert {"200", "202", "400", "403", "404"} <= set(operation["responses"])
