"""Lists cost a fixed number of queries, however many rows they show."""

import pytest

from tests.factories import make_annotation, make_datapoint, make_project, make_task

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/clients/",
    "/api/v1/people/",
    "/api/v1/pods/",
    "/api/v1/ontologies/",
    "/api/v1/projects/",
    "/api/v1/datapoints/",
    "/api/v1/tasks/",
    "/api/v1/annotations/",
]


@pytest.fixture
def busy(world):
    """Several more projects, data points, tasks and annotations for pod A."""
    for _ in range(2):
        project = make_project(client=world.client_a, pods=[world.pod_a])
        for _ in range(2):
            datapoint = make_datapoint(project, pod=world.pod_a)
            task = make_task(datapoint, "video", world["specialist"])
            make_annotation(task)
            make_annotation(task, entity="e2")
    return world


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role", ["ops_manager", "specialist", "client_viewer"])
def test_a_list_needs_at_most_five_queries(busy, api_as, django_assert_max_num_queries, url, role):
    api = api_as(busy[role])

    with django_assert_max_num_queries(5):
        response = api.get(url)

    assert response.status_code == 200
