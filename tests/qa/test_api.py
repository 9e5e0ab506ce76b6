"""POST /api/v1/projects/{id}/validate/ and /api/v1/findings/, over the API tests'
persona world (tests/api/conftest.py): project A is worked by pod A, whose lead is
`pod_lead`; `outsider` and `other_viewer` belong to client B."""

import pytest
from django.utils import timezone

from pods.models import Role
from qa.models import Finding, FindingStatus
from qa.services import datapoints_validate
from tasks.models import Job, JobStatus
from tests.api.conftest import PERSONAS
from tests.factories import make_annotation, make_task

pytestmark = pytest.mark.django_db

CAN_VALIDATE = {"ops_manager", "pod_lead"}
SEES_PROJECT_A = {"ops_manager", "pod_lead", "specialist", "expert", "client_viewer"}


def _spoil(world) -> None:
    """Datapoint A's audio segment of e1 starts 400 ms after its video one."""
    audio = make_task(world.datapoint_a, "audio", world["expert"])
    make_annotation(audio, label="dog", entity="e1", start_ms=400.0, end_ms=1400.0)


def _validate(api, world, body=None):
    return api.post(f"/api/v1/projects/{world.project_a.pk}/validate/", body or {}, format="json")


class TestValidateEndpoint:
    @pytest.mark.parametrize("role", PERSONAS)
    def test_ops_managers_and_the_projects_pod_leads_validate(self, world, api_as, role):
        _spoil(world)

        response = _validate(api_as(world[role]), world)

        if role in CAN_VALIDATE:
            assert response.status_code == 200, response.content
            assert response.json()["created"] == 1
            assert response.json()["by_check"] == {"boundary_offset": 1}
        else:
            assert response.status_code == (403 if role in SEES_PROJECT_A else 404)
            assert not Finding.objects.exists()

    def test_listed_data_points_only(self, world, api_as):
        _spoil(world)

        response = _validate(
            api_as(world["ops_manager"]), world, {"datapoints": [world.datapoint_a.pk]}
        )

        assert response.status_code == 200
        assert response.json()["datapoints"] == 1

    def test_a_data_point_of_another_project_is_a_400_naming_the_field(self, world, api_as):
        response = _validate(
            api_as(world["ops_manager"]), world, {"datapoints": [world.datapoint_b.pk]}
        )

        assert response.status_code == 400
        assert "datapoints" in response.json()

    def test_a_big_selection_runs_as_a_job(
        self, world, api_as, settings, django_capture_on_commit_callbacks
    ):
        settings.SYNCPOD_VALIDATE_INLINE_MAX = 0
        _spoil(world)

        with django_capture_on_commit_callbacks(execute=True):
            response = _validate(api_as(world["pod_lead"]), world)

        assert response.status_code == 202
        job = Job.objects.get(pk=response.json()["job"])
        assert (job.kind, job.status, job.total, job.created_by) == (
            "validate",
            JobStatus.DONE,
            1,
            world["pod_lead"],
        )
        assert Finding.objects.filter(datapoint=world.datapoint_a).count() == 1


