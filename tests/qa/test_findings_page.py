"""The findings list page through Django's test client, and the selector behind the
data point page's timeline highlights."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pods.models import Role
from qa.models import Finding, FindingStatus
from qa.selectors import findings_for_datapoint
from qa.services import datapoints_validate
from tests.factories import make_client, make_person, make_pod

pytestmark = pytest.mark.django_db


@pytest.fixture
def validated(av):
    """Two data points with a boundary_offset finding each (audio 420 ms late), and a
    clean one; the first is routed to a pod."""
    pod = make_pod(["video", "audio"], client=av.project.client)
    routed, unrouted, clean = (
        av.datapoint(audio_offset=420),
        av.datapoint(audio_offset=420),
        av.datapoint(),
    )
    routed.pod = pod
    routed.save(update_fields=["pod"])
    datapoints_validate(datapoint_ids=[routed.pk, unrouted.pk, clean.pk])
    return av, pod, routed, unrouted


def rows(response) -> list[str]:
    """The data point links of the table, in order."""
    html = response.content.decode()
    return [part.split('"')[0] for part in html.split('class="primary-link" href="')[1:]]


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("finding-list"), params)
    assert response.status_code == 200
    return response


class TestFindingsPage:
    def test_an_anonymous_visitor_is_sent_to_the_login_page(self, client, validated):
        url = reverse("finding-list")

        response = client.get(url)

        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"

    def test_every_finding_links_to_its_data_point_page(self, client, validated):
        _, _, routed, unrouted = validated

        response = page(client, make_person(Role.OPS_MANAGER))

        assert sorted(rows(response)) == sorted(
            [f"/datapoints/{routed.pk}/", f"/datapoints/{unrouted.pk}/"]
        )
        assert b"boundary_offset" in response.content

    @pytest.mark.parametrize(
        "params, expected",
        [
            ({"check": "boundary_offset"}, {"routed", "unrouted"}),
            ({"check": "label_conflict"}, set()),
            ({"type": "temporal"}, {"routed", "unrouted"}),
            ({"type": "semantic"}, set()),
            ({"status": "open"}, {"unrouted"}),
            ({"status": "dismissed"}, {"routed"}),
            ({"modalities": "audio+video"}, {"routed", "unrouted"}),
            ({"modalities": "text+video"}, set()),
            ({"modalities": "video"}, set()),
        ],
    )
    def test_the_filters_narrow_the_list(self, client, validated, params, expected):
        _, _, routed, unrouted = validated
        Finding.objects.filter(datapoint=routed).update(
            status=FindingStatus.DISMISSED, resolved_at=timezone.now()
        )
        names = {f"/datapoints/{routed.pk}/": "routed", f"/datapoints/{unrouted.pk}/": "unrouted"}

        response = page(client, make_person(Role.OPS_MANAGER), **params)

        assert {names[href] for href in rows(response)} == expected
        if not expected:
            assert b"No findings match these filters" in response.content

    def test_the_pod_filter_keeps_that_pods_data_points(self, client, validated):
        _, pod, routed, _ = validated

        response = page(client, make_person(Role.OPS_MANAGER), pod=pod.pk)

        assert rows(response) == [f"/datapoints/{routed.pk}/"]

    def test_a_pod_member_sees_only_their_pods_findings(self, client, validated):
        _, pod, routed, _ = validated
        member = pod.members.filter(is_lead=False).first().person

        response = page(client, member)

        assert rows(response) == [f"/datapoints/{routed.pk}/"]

    def test_a_client_viewer_sees_their_clients_findings_and_no_pod_filter(self, client, validated):
        av, *_ = validated
        viewer = make_person(Role.CLIENT_VIEWER, client=av.project.client)

        response = page(client, viewer)

        assert len(rows(response)) == 2
        assert b'name="pod"' not in response.content

    def test_a_client_viewer_of_another_client_sees_none(self, client, validated):
        stranger = make_person(Role.CLIENT_VIEWER, client=make_client())

        response = page(client, stranger)

        assert rows(response) == []
        assert b"No findings yet" in response.content
        assert b"boundary_offset</code>" not in response.content

    def test_an_unknown_filter_value_is_shown_on_the_form_not_a_server_error(
        self, client, validated
    ):
        response = page(client, make_person(Role.OPS_MANAGER), check="nonsense")

        assert b"Select a valid choice" in response.content

    def test_the_list_is_paginated(self, client, validated, monkeypatch):
        monkeypatch.setattr("qa.views_findings.FINDINGS_PER_PAGE", 1)

        response = page(client, make_person(Role.OPS_MANAGER))

        assert len(rows(response)) == 1
        assert b"Page 1 of 2" in response.content


class TestFindingsForDatapoint:
    def test_each_finding_carries_its_annotations_and_master_time_span(self, validated):
        _, _, routed, _ = validated
        ops = make_person(Role.OPS_MANAGER)

        (highlight,) = findings_for_datapoint(user=ops, datapoint=routed)

        annotation_ids = set(routed.tasks.values_list("annotations__pk", flat=True))
        assert set(highlight.annotation_ids) == annotation_ids
        # video 1.0-2.0 s at offset 0; audio 1.0-2.0 s stream time at offset 420 ms
        assert (highlight.start_ms, highlight.end_ms) == (1000.0, 2420.0)
        assert highlight.check == "boundary_offset"
        assert highlight.severity and highlight.message
        assert highlight.is_active

    def test_a_user_who_may_not_see_the_data_point_gets_nothing(self, validated):
        _, _, routed, _ = validated
        stranger = make_person(Role.CLIENT_VIEWER, client=make_client())

        assert findings_for_datapoint(user=stranger, datapoint=routed) == []
