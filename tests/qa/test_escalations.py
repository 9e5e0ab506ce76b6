"""Escalating cross-modal conflicts to experts: opening and routing, the expert
queue API (who sees what, claiming, resolving), overdue raising and the audit trail."""

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from pods.models import Person, Pod, Role
from pods.services import person_update
from qa.models import (
    Escalation,
    EscalationFinding,
    EscalationStatus,
    Finding,
    FindingStatus,
)
from qa.selectors_escalations import audit_trail_for_datapoint
from qa.services import datapoints_validate
from qa.services.escalations import (
    Outcome,
    escalation_claim,
    escalation_resolve,
    escalations_open,
    escalations_open_after_grace,
    escalations_raise_overdue,
)
from tasks.models import Annotation, DataPoint, Project, TaskStatus
from tests.factories import (
    make_annotation,
    make_client,
    make_datapoint,
    make_person,
    make_pod,
    make_project,
    make_task,
)

pytestmark = pytest.mark.django_db


@dataclass
class Conflict:
    """A video/audio project of client Acme worked by one pod, and experts: `eve`
    (video + audio), `ann` (audio only) and `max` (video + audio, busier)."""

    project: Project
    pod: Pod
    eve: Person
    ann: Person
    max: Person
    ops: Person

    def datapoint(self, *, audio_start: float = 1400.0, submitted: bool = True) -> DataPoint:
        """Entity car-1 at 1.0-2.0 s on video and from `audio_start` on audio: more
        than 100 ms apart is a boundary_offset error."""
        datapoint = make_datapoint(self.project, pod=self.pod)
        members = {m.modality: m.person for m in self.pod.members.filter(is_lead=False)}
        status = TaskStatus.SUBMITTED if submitted else TaskStatus.IN_PROGRESS
        video = make_task(datapoint, "video", members["video"], status=status)
        audio = make_task(datapoint, "audio", members["audio"], status=status)
        make_annotation(video, label="car", entity="car-1", start_ms=1000.0, end_ms=2000.0)
        make_annotation(
            audio, label="car", entity="car-1", start_ms=audio_start, end_ms=audio_start + 1000
        )
        return datapoint

    def escalated(self, **kwargs) -> Escalation:
        datapoint = self.datapoint(**kwargs)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        return escalations_open(datapoint_ids=[datapoint.pk])[0]


def _expert(username: str, *modalities: str) -> Person:
    return make_person(Role.EXPERT, username=username, skills=[(m, "expert") for m in modalities])


def build_conflict() -> Conflict:
    client = make_client("Acme")
    pod = make_pod(["video", "audio"], client=client)
    project = make_project(client=client, modalities=["video", "audio"], pods=[pod])
    world = Conflict(
        project=project,
        pod=pod,
        eve=_expert("eve", "video", "audio"),
        ann=_expert("ann", "audio"),
        max=_expert("max", "audio", "video"),
        ops=make_person(Role.OPS_MANAGER, username="olivia"),
    )
    return world


@pytest.fixture
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def conflict(_fast_passwords) -> Conflict:
    return build_conflict()


@pytest.fixture
def api_as():
    from rest_framework.test import APIClient

    def build(person):
        client = APIClient()
        client.force_authenticate(person)
        return client

    return build


