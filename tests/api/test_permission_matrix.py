"""Who may do what, endpoint by endpoint and method by method.

`allowed` is whether the persona may do it. When they may not, the answer is a 403 if
they can see the object (or the list it would join), and a 404 if they cannot, so a
refusal never tells a stranger that an id exists.
"""

import pytest

from tests.api.conftest import PERSONAS
from tests.factories import make_job

pytestmark = pytest.mark.django_db

STAFF = {"ops_manager"}
POD_A = {"pod_lead", "specialist", "expert"}
SEES_CLIENT_A = STAFF | POD_A | {"client_viewer"}


def only(*groups: set[str]) -> list[tuple[str, bool]]:
    """Every persona, with whether one of the given groups holds them."""
    allowed = set().union(*groups)
    return [(persona, persona in allowed) for persona in PERSONAS]


def expected(allowed: bool, ok: int, *, visible: bool) -> int:
    if allowed:
        return ok
    return 403 if visible else 404


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class TestClients:
    @pytest.mark.parametrize("role, allowed", only(SEES_CLIENT_A))
    def test_a_client_is_visible_to_its_viewers_staff_and_the_pods_working_for_it(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])

        detail = api.get(f"/api/v1/clients/{world.client_a.pk}/")

        assert detail.status_code == (200 if allowed else 404)
        assert (world.client_a.pk in ids(api.get("/api/v1/clients/"))) is allowed

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_create_clients(self, world, api_as, role, allowed):
        response = api_as(world[role]).post("/api/v1/clients/", {"name": "Cobalt Labs"})

        assert response.status_code == (201 if allowed else 403)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_rename_clients(self, world, api_as, role, allowed):
        response = api_as(world[role]).patch(
            f"/api/v1/clients/{world.client_a.pk}/", {"name": "Acme AI"}
        )

        assert response.status_code == expected(allowed, 200, visible=role in SEES_CLIENT_A)

    @pytest.mark.parametrize("role", PERSONAS)
    def test_nobody_deletes_a_client_through_the_api(self, world, api_as, role):
        response = api_as(world[role]).delete(f"/api/v1/clients/{world.client_a.pk}/")

        assert response.status_code == 405


