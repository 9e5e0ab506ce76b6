"""iteration_open, iteration_close, guideline_publish and the project snapshot."""

import pytest
from django.core.exceptions import PermissionDenied

from common.errors import DomainError
from metrics.models import CalibrationIteration, IterationStatus, ProjectQualitySnapshot
from metrics.services import guideline_publish, iteration_close, iteration_open, project_snapshot
from pods.models import Role
from qa.models import FindingStatus
from tasks.models import DataPoint, Task
from tests.factories import make_datapoint, make_person
from tests.metrics.conftest import add_finding, annotate, submit_all, validated


class TestIterationOpen:
    def test_opening_marks_the_batch_as_calibration_and_routes_two_copies_per_modality(self, scene):
        assert scene.iteration.number == 1
        assert scene.iteration.status == IterationStatus.OPEN
        assert set(scene.iteration.datapoints.values_list("pk", flat=True)) == {
            d.pk for d in scene.datapoints
        }
        assert (
            DataPoint.objects.filter(pk__in=[d.pk for d in scene.datapoints])
            .filter(is_calibration=True)
            .count()
            == 3
        )
        for modality in ("video", "audio"):
            tasks = scene.tasks(modality)
            assert len(tasks) == 6
            for dp in scene.datapoints:
                people = {t.assignee_id for t in tasks if t.datapoint_id == dp.pk}
                assert len(people) == 2

    def test_the_next_iteration_of_the_pod_gets_the_next_number(self, scene):
        more = [make_datapoint(scene.project).pk]
        iteration, _ = iteration_open(
            actor=scene.ops, project=scene.project, pod=scene.pod, datapoint_ids=more
        )
        assert iteration.number == 2

    def test_a_data_point_cannot_be_in_two_open_iterations(self, scene):
        with pytest.raises(DomainError) as error:
            iteration_open(
                actor=scene.lead,
                project=scene.project,
                pod=scene.pod,
                datapoint_ids=[scene.datapoints[0].pk],
            )
        assert error.value.field == "datapoints"

    def test_a_specialist_cannot_open_an_iteration(self, scene):
        specialist = scene.pod.members.filter(is_lead=False).first().person
        with pytest.raises(PermissionDenied):
            iteration_open(
                actor=specialist,
                project=scene.project,
                pod=scene.pod,
                datapoint_ids=[make_datapoint(scene.project).pk],
            )

    def test_an_overlap_of_one_is_refused(self, scene):
        with pytest.raises(DomainError) as error:
            iteration_open(
                actor=scene.ops,
                project=scene.project,
                pod=scene.pod,
                datapoint_ids=[make_datapoint(scene.project).pk],
                overlap=1,
            )
        assert error.value.field == "overlap"

    def test_data_points_of_another_project_are_refused(self, scene):
        from tests.factories import make_project

        other = make_datapoint(make_project())
        with pytest.raises(DomainError):
            iteration_open(
                actor=scene.ops, project=scene.project, pod=scene.pod, datapoint_ids=[other.pk]
            )