class TestOpening:
    def test_open_findings_of_a_submitted_data_point_go_to_an_expert_of_the_pair(self, conflict):
        escalation = conflict.escalated()

        assert (escalation.modality_a, escalation.modality_b) == ("audio", "video")
        assert escalation.expert in (conflict.eve, conflict.max)
        assert escalation.status == EscalationStatus.OPEN
        finding = Finding.objects.get(datapoint=escalation.datapoint)
        assert list(escalation.findings.all()) == [finding]
        assert escalation.due_at - escalation.created_at == pytest.approx(
            timedelta(hours=24), abs=timedelta(seconds=5)
        )

    def test_opening_twice_makes_one_escalation(self, conflict):
        escalation = conflict.escalated()

        again = escalations_open(datapoint_ids=[escalation.datapoint_id])

        assert again == []
        assert Escalation.objects.filter(datapoint=escalation.datapoint).count() == 1

    def test_the_least_loaded_qualified_expert_gets_it(self, conflict):
        first = conflict.escalated()
        second = conflict.escalated()

        assert {first.expert, second.expert} == {conflict.eve, conflict.max}

    def test_one_batch_spreads_its_escalations_over_the_qualified_experts(self, conflict):
        points = [conflict.datapoint(), conflict.datapoint()]
        ids = [point.pk for point in points]
        datapoints_validate(datapoint_ids=ids)

        escalations = escalations_open(datapoint_ids=ids)

        assert {e.expert for e in escalations} == {conflict.eve, conflict.max}

    def test_an_unavailable_expert_is_not_routed_to(self, conflict):
        person_update(person=conflict.eve, is_available=False)

        assert conflict.escalated().expert == conflict.max

    def test_a_data_point_still_being_worked_is_not_escalated_until_the_grace_period(
        self, conflict
    ):
        datapoint = conflict.datapoint(submitted=False)
        datapoints_validate(datapoint_ids=[datapoint.pk])

        assert escalations_open(datapoint_ids=[datapoint.pk]) == []
        assert escalations_open_after_grace(grace=timedelta(hours=1)) == []
        later = timezone.now() + timedelta(hours=2)
        assert len(escalations_open_after_grace(grace=timedelta(hours=1), now=later)) == 1

    def test_the_expert_and_the_pod_lead_are_told(self, conflict, monkeypatch):
        sent = []
        monkeypatch.setattr(
            "qa.services.escalations.publish_many_on_commit", lambda messages: sent.extend(messages)
        )

        escalation = conflict.escalated()

        lead = conflict.pod.members.get(is_lead=True).person
        groups = {group for group, event, _ in sent if event == "escalation.assigned"}
        assert groups == {f"person-{escalation.expert_id}", f"person-{lead.pk}"}

    def test_submitting_the_last_task_validates_and_escalates(
        self, conflict, django_capture_on_commit_callbacks
    ):
        from tasks.services.lifecycle import task_submit

        datapoint = conflict.datapoint(submitted=False)
        last = datapoint.tasks.get(modality="audio")
        datapoint.tasks.filter(modality="video").update(status=TaskStatus.SUBMITTED)

        with django_capture_on_commit_callbacks(execute=True):
            task_submit(actor=last.assignee, task=last)

        escalation = Escalation.objects.get(datapoint=datapoint)
        assert escalation.findings.count() == 1


class TestOverdue:
    def test_overdue_escalations_are_raised_to_operations_once(self, conflict, monkeypatch):
        sent = []
        monkeypatch.setattr(
            "qa.services.escalations.publish_many_on_commit", lambda messages: sent.extend(messages)
        )
        escalation = conflict.escalated()
        later = escalation.due_at + timedelta(minutes=1)

        assert escalations_raise_overdue(now=escalation.due_at - timedelta(minutes=1)) == []
        assert escalations_raise_overdue(now=later) == [escalation.pk]
        assert escalations_raise_overdue(now=later) == []

        escalation.refresh_from_db()
        assert escalation.raised_at == later
        assert (f"person-{conflict.ops.pk}", "escalation.overdue") in {
            (group, event) for group, event, _ in sent
        }