class TestPeople:
    @pytest.mark.parametrize("role, allowed", only(STAFF, POD_A))
    def test_a_specialist_is_visible_to_staff_and_their_pod_mates_only(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        sam = world["specialist"]

        assert api.get(f"/api/v1/people/{sam.pk}/").status_code == (200 if allowed else 404)
        assert (sam.pk in ids(api.get("/api/v1/people/"))) is allowed

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_create_accounts(self, world, api_as, role, allowed):
        response = api_as(world[role]).post(
            "/api/v1/people/",
            {"username": "nadia", "password": "a-long-passphrase", "role": "specialist"},
            format="json",
        )

        assert response.status_code == (201 if allowed else 403)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_change_accounts(self, world, api_as, role, allowed):
        response = api_as(world[role]).patch(
            f"/api/v1/people/{world['specialist'].pk}/", {"capacity": 5}, format="json"
        )

        visible = role in STAFF | POD_A
        assert response.status_code == expected(allowed, 200, visible=visible)

    @pytest.mark.parametrize("role", PERSONAS)
    def test_nobody_deletes_an_account_through_the_api(self, world, api_as, role):
        response = api_as(world[role]).delete(f"/api/v1/people/{world['specialist'].pk}/")

        assert response.status_code == 405


class TestPods:
    @pytest.mark.parametrize("role, allowed", only(STAFF, POD_A))
    def test_a_pod_and_its_members_are_visible_to_staff_and_its_members(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        pod = world.pod_a

        assert api.get(f"/api/v1/pods/{pod.pk}/").status_code == (200 if allowed else 404)
        members = api.get(f"/api/v1/pods/{pod.pk}/members/")
        assert members.status_code == (200 if allowed else 404)
        assert (pod.pk in ids(api.get("/api/v1/pods/"))) is allowed

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_form_pods(self, world, api_as, role, allowed):
        response = api_as(world[role]).post("/api/v1/pods/", {"name": "Osprey"})

        assert response.status_code == (201 if allowed else 403)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_change_pods(self, world, api_as, role, allowed):
        response = api_as(world[role]).patch(
            f"/api/v1/pods/{world.pod_a.pk}/", {"name": "Falcon 2"}
        )

        assert response.status_code == expected(allowed, 200, visible=role in STAFF | POD_A)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_add_members(self, world, api_as, role, allowed):
        newcomer = world["outsider"]

        response = api_as(world[role]).post(
            f"/api/v1/pods/{world.pod_a.pk}/members/",
            {"person": newcomer.pk, "modality": "video"},
            format="json",
        )

        assert response.status_code == expected(allowed, 201, visible=role in STAFF | POD_A)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_remove_members(self, world, api_as, role, allowed):
        member = world.pod_a.members.get(person=world["specialist"])

        response = api_as(world[role]).delete(f"/api/v1/pods/{world.pod_a.pk}/members/{member.pk}/")

        assert response.status_code == expected(allowed, 204, visible=role in STAFF | POD_A)
        assert world.pod_a.members.filter(pk=member.pk).exists() is not allowed

    @pytest.mark.parametrize("role", PERSONAS)
    def test_nobody_deletes_a_pod_through_the_api(self, world, api_as, role):
        response = api_as(world[role]).delete(f"/api/v1/pods/{world.pod_a.pk}/")

        assert response.status_code == 405


class TestOntologies:
    @pytest.mark.parametrize("role, allowed", only(SEES_CLIENT_A))
    def test_an_ontology_is_visible_to_whoever_sees_a_project_using_it(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        ontology = world.project_a.ontology

        detail = api.get(f"/api/v1/ontologies/{ontology.pk}/")

        assert detail.status_code == (200 if allowed else 404)
        assert (ontology.pk in ids(api.get("/api/v1/ontologies/"))) is allowed

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_create_ontologies(self, world, api_as, role, allowed):
        response = api_as(world[role]).post(
            "/api/v1/ontologies/",
            {"name": "Street scenes", "terms": [{"key": "car"}]},
            format="json",
        )

        assert response.status_code == (201 if allowed else 403)

    @pytest.mark.parametrize("role", PERSONAS)
    def test_ontologies_are_never_edited_in_place(self, world, api_as, role):
        """A new version is created instead, so projects keep the version they used."""
        url = f"/api/v1/ontologies/{world.project_a.ontology.pk}/"
        api = api_as(world[role])

        assert api.patch(url, {"name": "x"}, format="json").status_code == 405
        assert api.delete(url).status_code == 405


class TestProjects:
    @pytest.mark.parametrize("role, allowed", only(SEES_CLIENT_A))
    def test_a_project_is_visible_to_its_client_its_pods_and_staff(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        project = world.project_a

        assert api.get(f"/api/v1/projects/{project.pk}/").status_code == (200 if allowed else 404)
        assert (project.pk in ids(api.get("/api/v1/projects/"))) is allowed

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_create_projects(self, world, api_as, role, allowed):
        response = api_as(world[role]).post(
            "/api/v1/projects/",
            {
                "name": "Night drives",
                "client": world.client_a.pk,
                "modalities": ["video", "pointcloud"],
                "ontology": world.project_a.ontology_id,
            },
            format="json",
        )

        assert response.status_code == (201 if allowed else 403)

    @pytest.mark.parametrize("role, allowed", only(STAFF))
    def test_only_operations_managers_change_projects(self, world, api_as, role, allowed):
        response = api_as(world[role]).patch(
            f"/api/v1/projects/{world.project_a.pk}/", {"overlap": 3}, format="json"
        )

        assert response.status_code == expected(allowed, 200, visible=role in SEES_CLIENT_A)
        world.project_a.refresh_from_db()
        assert (world.project_a.overlap == 3) is allowed

    @pytest.mark.parametrize("role", PERSONAS)
    def test_nobody_deletes_a_project_through_the_api(self, world, api_as, role):
        response = api_as(world[role]).delete(f"/api/v1/projects/{world.project_a.pk}/")

        assert response.status_code == 405


class TestDataPoints:
    @pytest.mark.parametrize("role, allowed", only(SEES_CLIENT_A))
    def test_a_data_point_is_visible_to_its_client_its_pod_and_staff(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        datapoint = world.datapoint_a

        detail = api.get(f"/api/v1/datapoints/{datapoint.pk}/")

        assert detail.status_code == (200 if allowed else 404)
        assert (datapoint.pk in ids(api.get("/api/v1/datapoints/"))) is allowed

    @pytest.mark.parametrize("role", PERSONAS)
    def test_data_points_are_read_only(self, world, api_as, role):
        api = api_as(world[role])
        url = f"/api/v1/datapoints/{world.datapoint_a.pk}/"

        assert api.post("/api/v1/datapoints/", {}, format="json").status_code == 405
        assert api.patch(url, {"is_calibration": True}, format="json").status_code == 405
        assert api.delete(url).status_code == 405


class TestTasks:
    @pytest.mark.parametrize("role, allowed", only(STAFF, {"pod_lead", "specialist"}))
    def test_a_task_is_visible_to_its_assignee_their_pod_lead_and_staff(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        task = world.task_a

        assert api.get(f"/api/v1/tasks/{task.pk}/").status_code == (200 if allowed else 404)
        assert (task.pk in ids(api.get("/api/v1/tasks/"))) is allowed

    @pytest.mark.parametrize("role", PERSONAS)
    def test_tasks_cannot_be_created_changed_or_deleted_directly(self, world, api_as, role):
        api = api_as(world[role])
        url = f"/api/v1/tasks/{world.task_a.pk}/"

        assert api.post("/api/v1/tasks/", {}, format="json").status_code == 405
        assert api.patch(url, {"status": "accepted"}, format="json").status_code == 405
        assert api.delete(url).status_code == 405


class TestAnnotationReads:
    @pytest.mark.parametrize("role, allowed", only(SEES_CLIENT_A))
    def test_an_annotation_is_visible_to_whoever_sees_its_data_point(
        self, world, api_as, role, allowed
    ):
        api = api_as(world[role])
        annotation = world.annotation_a

        detail = api.get(f"/api/v1/annotations/{annotation.pk}/")

        assert detail.status_code == (200 if allowed else 404)
        assert (annotation.pk in ids(api.get("/api/v1/annotations/"))) is allowed


class TestJobs:
    @pytest.mark.parametrize("role, allowed", only(STAFF, {"specialist"}))
    def test_a_job_is_visible_to_whoever_started_it_and_staff(self, world, api_as, role, allowed):
        job = make_job(world["specialist"], total=10, done=5)

        response = api_as(world[role]).get(f"/api/v1/jobs/{job.pk}/")

        assert response.status_code == (200 if allowed else 404)


ENDPOINTS = [
    "/api/v1/clients/",
    "/api/v1/people/",
    "/api/v1/pods/",
    "/api/v1/ontologies/",
    "/api/v1/projects/",
    "/api/v1/datapoints/",
    "/api/v1/tasks/",
    "/api/v1/annotations/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_strangers_without_credentials_are_asked_to_authenticate(world, api_as, url):
    response = api_as(None).get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
