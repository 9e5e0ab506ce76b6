import pytest

from tasks.models import Ontology, Project
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(world, api_as):
    return api_as(world["ops_manager"])


def project_body(world, **fields) -> dict:
    body = {
        "name": "Night drives",
        "client": world.client_a.pk,
        "modalities": ["video", "pointcloud"],
        "ontology": world.project_a.ontology_id,
        "rules": {"boundary_offset": {"tolerance_ms": 80}},
        "pods": [world.pod_a.pk],
        "overlap": 2,
    }
    return {**body, **fields}


class TestOntologies:
    def test_an_ontology_is_created_with_its_hierarchy_synonyms_and_attributes(self, ops, world):
        response = ops.post(
            "/api/v1/ontologies/",
            {
                "name": "Street scenes",
                "terms": [
                    {"key": "dog", "parent": "animal", "synonyms": {"text": ["puppy"]}},
                    {"key": "animal", "label": "Animal"},
                ],
                "attributes": [{"key": "size", "level": "ordinal", "values": ["s", "m", "l"]}],
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["version"] == 1
        terms = {term["key"]: term for term in body["terms"]}
        assert terms["dog"]["parent"] == "animal"
        assert terms["dog"]["synonyms"] == {"text": ["puppy"]}
        assert terms["animal"]["parent"] is None
        assert body["attributes"] == [
            {"key": "size", "level": "ordinal", "values": ["s", "m", "l"]}
        ]

    def test_creating_an_ontology_under_an_existing_name_makes_the_next_version(self, ops, world):
        name = world.project_a.ontology.name

        response = ops.post(
            "/api/v1/ontologies/", {"name": name, "terms": [{"key": "dog"}]}, format="json"
        )

        assert response.json()["version"] == 2
        assert world.project_a.ontology.version == 1

    def test_an_existing_version_is_a_400_naming_the_version(self, ops, world):
        name = world.project_a.ontology.name

        response = ops.post(
            "/api/v1/ontologies/",
            {"name": name, "version": 1, "terms": [{"key": "dog"}]},
            format="json",
        )

        assert response.status_code == 400
        assert "version" in response.json()

    def test_a_term_with_an_unknown_parent_is_a_400_pointing_at_that_term(self, ops, world):
        response = ops.post(
            "/api/v1/ontologies/",
            {"name": "Pets", "terms": [{"key": "dog"}, {"key": "cat", "parent": "feline"}]},
            format="json",
        )

        assert response.status_code == 400
        assert "feline" in response.json()["terms[1].parent"][0]
        assert not Ontology.objects.filter(name="Pets").exists()

    def test_synonyms_in_an_unknown_modality_are_a_400(self, ops, world):
        response = ops.post(
            "/api/v1/ontologies/",
            {"name": "Pets", "terms": [{"key": "dog", "synonyms": {"smell": ["wet"]}}]},
            format="json",
        )

        assert response.status_code == 400
        assert "terms[0].synonyms" in response.json()

    def test_an_ontology_without_terms_is_a_400_naming_terms(self, ops, world):
        response = ops.post("/api/v1/ontologies/", {"name": "Empty", "terms": []}, format="json")

        assert response.status_code == 400
        assert "terms" in response.json()

    def test_ontologies_can_be_filtered_by_name(self, ops, world):
        name = world.project_b.ontology.name

        response = ops.get("/api/v1/ontologies/", {"name": name})

        assert [row["id"] for row in response.json()["results"]] == [world.project_b.ontology_id]


class TestProjects:
    def test_a_project_is_created_with_its_modalities_rules_and_pods(self, ops, world):
        response = ops.post("/api/v1/projects/", project_body(world), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["modalities"] == ["video", "pointcloud"]
        assert body["pods"] == [world.pod_a.pk]
        assert body["rules"] == {"boundary_offset": {"tolerance_ms": 80}}
        assert body["overlap"] == 2

    def test_a_modality_that_does_not_exist_is_a_400_naming_the_modalities(self, ops, world):
        response = ops.post(
            "/api/v1/projects/", project_body(world, modalities=["video", "smell"]), format="json"
        )

        assert response.status_code == 400
        assert "modalities" in response.json()
        assert "smell" in str(response.json()["modalities"])

    def test_a_modality_listed_twice_is_a_400_naming_the_modalities(self, ops, world):
        response = ops.post(
            "/api/v1/projects/", project_body(world, modalities=["video", "video"]), format="json"
        )

        assert response.status_code == 400
        assert "modalities" in response.json()

    def test_an_overlap_below_one_is_a_400_naming_the_overlap(self, ops, world):
        response = ops.post("/api/v1/projects/", project_body(world, overlap=0), format="json")

        assert response.status_code == 400
        assert "overlap" in response.json()

    def test_a_second_project_with_the_same_name_for_the_client_is_a_400(self, ops, world):
        name = world.project_a.name

        response = ops.post("/api/v1/projects/", project_body(world, name=name), format="json")

        assert response.status_code == 400
        assert "already has a project" in response.json()["name"][0]

    def test_another_client_may_use_the_same_project_name(self, ops, world):
        body = project_body(world, name=world.project_a.name, client=world.client_b.pk)

        response = ops.post("/api/v1/projects/", body, format="json")

        assert response.status_code == 201

    def test_renaming_onto_a_sibling_projects_name_is_a_400_not_a_server_error(self, ops, world):
        sibling = make_project(client=world.client_a)

        response = ops.patch(
            f"/api/v1/projects/{world.project_a.pk}/", {"name": sibling.name}, format="json"
        )

        assert response.status_code == 400
        assert "name" in response.json()
        world.project_a.refresh_from_db()
        assert world.project_a.name != sibling.name

    def test_a_project_can_be_retired_and_given_other_pods(self, ops, world):
        response = ops.patch(
            f"/api/v1/projects/{world.project_a.pk}/",
            {"is_active": False, "pods": [world.pod_b.pk]},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["is_active"] is False
        assert response.json()["pods"] == [world.pod_b.pk]

    def test_projects_can_be_filtered_by_client_and_activity(self, ops, world):
        Project.objects.filter(pk=world.project_b.pk).update(is_active=False)

        by_client = ops.get("/api/v1/projects/", {"client": world.client_b.pk}).json()
        active = ops.get("/api/v1/projects/", {"is_active": "true"}).json()

        assert [row["id"] for row in by_client["results"]] == [world.project_b.pk]
        assert [row["id"] for row in active["results"]] == [world.project_a.pk]

    def test_filtering_by_another_clients_id_shows_nothing_rather_than_an_error(
        self, world, api_as
    ):
        response = api_as(world["client_viewer"]).get(
            "/api/v1/projects/", {"client": world.client_b.pk}
        )

        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_a_client_viewer_of_one_client_gets_a_404_for_another_clients_project(
        self, world, api_as
    ):
        response = api_as(world["client_viewer"]).get(f"/api/v1/projects/{world.project_b.pk}/")

        assert response.status_code == 404

    def test_the_project_list_is_paginated(self, ops, world):
        for _ in range(3):
            make_project(client=world.client_a)

        first = ops.get("/api/v1/projects/", {"page_size": 2}).json()
        last = ops.get("/api/v1/projects/", {"page_size": 2, "page": 3}).json()

        assert first["count"] == 5
        assert len(first["results"]) == 2
        assert first["next"] and first["previous"] is None
        assert len(last["results"]) == 1 and last["next"] is None
