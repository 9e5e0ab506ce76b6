import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from django.utils import timezone

from common.errors import DomainError
from qa.models import DataPointValidation, Finding, FindingStatus
from qa.services import datapoints_validate, project_validate
from tasks.models import JobStatus

pytestmark = pytest.mark.django_db


class Listener:
    """A channel in a data point's group, as the data-point socket would have. Its
    channel lives on one event loop of its own (in a thread): channel layers bind a
    channel to the loop that made it, and every async_to_sync call runs a new one."""

    def __init__(self, datapoint) -> None:
        self.layer = get_channel_layer()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(f"datapoint-{datapoint.pk}", self.channel))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=5)

    def receive(self) -> dict | None:
        try:
            return self._run(asyncio.wait_for(self.layer.receive(self.channel), timeout=0.5))
        except TimeoutError:
            return None


class TestDatapointsValidate:
    def test_a_master_clock_misalignment_is_written_as_a_finding(self, av):
        datapoint = av.datapoint(audio_offset=420)

        summary = datapoints_validate(datapoint_ids=[datapoint.pk])

        finding = Finding.objects.get(datapoint=datapoint)
        assert (finding.type, finding.check_code, finding.status) == (
            "temporal",
            "boundary_offset",
            "open",
        )
        assert finding.project_id == av.project.pk
        assert (finding.measured, finding.threshold) == (420, 100)
        assert (finding.modality_a, finding.modality_b, finding.entity) == (
            "audio",
            "video",
            "car-1",
        )
        assert set(finding.annotations.values_list("pk", flat=True)) == set(
            datapoint.tasks.values_list("annotations__pk", flat=True)
        )
        assert "car-1 starts 420 ms later in audio than in video" in finding.message
        assert (summary.datapoints, summary.annotations, summary.created) == (1, 2, 1)
        assert DataPointValidation.objects.get(datapoint=datapoint).finding_count == 1

    def test_raw_times_that_differ_but_agree_on_the_master_clock_give_no_finding(self, av):
        datapoint = av.datapoint(audio_offset=-500, audio_start=1500)

        summary = datapoints_validate(datapoint_ids=[datapoint.pk])

        assert summary.findings == 0
        assert not Finding.objects.exists()
        assert DataPointValidation.objects.get(datapoint=datapoint).finding_count == 0

    def test_revalidation_is_idempotent(self, av):
        datapoint = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        before = list(Finding.objects.values("pk", "key", "status", "updated_at"))

        again = datapoints_validate(datapoint_ids=[datapoint.pk])

        assert list(Finding.objects.values("pk", "key", "status", "updated_at")) == before
        assert (again.created, again.updated, again.fixed, again.findings) == (0, 0, 0, 1)
        assert Finding.objects.get().links.count() == 2

    def test_a_fixed_annotation_turns_its_finding_fixed_and_says_so(
        self, av, django_capture_on_commit_callbacks
    ):
        datapoint = av.datapoint(audio_start=1450)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        audio = av.audio_annotation(datapoint)
        audio.start_ms, audio.end_ms = 1010.0, 2010.0
        audio.save()
        listener = Listener(datapoint)

        with django_capture_on_commit_callbacks(execute=True):
            summary = datapoints_validate(datapoint_ids=[datapoint.pk])

        finding = Finding.objects.get()
        assert finding.status == FindingStatus.FIXED
        assert finding.resolved_at is not None
        assert summary.fixed == 1
        assert listener.receive() == {
            "type": "finding_resolved",
            "event": "finding.resolved",
            "payload": {"datapoint": datapoint.pk, "findings": [finding.pk], "status": "fixed"},
        }
        assert DataPointValidation.objects.get(datapoint=datapoint).finding_count == 0

    def test_a_new_finding_is_announced_to_the_data_point_on_commit(
        self, av, django_capture_on_commit_callbacks
    ):
        datapoint = av.datapoint(audio_offset=300)
        before_commit, after_commit = Listener(datapoint), Listener(datapoint)

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            datapoints_validate(datapoint_ids=[datapoint.pk])
        assert before_commit.receive() is None
        for callback in callbacks:
            callback()

        message = after_commit.receive()
        assert message["event"] == "finding.created"
        assert message["payload"]["findings"][0]["check"] == "boundary_offset"

    def test_a_dismissed_finding_stays_dismissed(self, av):
        datapoint = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        dismissed_at = timezone.now()
        Finding.objects.update(status=FindingStatus.DISMISSED, resolved_at=dismissed_at)

        datapoints_validate(datapoint_ids=[datapoint.pk])
        audio = av.audio_annotation(datapoint)
        audio.stream.offset_ms = 0
        audio.stream.save()
        datapoints_validate(datapoint_ids=[datapoint.pk])

        finding = Finding.objects.get()
        assert (finding.status, finding.resolved_at) == (FindingStatus.DISMISSED, dismissed_at)

    def test_a_fixed_finding_that_holds_again_is_reopened_not_duplicated(self, av):
        datapoint = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        Finding.objects.update(status=FindingStatus.FIXED, resolved_at=timezone.now())

        summary = datapoints_validate(datapoint_ids=[datapoint.pk])

        finding = Finding.objects.get()
        assert (finding.status, finding.resolved_at) == (FindingStatus.OPEN, None)
        assert summary.reopened == 1

    def test_changed_details_update_the_same_finding(self, av):
        datapoint = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        first = Finding.objects.get()
        audio = av.audio_annotation(datapoint)
        audio.stream.offset_ms = 250
        audio.stream.save()

        summary = datapoints_validate(datapoint_ids=[datapoint.pk])

        finding = Finding.objects.get()
        assert finding.pk == first.pk
        assert finding.measured == 250
        assert summary.updated == 1

    @pytest.mark.parametrize("count", [5, 50])
    def test_queries_per_chunk_do_not_grow_with_data_points_or_annotations(
        self, av, count, django_assert_max_num_queries
    ):
        ids = [av.datapoint(audio_offset=420 if n % 2 else 0).pk for n in range(count)]

        with django_assert_max_num_queries(12):
            datapoints_validate(datapoint_ids=ids)
        with django_assert_max_num_queries(12):
            datapoints_validate(datapoint_ids=ids)

        assert Finding.objects.count() == count // 2
        assert DataPointValidation.objects.count() == count


