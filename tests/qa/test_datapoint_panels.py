"""qa's panels on the data-point page: findings listed and shaded on the timeline,
and the audit trail, without tasks importing qa."""

import json
import re

import pytest

from pods.models import Role
from qa.services import datapoints_validate
from tests.factories import make_client, make_person

pytestmark = pytest.mark.django_db


def timeline_figure(html: str) -> dict:
    match = re.search(
        r'<script id="timeline-figure" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_a_finding_is_listed_and_shaded_where_it_is_on_the_master_clock(client, av):
    datapoint = av.datapoint(audio_offset=420)
    datapoints_validate(datapoint_ids=[datapoint.pk])
    client.force_login(make_person(Role.OPS_MANAGER))

    html = client.get(f"/datapoints/{datapoint.pk}/").content.decode()

    assert 'id="findings-panel"' in html
    assert "boundary_offset" in html
    shapes = [s for s in timeline_figure(html)["layout"]["shapes"] if s["type"] == "rect"]
    assert len(shapes) == 1
    assert shapes[0]["x0"] == pytest.approx(1000.0)
    assert shapes[0]["x1"] == pytest.approx(2420.0)
    assert "Audit trail" in html


def test_a_clean_data_point_says_it_has_no_findings(client, av):
    datapoint = av.datapoint()
    datapoints_validate(datapoint_ids=[datapoint.pk])
    client.force_login(make_person(Role.OPS_MANAGER))

    html = client.get(f"/datapoints/{datapoint.pk}/").content.decode()

    assert "No sync findings" in html
    assert not [s for s in timeline_figure(html)["layout"]["shapes"] if s["type"] == "rect"]


def test_a_viewer_of_another_client_still_gets_a_404(client, av):
    datapoint = av.datapoint(audio_offset=420)
    client.force_login(make_person(Role.CLIENT_VIEWER, client=make_client()))

    assert client.get(f"/datapoints/{datapoint.pk}/").status_code == 404
