import pytest

from tasks.models import Annotation, TaskStatus
from tests.api.conftest import PERSONAS
from tests.factories import make_annotation

pytestmark = pytest.mark.django_db

CAN_SEE_TASK_A = {"ops_manager", "pod_lead", "specialist"}
CAN_SEE_ANNOTATION_A = {"ops_manager", "pod_lead", "specialist", "expert", "client_viewer"}
ONLY_THE_ASSIGNEE = [(persona, persona == "specialist") for persona in PERSONAS]


def segment(task_id: int, **fields) -> dict:
    body = {
        "task": task_id,
        "stream": "video-main",
        "kind": "segment",
        "label": "car",
        "entity": "e7",
        "start_ms": 100.0,
        "end_ms": 900.0,
    }
    return {**body, **fields}


def refused(allowed: bool, ok: int, *, visible: bool) -> int:
    if allowed:
        return ok
    return 403 if visible else 404


@pytest.mark.parametrize("role, allowed", ONLY_THE_ASSIGNEE)
def test_only_the_assignee_adds_annotations_to_a_task(world, api_as, role, allowed):
    response = api_as(world[role]).post(
        "/api/v1/annotations/", segment(world.task_a.pk), format="json"
    )

    assert response.status_code == refused(allowed, 201, visible=role in CAN_SEE_TASK_A)
    assert world.task_a.annotations.filter(label="car").exists() is allowed


@pytest.mark.parametrize("role, allowed", ONLY_THE_ASSIGNEE)
def test_only_the_assignee_changes_an_annotation(world, api_as, role, allowed):
    url = f"/api/v1/annotations/{world.annotation_a.pk}/"

    response = api_as(world[role]).patch(url, {"label": "cat"}, format="json")

    assert response.status_code == refused(allowed, 200, visible=role in CAN_SEE_ANNOTATION_A)
    world.annotation_a.refresh_from_db()
    assert (world.annotation_a.label == "cat") is allowed


@pytest.mark.parametrize("role, allowed", ONLY_THE_ASSIGNEE)
def test_only_the_assignee_deletes_an_annotation(world, api_as, role, allowed):
    url = f"/api/v1/annotations/{world.annotation_a.pk}/"

    response = api_as(world[role]).delete(url)

    assert response.status_code == refused(allowed, 204, visible=role in CAN_SEE_ANNOTATION_A)
    assert Annotation.objects.filter(pk=world.annotation_a.pk).exists() is not allowed


def test_a_new_annotation_comes_back_with_its_stream_and_annotator(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", segment(world.task_a.pk), format="json"
    )

    body = response.json()
    assert body["stream_key"] == "video-main"
    assert body["annotator"] == "sam"
    assert body["datapoint"] == world.datapoint_a.pk
    assert (body["start_ms"], body["end_ms"]) == (100.0, 900.0)
    world.task_a.refresh_from_db()
    assert world.task_a.status == TaskStatus.IN_PROGRESS


def test_annotating_a_submitted_task_is_a_400_naming_the_task(world, api_as):
    world.task_a.status = TaskStatus.SUBMITTED
    world.task_a.save()

    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", segment(world.task_a.pk), format="json"
    )

    assert response.status_code == 400
    assert "submitted" in response.json()["task"][0]


def test_changing_an_annotation_of_a_submitted_task_is_a_400_naming_the_task(world, api_as):
    world.task_a.status = TaskStatus.SUBMITTED
    world.task_a.save()

    response = api_as(world["specialist"]).patch(
        f"/api/v1/annotations/{world.annotation_a.pk}/", {"label": "cat"}, format="json"
    )

    assert response.status_code == 400
    assert "task" in response.json()


def test_another_persons_task_is_a_404_for_a_specialist(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", segment(world.task_b.pk), format="json"
    )

    assert response.status_code == 404
    assert not world.task_b.annotations.filter(label="car").exists()


