import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_person_trades_username_and_password_for_a_token_that_opens_the_api(world):
    api = APIClient()

    response = api.post(
        "/api/v1/auth/token/", {"username": "sam", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    projects = api.get("/api/v1/projects/")
    assert projects.status_code == 200
    assert [row["id"] for row in projects.json()["results"]] == [world.project_a.pk]


def test_asking_twice_gives_the_same_token(world):
    api = APIClient()
    body = {"username": "sam", "password": PASSWORD}

    first = api.post("/api/v1/auth/token/", body, format="json").json()["token"]
    second = api.post("/api/v1/auth/token/", body, format="json").json()["token"]

    assert first == second


def test_a_wrong_password_is_a_400_and_gives_no_token(world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "sam", "password": "guess"}, format="json"
    )

    assert response.status_code == 400
    assert "token" not in response.json()
    assert "non_field_errors" in response.json()


def test_a_missing_password_is_a_400_naming_it(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "sam"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_a_made_up_token_is_refused(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert api.get("/api/v1/projects/").status_code == 401


def test_a_signed_in_browser_session_opens_the_api_too(world):
    api = APIClient()
    assert api.login(username="vic", password=PASSWORD)

    response = api.get(f"/api/v1/projects/{world.project_a.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == world.project_a.name


def test_a_session_write_without_csrf_token_is_refused(world):
    api = APIClient(enforce_csrf_checks=True)
    api.login(username="olivia", password=PASSWORD)

    response = api.post("/api/v1/clients/", {"name": "Cobalt Labs"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
