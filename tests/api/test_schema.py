import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served_and_lists_the_v1_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/clients/",
        "/api/v1/people/",
        "/api/v1/pods/{id}/members/",
        "/api/v1/ontologies/",
        "/api/v1/projects/",
        "/api/v1/datapoints/{id}/",
        "/api/v1/tasks/",
        "/api/v1/annotations/",
        "/api/v1/jobs/{id}/",
    ]:
        assert path in paths


def test_the_api_docs_load_their_scripts_and_styles_from_this_server_only(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith(".js") for asset in assets)
    assert not [asset for asset in assets if re.match(r"(https?:)?//", asset)]
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