def test_an_annotation_of_an_invisible_data_point_is_a_404(world, api_as):
    response = api_as(world["specialist"]).patch(
        f"/api/v1/annotations/{world.annotation_b.pk}/", {"label": "cat"}, format="json"
    )

    assert response.status_code == 404


def test_an_end_before_the_start_is_a_400_naming_end_ms(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/",
        segment(world.task_a.pk, start_ms=900.0, end_ms=100.0),
        format="json",
    )

    assert response.status_code == 400
    assert "before its start" in response.json()["end_ms"][0]


def test_a_stream_of_another_modality_is_a_400_naming_the_stream(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", segment(world.task_a.pk, stream="audio-main"), format="json"
    )

    assert response.status_code == 400
    assert "stream" in response.json()


def test_a_missing_task_is_a_400_naming_the_task(world, api_as):
    body = segment(world.task_a.pk)
    del body["task"]

    response = api_as(world["specialist"]).post("/api/v1/annotations/", body, format="json")

    assert response.status_code == 400
    assert "task" in response.json()


def test_a_list_instead_of_one_annotation_is_a_400(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", [segment(world.task_a.pk)], format="json"
    )

    assert response.status_code == 400


def test_an_annotation_cannot_be_moved_to_another_task(world, api_as):
    response = api_as(world["specialist"]).patch(
        f"/api/v1/annotations/{world.annotation_a.pk}/", {"task": world.task_b.pk}, format="json"
    )

    assert response.status_code == 400
    world.annotation_a.refresh_from_db()
    assert world.annotation_a.task_id == world.task_a.pk


def test_a_partial_change_keeps_the_other_fields(world, api_as):
    response = api_as(world["specialist"]).patch(
        f"/api/v1/annotations/{world.annotation_a.pk}/", {"end_ms": 1500.0}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["end_ms"] == 1500.0
    assert response.json()["label"] == "dog"


class TestAnnotationList:
    @pytest.fixture
    def labelled(self, world):
        make_annotation(world.task_a, label="car", entity="e2", start_ms=2000.0, end_ms=2500.0)
        return world

    @pytest.mark.parametrize(
        "query, labels",
        [
            ({"label": "car"}, ["car"]),
            ({"entity": "e1"}, ["dog"]),
            ({"kind": "segment"}, ["dog", "car"]),
            ({"kind": "bbox"}, []),
        ],
    )
    def test_annotations_can_be_filtered(self, labelled, api_as, query, labels):
        query = {**query, "task": labelled.task_a.pk, "ordering": "start_ms"}

        response = api_as(labelled["specialist"]).get("/api/v1/annotations/", query)

        assert [row["label"] for row in response.json()["results"]] == labels

    def test_annotations_can_be_filtered_by_data_point_and_stream(self, labelled, api_as):
        api = api_as(labelled["ops_manager"])
        stream = labelled.datapoint_a.streams.get(key="video-main")

        by_datapoint = api.get("/api/v1/annotations/", {"datapoint": labelled.datapoint_a.pk})
        by_stream = api.get("/api/v1/annotations/", {"stream": stream.pk})

        assert by_datapoint.json()["count"] == 2
        assert by_stream.json()["count"] == 2

    def test_a_client_viewer_reads_annotations_under_a_pseudonym(self, world, api_as):
        response = api_as(world["client_viewer"]).get("/api/v1/annotations/")

        rows = response.json()["results"]
        assert [row["id"] for row in rows] == [world.annotation_a.pk]
        assert rows[0]["annotator"].startswith("annotator-")
        assert "sam" not in response.content.decode()


def test_put_is_not_offered_because_changes_are_partial(world, api_as):
    response = api_as(world["specialist"]).put(
        f"/api/v1/annotations/{world.annotation_a.pk}/", segment(world.task_a.pk), format="json"
    )

    assert response.status_code == 405


def test_a_task_id_beyond_any_database_integer_is_a_400_not_a_server_error(world, api_as):
    response = api_as(world["specialist"]).post(
        "/api/v1/annotations/", segment(10**30), format="json"
    )

    assert response.status_code == 400
    assert "task" in response.json()
