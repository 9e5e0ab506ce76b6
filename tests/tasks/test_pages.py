"""The pages of projects and data points, through Django's test client."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from pods.models import Person, Pod, Role
from pods.selectors import person_pseudonym
from tasks.models import DataPoint, Project, TaskStatus
from tests.factories import (
    PASSWORD,
    make_annotated_datapoint,
    make_client,
    make_datapoint,
    make_person,
    make_pod,
    make_project,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """Two clients; the first one's project is worked by `pod`, the other's by nobody."""

    project: Project
    other_project: Project
    pod: Pod
    datapoint: DataPoint
    other_datapoint: DataPoint
    ops: Person
    lead: Person
    specialist: Person
    outsider: Person
    viewer: Person
    other_viewer: Person

    def person(self, role: str) -> Person:
        return getattr(self, role)


@pytest.fixture
def world() -> World:
    client, other_client = make_client("Acme Robotics"), make_client("Globex")
    pod = make_pod(["video", "audio", "text"], name="Pod Aurora", client=client)
    project = make_project(client=client, pods=[pod])
    other_project = make_project(client=other_client)
    datapoint = make_annotated_datapoint(project, pod=pod)
    other_datapoint = make_annotated_datapoint(other_project)
    return World(
        project=project,
        other_project=other_project,
        pod=pod,
        datapoint=datapoint,
        other_datapoint=other_datapoint,
        ops=make_person(Role.OPS_MANAGER),
        lead=pod.members.get(is_lead=True).person,
        specialist=pod.members.get(modality="video", is_lead=False).person,
        outsider=make_person(skills=[("video", "senior")]),
        viewer=make_person(Role.CLIENT_VIEWER, client=client),
        other_viewer=make_person(Role.CLIENT_VIEWER, client=other_client),
    )


def page_urls(world: World) -> list[str]:
    return [
        reverse("home"),
        reverse("project-detail", args=[world.project.pk]),
        reverse("datapoint-detail", args=[world.datapoint.pk]),
    ]


class TestSignIn:
    def test_every_page_sends_an_anonymous_visitor_to_the_login_page(self, client, world):
        for url in page_urls(world):
            response = client.get(url)

            assert response.status_code == 302
            assert response.url == f"{reverse('login')}?next={url}"

    def test_the_login_form_signs_a_person_in_and_lands_them_home(self, client, world):
        page = client.get(reverse("login"))
        assert b'autocomplete="current-password"' in page.content

        response = client.post(
            reverse("login"), {"username": world.specialist.username, "password": PASSWORD}
        )

        assert response.status_code == 302
        assert response.url == reverse("home")

    def test_a_wrong_password_says_so_on_the_form(self, client, world):
        response = client.post(
            reverse("login"), {"username": world.specialist.username, "password": "nope"}
        )

        assert response.status_code == 200
        assert b"enter a correct username and password" in response.content

    def test_logging_out_is_a_post_that_returns_to_the_login_page(self, client, world):
        client.force_login(world.specialist)
        home = client.get(reverse("home"))
        assert f'action="{reverse("logout")}"'.encode() in home.content

        response = client.post(reverse("logout"))

        assert response.url == reverse("login")
        assert client.get(reverse("home")).status_code == 302


class TestHome:
    def test_operations_managers_see_every_project_with_its_counts_and_every_pod(
        self, client, world
    ):
        client.force_login(world.ops)

        response = client.get(reverse("home"))

        projects = {p.pk: p for p in response.context["projects"]}
        assert set(projects) == {world.project.pk, world.other_project.pk}
        mine = projects[world.project.pk]
        assert (mine.datapoint_count, mine.annotation_count, mine.open_task_count) == (1, 6, 3)
        assert mine.task_counts == [{"status": "assigned", "label": "Assigned", "count": 3}]
        assert [item.pod for item in response.context["pods"]] == [world.pod]
        assert b"Operations overview" in response.content
        assert b"Pod Aurora" in response.content

    def test_a_pod_shows_the_modalities_it_covers_and_where_it_is_routable(self, client, world):
        video_only = make_pod(["video"], name="Pod Video")
        world.project.pods.add(video_only)
        client.force_login(world.ops)

        pods = {item.pod.name: item for item in client.get(reverse("home")).context["pods"]}

        assert pods["Pod Aurora"].modalities == ["video", "audio", "text"]
        assert pods["Pod Aurora"].projects[0].routable
        assert pods["Pod Video"].projects[0].missing == ["audio", "text"]

    def test_specialists_see_their_pod_their_open_tasks_and_only_their_projects(
        self, client, world
    ):
        client.force_login(world.specialist)

        response = client.get(reverse("home"))

        assert [p.pk for p in response.context["projects"]] == [world.project.pk]
        assert [item.pod for item in response.context["pods"]] == [world.pod]
        assert response.context["pods"][0].my_modalities == ["video"]
        tasks = response.context["open_tasks"]
        assert [(t.datapoint_id, t.modality) for t in tasks] == [(world.datapoint.pk, "video")]
        assert world.other_project.name.encode() not in response.content

    def test_submitted_tasks_are_not_listed_as_open(self, client, world):
        world.specialist.tasks.update(status=TaskStatus.SUBMITTED)
        client.force_login(world.specialist)

        response = client.get(reverse("home"))

        assert response.context["open_tasks"] == []
        assert b"No open tasks" in response.content

    def test_client_viewers_see_only_their_clients_projects_and_no_pods(self, client, world):
        client.force_login(world.viewer)

        response = client.get(reverse("home"))

        assert [p.pk for p in response.context["projects"]] == [world.project.pk]
        assert "pods" not in response.context
        assert b"Pod Aurora" not in response.content
        assert world.other_project.name.encode() not in response.content

    def test_a_person_without_a_pod_is_told_how_to_get_one(self, client, world):
        client.force_login(world.outsider)

        response = client.get(reverse("home"))

        assert b"You are not in a pod yet" in response.content
        assert response.context["projects"] == []

    def test_an_empty_vendor_is_told_how_to_import_data(self, client, db):
        client.force_login(make_person(Role.OPS_MANAGER))

        response = client.get(reverse("home"))

        assert b"No projects yet" in response.content
        assert b"import_datapoints" in response.content
        assert b"/api/v1/projects/{id}/import/" in response.content

    def test_the_top_bar_names_the_person_and_their_role(self, client, world):
        client.force_login(world.viewer)

        content = client.get(reverse("home")).content.decode()

        assert world.viewer.username in content
        assert "Client viewer · Acme Robotics" in content


SEES_FIRST_CLIENTS_DATA = [
    ("ops", True),
    ("lead", True),
    ("specialist", True),
    ("outsider", False),
    ("viewer", True),
    ("other_viewer", False),
]


class TestVisibility:
    @pytest.mark.parametrize("role, allowed", SEES_FIRST_CLIENTS_DATA)
    def test_the_project_page_is_a_404_for_whoever_may_not_see_it(
        self, client, world, role, allowed
    ):
        client.force_login(world.person(role))

        response = client.get(reverse("project-detail", args=[world.project.pk]))

        assert response.status_code == (200 if allowed else 404)

    @pytest.mark.parametrize("role, allowed", SEES_FIRST_CLIENTS_DATA)
    def test_the_datapoint_page_is_a_404_for_whoever_may_not_see_it(
        self, client, world, role, allowed
    ):
        client.force_login(world.person(role))

        response = client.get(reverse("datapoint-detail", args=[world.datapoint.pk]))

        assert response.status_code == (200 if allowed else 404)

    def test_a_missing_datapoint_is_a_404(self, client, world):
        client.force_login(world.ops)

        assert client.get(reverse("datapoint-detail", args=[999999])).status_code == 404


class TestProjectPage:
    def test_lists_its_datapoints_with_pod_streams_and_counts(self, client, world):
        client.force_login(world.ops)

        response = client.get(reverse("project-detail", args=[world.project.pk]))

        (row,) = response.context["page"].object_list
        assert row == world.datapoint
        assert (row.task_count, row.annotation_count) == (3, 6)
        assert [s.key for s in row.streams.all()] == ["audio-main", "text-main", "video-main"]
        assert b"Pod Aurora" in response.content

    def test_filters_by_external_id_and_by_pod(self, client, world):
        unrouted = make_datapoint(world.project)
        client.force_login(world.ops)
        url = reverse("project-detail", args=[world.project.pk])

        def ids(**params) -> list[int]:
            return [dp.pk for dp in client.get(url, params).context["page"].object_list]

        assert ids(q=unrouted.external_id) == [unrouted.pk]
        assert ids(pod=str(world.pod.pk)) == [world.datapoint.pk]
        assert ids(pod="none") == [unrouted.pk]
        assert ids(pod="not-a-pod") == [world.datapoint.pk, unrouted.pk]

    def test_paginates_and_keeps_the_filters_in_the_page_links(self, client, world):
        for _ in range(30):
            make_datapoint(world.project)
        client.force_login(world.ops)
        url = reverse("project-detail", args=[world.project.pk])

        first = client.get(url, {"q": "dp"})
        second = client.get(url, {"q": "dp", "page": 2})

        assert len(first.context["page"].object_list) == 25
        assert len(second.context["page"].object_list) == 6
        assert b"?q=dp&amp;page=2" in first.content

    def test_specialists_only_see_their_pods_datapoints(self, client, world):
        elsewhere = make_datapoint(world.project, pod=make_pod(["video", "audio", "text"]))
        client.force_login(world.specialist)

        response = client.get(reverse("project-detail", args=[world.project.pk]))

        listed = [dp.pk for dp in response.context["page"].object_list]
        assert listed == [world.datapoint.pk]
        assert elsewhere.pk not in listed

    def test_an_empty_project_says_how_to_import(self, client, world):
        empty = make_project(client=world.project.client)
        client.force_login(world.ops)

        response = client.get(reverse("project-detail", args=[empty.pk]))

        assert b"No data points yet" in response.content
        assert f"/api/v1/projects/{empty.pk}/import/".encode() in response.content


class TestDataPointPage:
    def test_draws_every_stream_on_the_master_clock_with_local_plotly(self, client, world):
        client.force_login(world.ops)

        response = client.get(reverse("datapoint-detail", args=[world.datapoint.pk]))

        figure = response.context["figure"]
        assert figure["layout"]["yaxis"]["tickvals"] == [0, 1, 2]
        audio = next(t for t in figure["data"] if t["meta"]["stream"] == "audio-main")
        assert audio["base"][0] == 1320.0
        content = response.content.decode()
        assert 'id="timeline-figure"' in content
        assert "/static/vendor/plotly/plotly.min.js" in content
        assert "cdn" not in content.lower()

    def test_lists_streams_and_annotations_grouped_by_stream(self, client, world):
        client.force_login(world.ops)

        response = client.get(reverse("datapoint-detail", args=[world.datapoint.pk]))

        groups = {g.stream.key: g for g in response.context["by_stream"]}
        assert len(groups["video-main"].annotations) == 3
        assert groups["audio-main"].stream.offset_ms == 320.0
        assert b"look, a puppy" in response.content

    def test_client_viewers_see_annotators_under_pseudonyms_never_usernames(self, client, world):
        client.force_login(world.viewer)

        content = client.get(reverse("datapoint-detail", args=[world.datapoint.pk])).content

        assert world.specialist.username.encode() not in content
        assert person_pseudonym(world.specialist.pk).encode() in content
        assert b"Pod Aurora" not in content

    def test_staff_see_annotators_by_name(self, client, world):
        client.force_login(world.ops)

        content = client.get(reverse("datapoint-detail", args=[world.datapoint.pk])).content

        assert world.specialist.username.encode() in content

    def test_a_datapoint_without_annotations_says_so(self, client, world):
        bare = make_datapoint(world.project, pod=world.pod)
        client.force_login(world.ops)

        response = client.get(reverse("datapoint-detail", args=[bare.pk]))

        assert b"No annotations yet" in response.content
        assert response.context["figure"]["layout"]["yaxis"]["tickvals"] == [0, 1, 2]


class TestQueryCounts:
    """Pages cost a fixed number of queries, however much data there is."""

    @pytest.fixture
    def busy(self, world) -> World:
        for _ in range(4):
            project = make_project(client=world.project.client, pods=[world.pod])
            for _ in range(3):
                make_annotated_datapoint(project, pod=world.pod)
        return world

    @pytest.mark.parametrize("role", ["ops", "lead", "specialist", "viewer"])
    def test_home(self, client, busy, role, django_assert_max_num_queries):
        client.force_login(busy.person(role))

        with django_assert_max_num_queries(12):
            assert client.get(reverse("home")).status_code == 200

    @pytest.mark.parametrize("role", ["ops", "specialist", "viewer"])
    def test_project_page(self, client, busy, role, django_assert_max_num_queries):
        for _ in range(20):
            make_annotated_datapoint(busy.project, pod=busy.pod)
        client.force_login(busy.person(role))

        with django_assert_max_num_queries(10):
            response = client.get(reverse("project-detail", args=[busy.project.pk]))
        assert len(response.context["page"].object_list) == 21

    @pytest.mark.parametrize("role", ["ops", "specialist", "viewer"])
    def test_datapoint_page(self, client, busy, role, django_assert_max_num_queries):
        client.force_login(busy.person(role))

        # 10 for the page, plus qa's panels: findings (2) and the audit trail (5).
        with django_assert_max_num_queries(17):
            response = client.get(reverse("datapoint-detail", args=[busy.datapoint.pk]))
        assert response.status_code == 200


@pytest.mark.django_db
def test_a_page_one_may_not_see_answers_a_helpful_404(client):
    from pods.models import Role
    from tests.factories import make_client, make_person

    client.force_login(make_person(Role.CLIENT_VIEWER, client=make_client()))

    response = client.get("/datapoints/999999/")

    assert response.status_code == 404
    assert "Back to your home" in response.content.decode()