class TestQueueApi:
    @pytest.mark.parametrize(
        "who, sees",
        [("eve", True), ("max", True), ("ops", True), ("ann", False), ("specialist", False)],
    )
    def test_only_experts_of_the_pair_and_operations_see_an_escalation(
        self, conflict, api_as, who, sees
    ):
        escalation = conflict.escalated()
        person = (
            conflict.pod.members.filter(is_lead=False).first().person
            if who == "specialist"
            else getattr(conflict, who)
        )

        listed = api_as(person).get("/api/v1/escalations/").json()["results"]
        detail = api_as(person).get(f"/api/v1/escalations/{escalation.pk}/")

        assert [row["id"] for row in listed] == ([escalation.pk] if sees else [])
        assert detail.status_code == (200 if sees else 404)

    def test_the_queue_costs_the_same_queries_however_long_it_is(self, conflict, api_as):
        from django.test.utils import CaptureQueriesContext

        conflict.escalated()

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert api_as(conflict.eve).get("/api/v1/escalations/").status_code == 200
            return len(queries)

        one = count()
        for _ in range(4):
            conflict.escalated()

        assert count() == one

    def test_a_client_viewer_cannot_see_or_claim_even_their_own_clients_escalation(
        self, conflict, api_as
    ):
        escalation = conflict.escalated()
        viewer = make_person(Role.CLIENT_VIEWER, client=conflict.project.client)

        response = api_as(viewer).post(f"/api/v1/escalations/{escalation.pk}/claim/")

        assert response.status_code == 404
        escalation.refresh_from_db()
        assert escalation.status == EscalationStatus.OPEN

    def test_an_expert_without_the_pair_cannot_claim(self, conflict, api_as):
        escalation = conflict.escalated()

        response = api_as(conflict.ann).post(f"/api/v1/escalations/{escalation.pk}/claim/")

        assert response.status_code == 404
        assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN

    def test_a_claim_hides_the_escalation_from_other_experts(self, conflict, api_as):
        escalation = conflict.escalated()

        claimed = api_as(conflict.eve).post(f"/api/v1/escalations/{escalation.pk}/claim/")
        seen_by_max = api_as(conflict.max).get(f"/api/v1/escalations/{escalation.pk}/")

        assert claimed.status_code == 200
        assert claimed.json()["status"] == "claimed"
        assert claimed.json()["expert"] == "eve"
        assert seen_by_max.status_code == 404


def _resolve(api, escalation, body):
    return api.post(f"/api/v1/escalations/{escalation.pk}/resolve/", body, format="json")


