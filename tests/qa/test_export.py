"""The adjudicated export (API and management command) and rule feedback, over the
API tests' persona world (tests/api/conftest.py): project A belongs to client A."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pods.selectors import person_pseudonym
from qa.models import Escalation, EscalationFinding, Finding, ResolutionOutcome
from qa.services import datapoints_validate
from tests.api.conftest import PERSONAS
from tests.factories import make_annotation, make_datapoint, make_task

pytestmark = pytest.mark.django_db

EXPORTS = {"ops_manager", "client_viewer"}
SEES_PROJECT_A = {"ops_manager", "pod_lead", "specialist", "expert", "client_viewer"}


def _export(api, project):
    response = api.get(f"/api/v1/projects/{project.pk}/export/")
    if response.status_code != 200:
        return response, []
    body = b"".join(response.streaming_content).decode()
    return response, [json.loads(line) for line in body.splitlines()]


def _spoil(world) -> Finding:
    audio = make_task(world.datapoint_a, "audio", world["expert"])
    make_annotation(audio, label="dog", entity="e1", start_ms=400.0, end_ms=1400.0)
    datapoints_validate(datapoint_ids=[world.datapoint_a.pk])
    return Finding.objects.get(datapoint=world.datapoint_a)


class TestExportApi:
    @pytest.mark.parametrize("role", PERSONAS)
    def test_operations_and_the_clients_viewers_export(self, world, api_as, role):
        response, lines = _export(api_as(world[role]), world.project_a)

        if role in EXPORTS:
            assert response.status_code == 200
            assert response["Content-Type"] == "application/x-ndjson"
            assert [line["external_id"] for line in lines] == [world.datapoint_a.external_id]
        else:
            assert response.status_code == (403 if role in SEES_PROJECT_A else 404)

    def test_a_line_holds_streams_annotations_and_findings_with_their_resolution(
        self, world, api_as
    ):
        finding = _spoil(world)
        escalation = Escalation.objects.create(
            datapoint=world.datapoint_a,
            project=world.project_a,
            modality_a="audio",
            modality_b="video",
            expert=world["expert"],
            status="resolved",
            due_at=finding.created_at,
            claimed_at=finding.created_at,
            resolved_at=finding.created_at,
            note="Audio onset is genuinely late: the microphone lags.",
        )
        EscalationFinding.objects.create(
            escalation=escalation, finding=finding, outcome=ResolutionOutcome.ACCEPTED
        )

        _, [line] = _export(api_as(world["ops_manager"]), world.project_a)

        assert {s["key"] for s in line["streams"]} == {"video-main", "audio-main"}
        assert sorted(a["annotator"] for a in line["annotations"]) == ["eve", "sam"]
        [exported] = line["findings"]
        assert exported["check"] == "boundary_offset"
        assert exported["outcome"] == "accepted"
        assert exported["note"] == "Audio onset is genuinely late: the microphone lags."
        assert exported["annotations"] == sorted(
            finding.links.values_list("annotation_id", flat=True)
        )

    def test_client_viewers_get_annotators_pseudonymised(self, world, api_as):
        _, [line] = _export(api_as(world["client_viewer"]), world.project_a)

        assert [a["annotator"] for a in line["annotations"]] == [
            person_pseudonym(world["specialist"].pk)
        ]

    def test_the_export_costs_the_same_queries_for_many_data_points(self, world, api_as):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                _export(api_as(world["ops_manager"]), world.project_a)
            return len(queries)

        few = count()
        for _ in range(15):
            point = make_datapoint(world.project_a, pod=world.pod_a)
            make_annotation(make_task(point, "video", world["specialist"]))

        assert count() == few


class TestExportCommand:
    def test_the_command_writes_one_line_per_data_point(self, world, tmp_path):
        make_datapoint(world.project_a, pod=world.pod_a)
        out = tmp_path / "export.jsonl"

        call_command("export_adjudicated", str(world.project_a.pk), "--out", str(out))

        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(lines) == 2
        assert lines[0]["annotations"][0]["annotator"] == "sam"

    def test_the_command_can_pseudonymise(self, world, tmp_path):
        out = tmp_path / "export.jsonl"

        call_command(
            "export_adjudicated", world.project_a.name, "--out", str(out), "--pseudonymise"
        )

        line = json.loads(out.read_text())
        assert line["annotations"][0]["annotator"].startswith("annotator-")


class TestRuleFeedback:
    def _resolve_many(self, world, outcomes: list[str]) -> None:
        """One resolved escalation per outcome, each on a fresh spoilt data point."""
        expert = world["expert"]
        for outcome in outcomes:
            point = make_datapoint(world.project_a, pod=world.pod_a)
            make_annotation(make_task(point, "video", world["specialist"]), entity="e1")
            audio = make_task(point, "audio", expert)
            make_annotation(audio, entity="e1", start_ms=400.0, end_ms=1400.0)
            datapoints_validate(datapoint_ids=[point.pk])
            finding = Finding.objects.get(datapoint=point)
            escalation = Escalation.objects.create(
                datapoint=point,
                project=world.project_a,
                modality_a="audio",
                modality_b="video",
                expert=expert,
                status="resolved",
                due_at=finding.created_at,
                claimed_at=finding.created_at,
                resolved_at=finding.created_at,
                note="n",
            )
            EscalationFinding.objects.create(
                escalation=escalation, finding=finding, outcome=outcome
            )

    @pytest.mark.parametrize(
        "dismissed, to_tune", [(3, False), (4, True)], ids=["at the share", "above the share"]
    )
    def test_a_check_dismissed_more_than_the_share_is_flagged_to_tune(
        self, world, api_as, settings, dismissed, to_tune
    ):
        settings.SYNCPOD_RULE_TUNE_DISMISSAL_SHARE = 0.3
        settings.SYNCPOD_RULE_TUNE_MIN_SAMPLE = 10
        self._resolve_many(world, ["dismissed"] * dismissed + ["fixed"] * (10 - dismissed))

        response = api_as(world["ops_manager"]).get(
            f"/api/v1/projects/{world.project_a.pk}/rule-feedback/"
        )

        assert response.status_code == 200
        [row] = response.json()
        assert (row["check"], row["resolved"], row["dismissed"]) == (
            "boundary_offset",
            10,
            dismissed,
        )
        assert row["dismissal_rate"] == pytest.approx(dismissed / 10)
        assert row["to_tune"] is to_tune

    def test_too_few_resolutions_are_never_flagged(self, world, api_as, settings):
        settings.SYNCPOD_RULE_TUNE_MIN_SAMPLE = 10
        self._resolve_many(world, ["dismissed"] * 3)

        [row] = (
            api_as(world["ops_manager"])
            .get(f"/api/v1/projects/{world.project_a.pk}/rule-feedback/")
            .json()
        )

        assert row["dismissal_rate"] == 1.0
        assert row["to_tune"] is False

    @pytest.mark.parametrize("role, status", [("pod_lead", 403), ("outsider", 404)])
    def test_only_operations_read_rule_feedback(self, world, api_as, role, status):
        response = api_as(world[role]).get(f"/api/v1/projects/{world.project_a.pk}/rule-feedback/")

        assert response.status_code == status
