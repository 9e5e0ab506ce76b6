import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from common.errors import DomainError
from pods.models import PodMember, Role
from tasks.models import Task, TaskStatus, TaskTransition
from tasks.services.lifecycle import (
    task_claim_next,
    task_reassign,
    task_release,
    task_submit,
    tasks_release_stale,
)
from tasks.signals import datapoint_submitted
from tests.factories import make_datapoint, make_person, make_pod, make_project

MODALITIES = ["video", "audio"]


def queued_project(*, datapoints: int, per_modality: int = 1):
    pod = make_pod(MODALITIES, per_modality=per_modality)
    project = make_project(modalities=MODALITIES, pods=[pod])
    for _ in range(datapoints):
        point = make_datapoint(project, pod=pod)
        for modality in MODALITIES:
            Task.objects.create(datapoint=point, modality=modality, pod=pod)
    return project, pod


def specialist_of(pod, modality):
    return PodMember.objects.filter(pod=pod, modality=modality, is_lead=False).first().person


@pytest.mark.django_db
class TestTaskClaimNext:
    def test_a_specialist_claims_a_task_of_their_modality_and_it_is_started(self):
        project, pod = queued_project(datapoints=2)
        person = specialist_of(pod, "audio")

        task = task_claim_next(specialist=person, project=project)

        assert (task.modality, task.assignee, task.status) == ("audio", person, "in_progress")
        assert TaskTransition.objects.get(task=task).to_status == TaskStatus.IN_PROGRESS

    def test_their_own_assigned_task_comes_before_the_queue(self):
        project, pod = queued_project(datapoints=3)
        person = specialist_of(pod, "video")
        mine = Task.objects.filter(modality="video").last()
        mine.assignee, mine.status = person, TaskStatus.ASSIGNED
        mine.save()

        assert task_claim_next(specialist=person, project=project) == mine

    def test_data_points_the_pod_is_already_working_on_come_first(self):
        project, pod = queued_project(datapoints=5)
        audio_task = Task.objects.filter(modality="audio").last()
        audio_task.assignee = specialist_of(pod, "audio")
        audio_task.status = TaskStatus.IN_PROGRESS
        audio_task.save()

        task = task_claim_next(specialist=specialist_of(pod, "video"), project=project)

        assert task.datapoint_id == audio_task.datapoint_id

    def test_nothing_left_answers_none(self):
        project, pod = queued_project(datapoints=1)
        person = specialist_of(pod, "audio")
        task_submit(actor=person, task=task_claim_next(specialist=person, project=project))

        assert task_claim_next(specialist=person, project=project) is None

    def test_a_specialist_never_gets_a_second_copy_of_the_same_data_point(self):
        project, pod = queued_project(datapoints=1)
        point = Task.objects.first().datapoint
        Task.objects.create(datapoint=point, modality="audio", pod=pod, copy=1)
        person = specialist_of(pod, "audio")

        first = task_claim_next(specialist=person, project=project)
        second = task_claim_next(specialist=person, project=project)

        assert first is not None
        assert second is None

    def test_capacity_stops_claims_with_a_clear_message(self):
        project, pod = queued_project(datapoints=3)
        person = specialist_of(pod, "audio")
        person.capacity = 1
        person.save()
        task_claim_next(specialist=person, project=project)

        with pytest.raises(DomainError, match="capacity"):
            task_claim_next(specialist=person, project=project)


@pytest.mark.django_db
class TestTaskSubmitAndRelease:
    def test_submitting_the_last_task_signals_that_the_data_point_is_ready(
        self, django_capture_on_commit_callbacks
    ):
        project, pod = queued_project(datapoints=1)
        received = []

        def receiver(sender, datapoint_ids, **kwargs):
            received.extend(datapoint_ids)

        datapoint_submitted.connect(receiver)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                for modality in MODALITIES:
                    person = specialist_of(pod, modality)
                    task = task_claim_next(specialist=person, project=project)
                    task_submit(actor=person, task=task)
                    if modality == MODALITIES[0]:
                        assert received == []
        finally:
            datapoint_submitted.disconnect(receiver)

        assert received == [Task.objects.first().datapoint_id]

    def test_only_the_assignee_submits(self):
        project, pod = queued_project(datapoints=1)
        task = task_claim_next(specialist=specialist_of(pod, "audio"), project=project)

        with pytest.raises(DomainError):
            task_submit(actor=specialist_of(pod, "video"), task=task)

        task.refresh_from_db()
        assert task.status == TaskStatus.IN_PROGRESS

    def test_a_released_task_returns_to_the_queue_for_someone_else(self):
        project, pod = queued_project(datapoints=1, per_modality=2)
        first, second = (m.person for m in PodMember.objects.filter(pod=pod, modality="audio"))
        task = task_claim_next(specialist=first, project=project)

        task_release(actor=first, task=task)

        assert task_claim_next(specialist=second, project=project) == task

    def test_the_pod_lead_reassigns_to_a_specialist_of_the_same_modality(self):
        project, pod = queued_project(datapoints=1, per_modality=2)
        lead = PodMember.objects.get(pod=pod, is_lead=True).person
        first, second = (
            m.person for m in PodMember.objects.filter(pod=pod, modality="audio", is_lead=False)
        )
        task = task_claim_next(specialist=first, project=project)

        task_reassign(actor=lead, task=task, to=second)

        task.refresh_from_db()
        assert (task.assignee, task.status) == (second, TaskStatus.ASSIGNED)
        outsider = make_person(Role.SPECIALIST, skills=[("audio", "senior")])
        with pytest.raises(DomainError) as error:
            task_reassign(actor=lead, task=task, to=outsider)
        assert error.value.field == "assignee"

    def test_stale_tasks_and_tasks_of_people_who_left_go_back_to_the_queue(self):
        project, pod = queued_project(datapoints=2, per_modality=2)
        fresh_person, away = (m.person for m in PodMember.objects.filter(pod=pod, modality="audio"))
        kept = task_claim_next(specialist=fresh_person, project=project)
        dropped = task_claim_next(specialist=away, project=project)
        away.is_available = False
        away.save()
        stale = task_claim_next(specialist=specialist_of(pod, "video"), project=project)
        Task.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(days=2))

        released = tasks_release_stale(older_than=timedelta(hours=24))

        assert sorted(released) == sorted([dropped.pk, stale.pk])
        kept.refresh_from_db()
        assert kept.status == TaskStatus.IN_PROGRESS
        assert Task.objects.get(pk=dropped.pk).assignee is None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_32_specialists_claiming_at_once_never_receive_the_same_task():
    pod = make_pod(["audio"], per_modality=32)
    project = make_project(modalities=["audio"], pods=[pod])
    for _ in range(40):
        point = make_datapoint(project, pod=pod)
        Task.objects.create(datapoint=point, modality="audio", pod=pod)
    people = [m.person for m in PodMember.objects.filter(pod=pod, is_lead=False)]
    assert len(people) == 32
    barrier = threading.Barrier(len(people))
    claimed: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def claim(person):
        try:
            barrier.wait()
            got = []
            while (task := task_claim_next(specialist=person, project=project)) is not None:
                got.append(task.pk)
                task_submit(actor=person, task=task)
            claimed[person.pk] = got
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    handed_out = [task_id for got in claimed.values() for task_id in got]
    assert len(handed_out) == len(set(handed_out)) == 40
    assert Task.objects.filter(status=TaskStatus.SUBMITTED).count() == 40
    assert TaskTransition.objects.filter(to_status=TaskStatus.IN_PROGRESS).count() == 40