class TestResolve:
    @pytest.fixture
    def claimed(self, conflict) -> Escalation:
        escalation = conflict.escalated()
        return escalation_claim(expert=conflict.eve, escalation=escalation)

    def test_fixing_corrects_the_annotation_and_closes_the_finding(self, conflict, claimed, api_as):
        finding = claimed.findings.get()
        audio = Annotation.objects.get(task__datapoint=claimed.datapoint, task__modality="audio")

        response = _resolve(
            api_as(conflict.eve),
            claimed,
            {
                "outcomes": [{"finding": finding.pk, "outcome": "fixed"}],
                "corrections": [
                    {"annotation": audio.pk, "changes": {"start_ms": 1000.0, "end_ms": 2000.0}}
                ],
                "note": "The audio segment started late; aligned it to the engine onset.",
            },
        )

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "resolved"
        assert response.json()["findings"][0]["outcome"] == "fixed"
        audio.refresh_from_db()
        assert (audio.start_ms, audio.end_ms) == (1000.0, 2000.0)
        finding.refresh_from_db()
        assert finding.status == FindingStatus.FIXED
        assert datapoints_validate(datapoint_ids=[claimed.datapoint_id]).findings == 0

    @pytest.mark.parametrize(
        "outcome, status",
        [("accepted", FindingStatus.CONFIRMED), ("dismissed", FindingStatus.DISMISSED)],
    )
    def test_accepting_confirms_and_dismissing_dismisses_the_finding(
        self, conflict, claimed, api_as, outcome, status
    ):
        finding = claimed.findings.get()

        response = _resolve(
            api_as(conflict.eve),
            claimed,
            {"outcomes": [{"finding": finding.pk, "outcome": outcome}], "note": "Both fine."},
        )

        assert response.status_code == 200
        finding.refresh_from_db()
        assert finding.status == status
        assert escalations_open(datapoint_ids=[claimed.datapoint_id]) == []

    def _other_finding(self, conflict) -> Finding:
        other = conflict.datapoint()
        datapoints_validate(datapoint_ids=[other.pk])
        return Finding.objects.get(datapoint=other)

    @pytest.mark.parametrize(
        "case, field",
        [
            ("unknown outcome", "outcomes[0].outcome"),
            ("missing note", "note"),
            ("finding of another data point", "outcomes[1].finding"),
            ("a finding left out", "outcomes"),
            ("annotation of another data point", "corrections[0].annotation"),
        ],
    )
    def test_an_invalid_resolution_is_a_400_naming_the_field_and_changes_nothing(
        self, conflict, claimed, api_as, case, field
    ):
        finding = claimed.findings.get()
        audio = Annotation.objects.get(task__datapoint=claimed.datapoint, task__modality="audio")
        body = {
            "outcomes": [{"finding": finding.pk, "outcome": "fixed"}],
            "corrections": [{"annotation": audio.pk, "changes": {"start_ms": 1000.0}}],
            "note": "Aligned.",
        }
        if case == "unknown outcome":
            body["outcomes"][0]["outcome"] = "ignored"
        elif case == "missing note":
            body["note"] = "  "
        elif case == "finding of another data point":
            other = self._other_finding(conflict)
            body["outcomes"].append({"finding": other.pk, "outcome": "dismissed"})
        elif case == "a finding left out":
            body["outcomes"] = []
        else:
            other = Annotation.objects.exclude(task__datapoint=claimed.datapoint).first()
            other = other or Annotation.objects.get(
                task__datapoint=self._other_finding(conflict).datapoint, task__modality="audio"
            )
            body["corrections"][0]["annotation"] = other.pk

        response = _resolve(api_as(conflict.eve), claimed, body)

        assert response.status_code == 400
        assert field in response.json(), response.json()
        claimed.refresh_from_db()
        finding.refresh_from_db()
        audio.refresh_from_db()
        assert claimed.status == EscalationStatus.CLAIMED
        assert finding.status == FindingStatus.OPEN
        assert audio.start_ms == 1400.0
        assert set(EscalationFinding.objects.values_list("outcome", flat=True)) == {""}

    def test_an_invalid_correction_rolls_back_the_whole_resolution(self, conflict, claimed, api_as):
        finding = claimed.findings.get()
        audio = Annotation.objects.get(task__datapoint=claimed.datapoint, task__modality="audio")

        response = _resolve(
            api_as(conflict.eve),
            claimed,
            {
                "outcomes": [{"finding": finding.pk, "outcome": "fixed"}],
                "corrections": [{"annotation": audio.pk, "changes": {"end_ms": 10.0}}],
                "note": "Aligned.",
            },
        )

        assert response.status_code == 400
        assert any(key.startswith("corrections[0].") for key in response.json())
        finding.refresh_from_db()
        assert finding.status == FindingStatus.OPEN

    def test_dismissing_a_check_too_often_tells_operations_to_tune_its_rule(
        self, conflict, claimed, monkeypatch, settings
    ):
        settings.SYNCPOD_RULE_TUNE_MIN_SAMPLE = 1
        sent = []
        monkeypatch.setattr(
            "qa.services.escalations.publish_many_on_commit", lambda messages: sent.extend(messages)
        )

        escalation_resolve(
            expert=conflict.eve,
            escalation=claimed,
            outcomes=[Outcome(claimed.findings.get().pk, "dismissed")],
            note="The tolerance is too tight for this microphone.",
        )

        [(group, _, payload)] = [m for m in sent if m[1] == "rule.to_tune"]
        assert group == f"person-{conflict.ops.pk}"
        assert (payload["check"], payload["dismissal_rate"]) == ("boundary_offset", 1.0)

    def test_only_the_claiming_expert_resolves(self, conflict, claimed, api_as):
        finding = claimed.findings.get()

        response = _resolve(
            api_as(conflict.ops),
            claimed,
            {"outcomes": [{"finding": finding.pk, "outcome": "dismissed"}], "note": "No."},
        )

        assert response.status_code == 400
        assert "status" in response.json()
        assert Finding.objects.get(pk=finding.pk).status == FindingStatus.OPEN


