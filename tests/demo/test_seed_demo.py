"""`manage.py seed_demo` against a database: the cast a demo needs, written through
the services, and nothing duplicated when it runs again."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from demo.scenes.cast import PASSWORD, PEOPLE
from pods.models import Client, Person, Pod, PodMember, Role, Skill
from tasks.models import Annotation, DataPoint, Ontology, Project, Stream, Task
from tasks.selectors import datapoint_list_for_user, project_list_for_user

pytestmark = pytest.mark.django_db

MODELS = [Client, Person, Skill, Pod, PodMember, Ontology, Project, DataPoint, Stream, Task]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(datapoints: int = 9, seed: int = 3, calibration: int = 2) -> str:
    out = StringIO()
    call_command("seed_demo", datapoints=datapoints, seed=seed, calibration=calibration, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["Annotation"] = Annotation.objects.count()
    return counts


class TestSeedDemo:
    def test_it_creates_staff_in_every_role_and_three_pods_covering_their_projects(self):
        seed()

        assert set(Person.objects.values_list("role", flat=True)) == set(Role.values)
        assert Pod.objects.count() == 3
        for project in Project.objects.all():
            (pod,) = project.pods.all()
            covered = set(pod.members.values_list("modality", flat=True))
            assert set(project.modalities) <= covered
            assert pod.members.filter(is_lead=True).count() == 1

    def test_it_spreads_the_data_points_over_three_projects_with_their_injections(self):
        seed(datapoints=9, calibration=2)

        incoming = DataPoint.objects.filter(external_id__endswith="-incoming")
        everyday = DataPoint.objects.filter(is_calibration=False).exclude(pk__in=incoming)
        assert everyday.count() == 9
        assert DataPoint.objects.filter(is_calibration=True).count() == 3 * 4 * 2
        for project in Project.objects.all():
            assert everyday.filter(project=project).count() == 3
            assert project.rules["boundary_offset"] == {"tolerance_ms": 100}
            for datapoint in project.datapoints.all():
                assert datapoint.meta["scene"] and "injected" in datapoint.meta
        imported = Task.objects.exclude(datapoint__in=incoming)
        assert imported.filter(is_imported=True).count() == imported.count() > 0

    def test_fresh_data_points_arrive_routed_so_queues_have_work(self):
        seed(datapoints=9, calibration=2)

        incoming = DataPoint.objects.filter(external_id__endswith="-incoming")
        assert incoming.count() == 9
        for datapoint in incoming:
            tasks = Task.objects.filter(datapoint=datapoint)
            assert sorted(tasks.values_list("modality", flat=True)) == sorted(
                datapoint.project.modalities
            )
            assert set(tasks.values_list("pod", flat=True)) == {datapoint.pod_id} != {None}
            assert set(tasks.values_list("status", flat=True)) == {"assigned"}

    def test_running_it_twice_leaves_the_same_row_counts(self):
        seed()
        before = row_counts()

        output = seed()

        assert row_counts() == before
        assert "existing" in output

    def test_it_prints_a_login_for_every_account_with_the_demo_password(self):
        output = seed(datapoints=3)

        assert PASSWORD in output
        for person in PEOPLE:
            assert person.username in output
        assert "Data points with at least one sync error" in output
        assert "Closed calibration iterations" in output

    def test_every_account_logs_in_with_the_demo_password(self):
        seed(datapoints=0, calibration=0)

        for person in PEOPLE:
            assert authenticate(username=person.username, password=PASSWORD), person.username

    def test_a_client_viewer_never_sees_the_other_clients_projects(self):
        seed(datapoints=6)
        mobility, retail = (
            Person.objects.get(username=name) for name in ("ana.costa", "ben.harris")
        )

        mobility_projects = set(project_list_for_user(user=mobility))
        retail_projects = set(project_list_for_user(user=retail))

        assert mobility_projects and retail_projects
        assert not mobility_projects & retail_projects
        assert {dp.project.client for dp in datapoint_list_for_user(user=mobility)} == {
            mobility.client
        }