class TestProjectValidate:
    def test_chunks_run_as_jobs_once_the_caller_commits_and_report_on_the_job(
        self, av, django_capture_on_commit_callbacks
    ):
        ids = [av.datapoint(audio_offset=420 * (n % 2)).pk for n in range(5)]
        progress = []

        with django_capture_on_commit_callbacks(execute=True):
            job = project_validate(
                project=av.project, chunk_size=2, on_progress=lambda *p: progress.append(p)
            )

        job.refresh_from_db()
        assert (job.kind, job.status, job.done, job.total) == ("validate", JobStatus.DONE, 5, 5)
        assert job.result["datapoints"] == 5
        assert job.result["created"] == 2
        assert progress == [(2, 5), (4, 5), (5, 5)]
        assert DataPointValidation.objects.filter(datapoint_id__in=ids).count() == 5

    def test_nothing_is_dispatched_before_commit(self, av, django_capture_on_commit_callbacks):
        av.datapoint()

        with django_capture_on_commit_callbacks(execute=False):
            job = project_validate(project=av.project)

        job.refresh_from_db()
        assert (job.status, job.done) == (JobStatus.QUEUED, 0)
        assert not DataPointValidation.objects.exists()

    def test_in_process_runs_the_listed_data_points_only(self, av):
        first, second = av.datapoint(audio_offset=420), av.datapoint(audio_offset=420)

        job = project_validate(project=av.project, datapoint_ids=[second.pk], in_process=True)

        assert job.status == JobStatus.DONE
        assert list(Finding.objects.values_list("datapoint_id", flat=True)) == [second.pk]
        assert not DataPointValidation.objects.filter(datapoint=first).exists()

    def test_a_data_point_of_another_project_is_refused(self, av):
        from tests.factories import make_datapoint, make_project

        stranger = make_datapoint(make_project(modalities=["video"]))

        with pytest.raises(DomainError) as error:
            project_validate(project=av.project, datapoint_ids=[stranger.pk])

        assert error.value.field == "datapoints"

    def test_a_retried_chunk_is_counted_once(self, av):
        from qa.jobs import datapoints_validate as datapoints_validate_job

        datapoint = av.datapoint()
        job = project_validate(project=av.project, chunk_size=10, in_process=True)

        datapoints_validate_job.delay([datapoint.pk], job_id=job.pk)

        job.refresh_from_db()
        assert (job.done, job.total, job.result["datapoints"]) == (1, 1, 1)


class TestWhenAllTasksAreSubmitted:
    def test_the_data_point_is_validated_in_a_job_after_commit(
        self, av, django_capture_on_commit_callbacks
    ):
        from tasks.models import DataPoint
        from tasks.signals import datapoint_submitted

        datapoint = av.datapoint(audio_offset=420)

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            datapoint_submitted.send(sender=DataPoint, datapoint_ids=[datapoint.pk])
        assert not DataPointValidation.objects.exists()
        for callback in callbacks:
            callback()

        assert DataPointValidation.objects.get().finding_count == 1