class TestAuditTrail:
    def test_the_trail_shows_who_corrected_what_before_and_after(self, conflict, api_as):
        escalation = conflict.escalated()
        api_as(conflict.eve).post(f"/api/v1/escalations/{escalation.pk}/claim/")
        finding = escalation.findings.get()
        audio = Annotation.objects.get(task__datapoint=escalation.datapoint, task__modality="audio")
        _resolve(
            api_as(conflict.eve),
            escalation,
            {
                "outcomes": [{"finding": finding.pk, "outcome": "fixed"}],
                "corrections": [{"annotation": audio.pk, "changes": {"start_ms": 1000.0}}],
                "note": "Aligned.",
            },
        )

        trail = audit_trail_for_datapoint(user=conflict.ops, datapoint=escalation.datapoint)

        corrected = next(
            e for e in trail if e.subject == f"annotation {audio.pk}" and e.action == "changed"
        )
        assert corrected.who == "eve"
        assert ("start_ms", 1400.0, 1000.0) in {
            (c.field, c.before, c.after) for c in corrected.changes
        }
        finding_change = next(
            e for e in trail if e.subject == f"finding {finding.pk}" and e.action == "changed"
        )
        assert ("status", "open", "fixed") in {
            (c.field, c.before, c.after) for c in finding_change.changes
        }
        assert any(e.subject == f"escalation {escalation.pk}" and e.who == "eve" for e in trail)

    def test_a_specialists_own_edit_is_recorded_under_their_name(self, conflict):
        from tasks.services.annotations import annotation_update

        datapoint = conflict.datapoint(submitted=False)
        audio = Annotation.objects.get(task__datapoint=datapoint, task__modality="audio")

        annotation_update(actor=audio.task.assignee, annotation=audio, data={"label": "vehicle"})

        [entry] = [
            e
            for e in audit_trail_for_datapoint(user=conflict.ops, datapoint=datapoint)
            if e.action == "changed"
        ]
        assert entry.who == audio.task.assignee.username
        assert ("label", "car", "vehicle") in {(c.field, c.before, c.after) for c in entry.changes}

    def test_client_viewers_see_the_expert_pseudonymised_and_outsiders_see_nothing(self, conflict):
        escalation = conflict.escalated()
        escalation_claim(expert=conflict.eve, escalation=escalation)
        viewer = make_person(Role.CLIENT_VIEWER, client=conflict.project.client)
        stranger = make_person(Role.CLIENT_VIEWER, client=make_client())

        seen = audit_trail_for_datapoint(user=viewer, datapoint=escalation.datapoint)

        assert seen and all(e.who != "eve" for e in seen)
        assert audit_trail_for_datapoint(user=stranger, datapoint=escalation.datapoint) == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_experts_claiming_at_once_exactly_one_wins(_fast_passwords):
    client = make_client()
    pod = make_pod(["video", "audio"], client=client)
    project = make_project(client=client, modalities=["video", "audio"], pods=[pod])
    experts = [_expert(f"exp{i}", "video", "audio") for i in range(8)]
    ops = make_person(Role.OPS_MANAGER)
    world = Conflict(project, pod, experts[0], experts[1], experts[2], ops)
    escalation = world.escalated()
    barrier = threading.Barrier(len(experts))
    won: list[int] = []
    lost: list[str] = []
    errors: list[BaseException] = []

    def claim(expert):
        try:
            barrier.wait()
            try:
                escalation_claim(expert=expert, escalation=escalation)
                won.append(expert.pk)
            except Exception as exc:
                lost.append(str(exc))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(expert,)) for expert in experts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(won) == 1
    assert len(lost) == len(experts) - 1
    assert all("already claimed" in message for message in lost)
    assert Escalation.objects.get(pk=escalation.pk).expert_id == won[0]
