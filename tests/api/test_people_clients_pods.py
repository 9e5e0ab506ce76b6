import pytest
from rest_framework.test import APIClient

from pods.models import Person, Role
from tests.factories import make_client, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(world, api_as):
    return api_as(world["ops_manager"])


class TestClients:
    def test_a_second_client_with_the_same_name_is_a_400_naming_the_name(self, ops, world):
        response = ops.post("/api/v1/clients/", {"name": "Acme Robotics"}, format="json")

        assert response.status_code == 400
        assert "already exists" in response.json()["name"][0]

    def test_renaming_a_client_onto_another_clients_name_is_a_400(self, ops, world):
        response = ops.patch(
            f"/api/v1/clients/{world.client_a.pk}/", {"name": "Blue Harbour"}, format="json"
        )

        assert response.status_code == 400
        assert "name" in response.json()

    def test_clients_can_be_searched_by_name(self, ops, world):
        response = ops.get("/api/v1/clients/", {"name": "harb"})

        assert [row["name"] for row in response.json()["results"]] == ["Blue Harbour"]


class TestPeople:
    def test_an_account_created_with_skills_can_sign_in_and_shows_its_skills(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {
                "username": "nadia",
                "email": "nadia@example.com",
                "password": "a-long-passphrase",
                "role": "specialist",
                "skills": [{"modality": "audio", "level": "senior"}],
                "capacity": 12,
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["skills"] == [{"modality": "audio", "level": "senior"}]
        assert body["capacity"] == 12
        assert "password" not in body
        token = APIClient().post(
            "/api/v1/auth/token/",
            {"username": "nadia", "password": "a-long-passphrase"},
            format="json",
        )
        assert token.status_code == 200

    def test_an_unknown_role_is_a_400_naming_the_role(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {"username": "bob", "password": "a-long-passphrase", "role": "boss"},
            format="json",
        )

        assert response.status_code == 400
        assert list(response.json()) == ["role"]
        assert not Person.objects.filter(username="bob").exists()

    def test_a_client_viewer_without_a_client_is_a_400_naming_the_client(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {"username": "carl", "password": "a-long-passphrase", "role": "client_viewer"},
            format="json",
        )

        assert response.status_code == 400
        assert "client" in response.json()

    def test_a_taken_username_is_a_400_not_a_server_error(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {"username": "sam", "password": "a-long-passphrase", "role": "specialist"},
            format="json",
        )

        assert response.status_code == 400
        assert "taken" in response.json()["username"][0]

    def test_a_guessable_password_is_refused(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {"username": "nadia", "password": "password", "role": "specialist"},
            format="json",
        )

        assert response.status_code == 400
        assert "password" in response.json()

    def test_a_skill_listed_twice_is_a_400_pointing_at_the_repeat(self, ops, world):
        response = ops.post(
            "/api/v1/people/",
            {
                "username": "nadia",
                "password": "a-long-passphrase",
                "role": "specialist",
                "skills": [
                    {"modality": "audio", "level": "senior"},
                    {"modality": "audio", "level": "junior"},
                ],
            },
            format="json",
        )

        assert response.status_code == 400
        assert "skills[1].modality" in response.json()

    def test_changing_skills_replaces_them(self, ops, world):
        sam = world["specialist"]

        response = ops.patch(
            f"/api/v1/people/{sam.pk}/",
            {"skills": [{"modality": "text", "level": "junior"}], "is_available": False},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["skills"] == [{"modality": "text", "level": "junior"}]
        assert response.json()["is_available"] is False

    def test_promoting_a_person_to_operations_manager_gives_them_the_admin_too(self, ops, world):
        sam = world["specialist"]

        response = ops.patch(f"/api/v1/people/{sam.pk}/", {"role": "ops_manager"}, format="json")

        assert response.status_code == 200
        sam.refresh_from_db()
        assert sam.role == Role.OPS_MANAGER
        assert sam.is_staff

    def test_a_client_viewer_sees_only_themselves_and_no_other_name(self, world, api_as):
        response = api_as(world["client_viewer"]).get("/api/v1/people/")

        assert [row["username"] for row in response.json()["results"]] == ["vic"]
        for name in ["sam", "lena", "eve", "olivia", "otto"]:
            assert name not in response.content.decode()

    def test_a_specialist_sees_their_pod_mates_but_not_other_pods(self, world, api_as):
        response = api_as(world["specialist"]).get("/api/v1/people/")

        names = {row["username"] for row in response.json()["results"]}
        assert names == {"lena", "sam", "eve"}

    def test_people_can_be_filtered_by_role_and_skill(self, ops, world):
        leads = ops.get("/api/v1/people/", {"role": "pod_lead"}).json()["results"]
        audio = ops.get("/api/v1/people/", {"modality": "audio"}).json()["results"]

        assert {row["username"] for row in leads} == {"lena", "lars"}
        assert {row["username"] for row in audio} == {"eve", "ada"}

    def test_a_filter_value_that_is_not_a_choice_is_a_400_naming_the_filter(self, ops, world):
        response = ops.get("/api/v1/people/", {"role": "boss"})

        assert response.status_code == 400
        assert "role" in response.json()

    def test_the_people_list_is_paginated(self, ops, world):
        response = ops.get("/api/v1/people/", {"page_size": 3})

        body = response.json()
        assert body["count"] == Person.objects.count()
        assert len(body["results"]) == 3
        assert "page=2" in body["next"]


class TestPods:
    def test_a_pod_shows_its_lead_and_the_modalities_it_covers(self, world, api_as):
        response = api_as(world["specialist"]).get(f"/api/v1/pods/{world.pod_a.pk}/")

        assert response.json()["coverage"] == ["video", "audio"]
        assert response.json()["lead"] == world["pod_lead"].pk

    def test_a_new_pod_covers_nothing_until_members_join(self, ops, world):
        created = ops.post("/api/v1/pods/", {"name": "Osprey"}, format="json").json()
        person = make_person(username="tia", skills=[("text", "senior")])

        member = ops.post(
            f"/api/v1/pods/{created['id']}/members/",
            {"person": person.pk, "modality": "text"},
            format="json",
        )

        assert created["coverage"] == []
        assert member.status_code == 201
        assert member.json()["username"] == "tia"
        assert member.json()["level"] == "senior"
        pod = ops.get(f"/api/v1/pods/{created['id']}/").json()
        assert pod["coverage"] == ["text"]

    def test_a_second_pod_with_the_same_name_is_a_400(self, ops, world):
        response = ops.post("/api/v1/pods/", {"name": "Falcon"}, format="json")

        assert response.status_code == 400
        assert "name" in response.json()

    def test_making_a_member_lead_takes_the_lead_from_the_previous_one(self, ops, world):
        vera = make_person(username="vera", skills=[("video", "expert")])

        response = ops.post(
            f"/api/v1/pods/{world.pod_a.pk}/members/",
            {"person": vera.pk, "modality": "video", "is_lead": True},
            format="json",
        )

        assert response.status_code == 201
        pod = ops.get(f"/api/v1/pods/{world.pod_a.pk}/").json()
        assert pod["lead"] == vera.pk
        members = ops.get(f"/api/v1/pods/{world.pod_a.pk}/members/").json()["results"]
        assert [m["username"] for m in members if m["is_lead"]] == ["vera"]

    def test_the_same_person_twice_in_the_same_role_is_a_400_naming_the_person(self, ops, world):
        response = ops.post(
            f"/api/v1/pods/{world.pod_a.pk}/members/",
            {"person": world["expert"].pk, "modality": "audio"},
            format="json",
        )

        assert response.status_code == 400
        assert "already holds" in response.json()["person"][0]

    def test_a_member_needs_the_skill_of_their_modality(self, ops, world):
        response = ops.post(
            f"/api/v1/pods/{world.pod_a.pk}/members/",
            {"person": world["specialist"].pk, "modality": "text"},
            format="json",
        )

        assert response.status_code == 400
        assert "no text skill" in response.json()["modality"][0]

    def test_an_unknown_modality_is_a_400_naming_the_modality(self, ops, world):
        response = ops.post(
            f"/api/v1/pods/{world.pod_a.pk}/members/",
            {"person": world["specialist"].pk, "modality": "smell"},
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["modality"] == ["'smell' is not a modality."]

    def test_removing_the_only_audio_member_drops_audio_from_the_coverage(self, ops, world):
        member = world.pod_a.members.get(person=world["expert"])

        response = ops.delete(f"/api/v1/pods/{world.pod_a.pk}/members/{member.pk}/")

        assert response.status_code == 204
        assert ops.get(f"/api/v1/pods/{world.pod_a.pk}/").json()["coverage"] == ["video"]

    def test_a_member_of_another_pod_cannot_be_removed_through_this_one(self, ops, world):
        member = world.pod_b.members.first()

        response = ops.delete(f"/api/v1/pods/{world.pod_a.pk}/members/{member.pk}/")

        assert response.status_code == 404

    def test_members_are_listed_page_by_page(self, world, api_as):
        response = api_as(world["pod_lead"]).get(
            f"/api/v1/pods/{world.pod_a.pk}/members/", {"page_size": 2}
        )

        body = response.json()
        assert body["count"] == 3
        assert len(body["results"]) == 2
        assert body["next"]

    def test_pods_can_be_filtered_by_activity(self, ops, world):
        ops.patch(f"/api/v1/pods/{world.pod_b.pk}/", {"is_active": False}, format="json")

        active = ops.get("/api/v1/pods/", {"is_active": "true"}).json()["results"]

        assert [row["name"] for row in active] == ["Falcon"]

    def test_a_client_viewer_sees_no_pods(self, world, api_as):
        response = api_as(world["client_viewer"]).get("/api/v1/pods/")

        assert response.json()["count"] == 0


def test_viewers_of_one_client_are_not_told_about_another_clients_existence(world, api_as):
    other = make_client("Cobalt Labs")

    response = api_as(world["client_viewer"]).get(f"/api/v1/clients/{other.pk}/")

    assert response.status_code == 404