class TestIterationClose:
    def _annotate_scene(self, scene):
        video = scene.tasks("video")
        audio = scene.tasks("audio")
        # video: copies agree on dp0 and dp1, disagree on dp2
        labels = ["dog", "dog", "cat", "cat", "dog", "car"]
        for task, label in zip(video, labels, strict=True):
            annotate(task, label=label, attributes={"confidence": "high"})
        for task in audio:
            annotate(task, label="dog")
        submit_all(video + audio)
        return video, audio

    def test_closing_snapshots_alpha_per_modality_and_the_sync_error_rate(self, scene):
        video, _ = self._annotate_scene(scene)
        dp0, dp1, dp2 = scene.datapoints
        validated(dp0, dp1, dp2)
        add_finding(dp2, annotations=[a for t in video[4:] for a in t.annotations.all()])
        add_finding(dp1, status=FindingStatus.DISMISSED, check="label_conflict", kind="semantic")
        snapshot = iteration_close(actor=scene.lead, iteration=scene.iteration)
        figures = snapshot.figures
        scene.iteration.refresh_from_db()
        assert scene.iteration.status == IterationStatus.CLOSED
        assert scene.iteration.closed_at is not None
        # video tags: 3 units, (dog,dog) (cat,cat) (dog,car) → percent agreement 2/3
        assert figures["agreement"]["tags"]["video"]["percent_agreement"] == pytest.approx(
            0.6667, abs=1e-4
        )
        # audio: everyone says dog → alpha undefined, not 0
        assert figures["alpha_by_modality"]["audio"] is None
        assert figures["sync_errors"]["rate"] == pytest.approx(1 / 3, abs=1e-4)
        assert figures["sync_errors"]["by_type"] == {"temporal": pytest.approx(0.3333)}
        assert figures["sync_errors"]["dismissal_by_check"]["label_conflict"]["rate"] == 1.0
        assert figures["disagreement"][0]["datapoint_id"] == dp2.pk
        assert figures["batch"]["datapoints"] == 3

    def test_annotators_who_wrote_a_finding_carry_it_in_their_rate(self, scene):
        video, _ = self._annotate_scene(scene)
        validated(*scene.datapoints)
        add_finding(scene.datapoints[2], annotations=list(video[5].annotations.all()))
        figures = iteration_close(actor=scene.ops, iteration=scene.iteration).figures
        per = figures["sync_errors"]["by_annotator"]
        culprit = str(video[5].assignee_id)
        assert per[culprit]["with_findings"] == 1
        assert figures["annotators"][culprit]["sync_error_rate"] == per[culprit]["rate"]

    def test_an_iteration_closes_only_once(self, scene):
        iteration_close(actor=scene.lead, iteration=scene.iteration)
        with pytest.raises(DomainError):
            iteration_close(actor=scene.lead, iteration=scene.iteration)

    def test_closing_takes_a_fixed_handful_of_queries(self, scene, django_assert_max_num_queries):
        self._annotate_scene(scene)
        validated(*scene.datapoints)
        iteration = CalibrationIteration.objects.get(pk=scene.iteration.pk)
        with django_assert_max_num_queries(16):
            iteration_close(actor=scene.lead, iteration=iteration)

    def test_a_specialist_cannot_close_an_iteration(self, scene):
        specialist = scene.pod.members.filter(is_lead=False).first().person
        with pytest.raises(PermissionDenied):
            iteration_close(actor=specialist, iteration=scene.iteration)


class TestGuidelinePublish:
    def test_versions_count_up_and_the_next_iteration_starts_with_the_latest(self, scene):
        first = guideline_publish(actor=scene.lead, project=scene.project, body="# v1")
        second = guideline_publish(
            actor=scene.lead,
            project=scene.project,
            body="# v2",
            change_summary="Segment barks from onset.",
            motivating_checks=["boundary_offset"],
        )
        assert (first.version, second.version) == (1, 2)
        iteration_close(actor=scene.lead, iteration=scene.iteration)
        nxt, _ = iteration_open(
            actor=scene.lead,
            project=scene.project,
            pod=scene.pod,
            datapoint_ids=[make_datapoint(scene.project).pk],
        )
        second.refresh_from_db()
        assert nxt.guideline == second
        assert second.started_iteration == nxt

    def test_unknown_checks_are_refused(self, scene):
        with pytest.raises(DomainError) as error:
            guideline_publish(
                actor=scene.ops, project=scene.project, body="x", motivating_checks=["nope"]
            )
        assert error.value.field == "motivating_checks"

    def test_a_specialist_cannot_publish_guidelines(self, scene):
        with pytest.raises(PermissionDenied):
            guideline_publish(actor=make_person(Role.SPECIALIST), project=scene.project, body="x")


def test_the_project_snapshot_counts_dismissed_findings_out(scene):
    dp0, dp1, dp2 = scene.datapoints
    validated(dp0, dp1)
    add_finding(dp0)
    add_finding(dp1, status=FindingStatus.DISMISSED)
    add_finding(dp2)  # not validated: not in the rate
    snapshot = project_snapshot(project=scene.project)
    assert snapshot.figures["rate"] == 0.5
    assert snapshot.figures["validated"] == 2
    assert ProjectQualitySnapshot.objects.filter(project=scene.project).count() == 1


def test_the_periodic_job_snapshots_every_running_project(scene):
    from metrics.jobs import projects_snapshot

    result = projects_snapshot.delay().get()
    assert result["projects"] >= 1
    assert ProjectQualitySnapshot.objects.filter(project=scene.project).exists()


def test_routing_gave_tasks_only_to_the_pods_specialists(scene):
    pod_people = set(scene.pod.members.values_list("person_id", flat=True))
    assert set(Task.objects.values_list("assignee_id", flat=True)) <= pod_people