@pytest.fixture
def findings(world):
    _spoil(world)
    audio_b = make_task(
        world.datapoint_b, "audio", world.pod_b.members.get(modality="audio").person
    )
    make_annotation(audio_b, label="cat", entity="e1", start_ms=0.0, end_ms=1000.0)
    datapoints_validate(datapoint_ids=[world.datapoint_a.pk, world.datapoint_b.pk])
    return {
        "a": Finding.objects.get(datapoint=world.datapoint_a),
        "b": Finding.objects.get(datapoint=world.datapoint_b),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class TestFindingsEndpoint:
    @pytest.mark.parametrize("role", PERSONAS)
    def test_findings_are_visible_with_their_data_point_and_a_404_otherwise(
        self, world, api_as, findings, role
    ):
        api = api_as(world[role])
        sees = role in SEES_PROJECT_A

        assert (findings["a"].pk in _ids(api.get("/api/v1/findings/"))) is sees
        assert api.get(f"/api/v1/findings/{findings['a'].pk}/").status_code == (
            200 if sees else 404
        )

    def test_a_finding_shows_what_a_person_needs_to_act(self, world, api_as, findings):
        body = api_as(world["ops_manager"]).get(f"/api/v1/findings/{findings['a'].pk}/").json()

        assert body["check"] == "boundary_offset"
        assert body["type"] == "temporal"
        assert body["status"] == "open"
        assert (body["modality_a"], body["modality_b"]) == ("audio", "video")
        assert (body["measured"], body["threshold"]) == (400, 100)
        assert len(body["annotations"]) == 2
        assert "e1 starts 400 ms later in audio than in video" in body["message"]

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("project={a_project}", {"a"}),
            ("datapoint={b_datapoint}", {"b"}),
            ("type=temporal", {"a"}),
            ("type=semantic", {"b"}),
            ("check=label_conflict", {"b"}),
            ("status=open", {"a", "b"}),
            ("status=dismissed", set()),
            ("pod={a_pod}", {"a"}),
            ("modality=video", {"a", "b"}),
            ("modality=text", set()),
            ("modality_pair=video,audio", {"a", "b"}),
            ("modality_pair=audio|text", set()),
            ("severity=error", {"a", "b"}),
        ],
    )
    def test_filters(self, world, api_as, findings, query, expected):
        query = query.format(
            a_project=world.project_a.pk, b_datapoint=world.datapoint_b.pk, a_pod=world.pod_a.pk
        )

        got = _ids(api_as(world["ops_manager"]).get(f"/api/v1/findings/?{query}"))

        assert got == {findings[name].pk for name in expected}

    def test_status_filter_sees_dismissed_ones(self, world, api_as, findings):
        Finding.objects.filter(pk=findings["b"].pk).update(
            status=FindingStatus.DISMISSED, resolved_at=timezone.now()
        )

        got = _ids(api_as(world["ops_manager"]).get("/api/v1/findings/?status=dismissed"))

        assert got == {findings["b"].pk}

    def test_a_bad_modality_pair_is_a_400(self, world, api_as, findings):
        response = api_as(world["ops_manager"]).get("/api/v1/findings/?modality_pair=a,b,c")

        assert response.status_code == 400
        assert "modality_pair" in response.json()

    def test_the_list_is_paginated(self, world, api_as, findings):
        body = api_as(world["ops_manager"]).get("/api/v1/findings/?page_size=1").json()

        assert body["count"] == 2
        assert len(body["results"]) == 1
        assert body["next"]


class TestProjectRulesThroughTheApi:
    def test_a_negative_tolerance_is_a_400_naming_the_field(self, world, api_as):
        response = api_as(world["ops_manager"]).patch(
            f"/api/v1/projects/{world.project_a.pk}/",
            {"rules": {"boundary_offset": {"tolerance_ms": -5}}},
            format="json",
        )

        assert response.status_code == 400
        assert "rules.boundary_offset.tolerance_ms" in response.json()

    def test_an_iou_above_one_is_a_400_naming_the_field(self, world, api_as):
        response = api_as(world["ops_manager"]).patch(
            f"/api/v1/projects/{world.project_a.pk}/",
            {"rules": {"projection_iou": {"min_iou": 1.2}}},
            format="json",
        )

        assert response.status_code == 400
        assert "rules.projection_iou.min_iou" in response.json()


class TestAdmin:
    def test_findings_and_validations_have_admin_pages(self, world, findings, client):
        from tests.factories import make_person

        admin = make_person(Role.OPS_MANAGER)
        admin.is_staff = admin.is_superuser = True
        admin.save()
        client.force_login(admin)

        for url in (
            "/admin/qa/finding/",
            f"/admin/qa/finding/{findings['a'].pk}/change/",
            "/admin/qa/datapointvalidation/",
        ):
            assert client.get(url).status_code == 200, url
