import pytest

from common.errors import DomainError
from pods.models import PodMember, Role
from pods.services import pod_create, pod_member_add
from tasks.models import DataPoint, Task, TaskStatus, TaskTransition
from tasks.services.projects import project_update
from tasks.services.routing import project_route
from tests.factories import make_client, make_datapoint, make_person, make_pod, make_project

pytestmark = pytest.mark.django_db

MODALITIES = ["video", "audio", "pointcloud", "text"]


def routed_project(pods_modalities, *, datapoints=6, per_modality=2, **project_fields):
    client = make_client()
    pods = [make_pod(modalities, per_modality=per_modality) for modalities in pods_modalities]
    project = make_project(client=client, modalities=MODALITIES, pods=pods)
    if project_fields:
        project_update(project=project, **project_fields)
    points = [make_datapoint(project) for _ in range(datapoints)]
    return project, pods, points


class TestProjectRoute:
    def test_all_modality_tasks_of_a_data_point_land_in_one_pod(self):
        project, _, points = routed_project([MODALITIES, MODALITIES], datapoints=10)

        report = project_route(project=project)

        assert report.routed == 10
        for point in points:
            pods = set(Task.objects.filter(datapoint=point).values_list("pod_id", flat=True))
            modalities = sorted(
                Task.objects.filter(datapoint=point).values_list("modality", flat=True)
            )
            assert len(pods) == 1
            assert modalities == sorted(MODALITIES)
            point.refresh_from_db()
            assert point.pod_id in pods

    def test_a_pod_lacking_a_modality_is_never_picked(self):
        project, (full, partial), _ = routed_project(
            [MODALITIES, ["video", "audio", "text"]], datapoints=8
        )

        report = project_route(project=project)

        assert set(Task.objects.values_list("pod_id", flat=True)) == {full.pk}
        assert report.not_routable == {partial.name: ["pointcloud"]}

    def test_routing_refuses_clearly_when_no_pod_covers_the_project(self):
        project, _, _ = routed_project([["video", "audio"]], datapoints=2)

        with pytest.raises(DomainError) as error:
            project_route(project=project)

        assert error.value.field == "pods"
        assert not Task.objects.exists()

    def test_load_is_balanced_across_pods_and_specialists(self):
        project, pods, _ = routed_project([MODALITIES, MODALITIES], datapoints=20)

        project_route(project=project)

        per_pod = [DataPoint.objects.filter(pod=pod).count() for pod in pods]
        assert per_pod == [10, 10]
        audio_people = PodMember.objects.filter(pod=pods[0], modality="audio")
        counts = [Task.objects.filter(assignee=m.person).count() for m in audio_people]
        assert counts == [5, 5]

    def test_overlap_copies_of_a_calibration_item_go_to_distinct_specialists(self):
        project, _, points = routed_project([MODALITIES], datapoints=3, overlap=2)
        DataPoint.objects.filter(pk__in=[p.pk for p in points]).update(is_calibration=True)

        project_route(project=project)

        for point in points:
            for modality in MODALITIES:
                assignees = list(
                    Task.objects.filter(datapoint=point, modality=modality).values_list(
                        "assignee_id", flat=True
                    )
                )
                assert len(assignees) == 2
                assert len(set(assignees)) == 2

    def test_skill_rules_keep_juniors_off_pointcloud(self):
        project, (pod,), _ = routed_project(
            [MODALITIES],
            datapoints=4,
            rules={"routing": {"min_level": {"pointcloud": "expert"}}},
        )
        expert = make_person(skills=[("pointcloud", "expert")])
        pod_member_add(pod=pod, person=expert, modality="pointcloud")

        project_route(project=project)

        pointcloud = Task.objects.filter(modality="pointcloud")
        assert set(pointcloud.values_list("assignee_id", flat=True)) == {expert.pk}

    def test_a_pod_of_another_client_is_never_used(self):
        project, (own,), _ = routed_project([MODALITIES], datapoints=3)
        foreign = make_pod(MODALITIES, client=make_client())
        project.pods.add(foreign)

        project_route(project=project)

        assert set(Task.objects.values_list("pod_id", flat=True)) == {own.pk}

    def test_tasks_beyond_capacity_wait_in_the_pod_queue(self):
        project, (pod,), _ = routed_project([MODALITIES], datapoints=5, per_modality=1)
        for member in PodMember.objects.filter(pod=pod):
            member.person.capacity = 2
            member.person.save()

        seats = PodMember.objects.filter(pod=pod).count()  # the lead also holds a video seat

        report = project_route(project=project)

        assert report.assigned == 2 * seats
        queued = Task.objects.filter(status=TaskStatus.UNASSIGNED, assignee=None).count()
        assert queued == report.queued == 20 - 2 * seats

    def test_routing_twice_routes_nothing_new_and_records_each_assignment(self):
        project, _, _ = routed_project([MODALITIES], datapoints=4)

        first = project_route(project=project)
        second = project_route(project=project)

        assert (first.routed, second.routed) == (4, 0)
        assert Task.objects.count() == 16
        assert TaskTransition.objects.filter(reason="routed").count() == 16

    def test_unavailable_specialists_get_no_work(self):
        project, (pod,), _ = routed_project([MODALITIES], datapoints=4)
        away = PodMember.objects.filter(pod=pod, modality="audio", is_lead=False).first().person
        away.is_available = False
        away.save()

        project_route(project=project)

        assert not Task.objects.filter(assignee=away).exists()

    def test_client_viewers_in_no_pod_are_never_routed_work(self):
        project, _, _ = routed_project([MODALITIES], datapoints=2)
        pod_create(name="spare")

        project_route(project=project)

        roles = set(Task.objects.values_list("assignee__role", flat=True))
        assert Role.CLIENT_VIEWER not in roles


def test_routing_pinned_to_a_pod_sends_every_data_point_there():
    project, (_, second), _ = routed_project([MODALITIES, MODALITIES], datapoints=6)

    project_route(project=project, pod=second)

    assert set(Task.objects.values_list("pod_id", flat=True)) == {second.pk}


def test_routing_pinned_to_a_pod_that_lacks_a_modality_is_refused_naming_pod():
    project, (_, partial), _ = routed_project([MODALITIES, ["video", "audio"]], datapoints=2)

    with pytest.raises(DomainError) as error:
        project_route(project=project, pod=partial)

    assert error.value.field == "pod"
    assert "pointcloud" in error.value.message
