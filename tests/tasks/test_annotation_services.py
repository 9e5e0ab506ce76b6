import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied

from common.errors import DomainError
from tasks.models import Annotation, TaskStatus
from tasks.services.annotations import annotation_create, annotation_delete, annotation_update
from tests.factories import make_datapoint, make_person, make_project, make_task

pytestmark = pytest.mark.django_db

SEGMENT = {
    "stream": "video-main",
    "kind": "segment",
    "label": "dog",
    "start_ms": 100,
    "end_ms": 900,
}


@pytest.fixture
def project():
    return make_project(modalities=["video", "audio"])


@pytest.fixture
def specialist():
    return make_person(username="vera", skills=[("video", "senior")])


@pytest.fixture
def task(project, specialist):
    return make_task(make_datapoint(project), "video", specialist)


@pytest.fixture
def published(monkeypatch):
    """Socket events handed to the channel layer, as (group, type, payload)."""
    calls = []
    monkeypatch.setattr(
        "common.events.group_send",
        lambda group, kind, payload: calls.append((group, kind, payload)),
    )
    return calls


class TestAnnotationCreate:
    def test_the_assignee_annotates_and_the_task_moves_to_in_progress(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        task.refresh_from_db()
        assert task.status == TaskStatus.IN_PROGRESS
        assert (annotation.stream.key, annotation.kind, annotation.label) == (
            "video-main",
            "segment",
            "dog",
        )
        assert (annotation.start_ms, annotation.end_ms, annotation.entity) == (100.0, 900.0, "")

    def test_the_stream_may_be_named_by_its_id(self, task, specialist):
        stream = task.datapoint.streams.get(key="video-main")

        annotation = annotation_create(
            actor=specialist, task=task, data={**SEGMENT, "stream": stream.pk}
        )

        assert annotation.stream == stream

    def test_someone_else_cannot_annotate_the_task(self, task):
        colleague = make_person(skills=[("video", "senior")])

        with pytest.raises(PermissionDenied):
            annotation_create(actor=colleague, task=task, data=SEGMENT)

        assert not Annotation.objects.exists()

    @pytest.mark.parametrize("status", [TaskStatus.SUBMITTED, TaskStatus.ACCEPTED])
    def test_a_task_that_is_no_longer_open_cannot_be_annotated(self, task, specialist, status):
        task.status = status
        task.save()

        with pytest.raises(DomainError) as error:
            annotation_create(actor=specialist, task=task, data=SEGMENT)

        assert error.value.field == "task"
        assert not Annotation.objects.exists()

    def test_a_stream_of_another_data_point_is_refused_naming_the_field(
        self, project, task, specialist
    ):
        elsewhere = make_datapoint(project).streams.get(key="video-main")

        with pytest.raises(DomainError) as error:
            annotation_create(actor=specialist, task=task, data={**SEGMENT, "stream": elsewhere.pk})

        assert error.value.field == "stream"
        assert "is not a stream of this data point" in error.value.message

    def test_a_stream_of_another_modality_is_refused_naming_the_field(self, task, specialist):
        with pytest.raises(DomainError) as error:
            annotation_create(actor=specialist, task=task, data={**SEGMENT, "stream": "audio-main"})

        assert error.value.field == "stream"
        assert error.value.message == "'audio-main' carries audio, but this task is video."

    def test_bad_input_is_refused_with_the_same_rules_as_imports(self, task, specialist):
        with pytest.raises(DomainError) as error:
            annotation_create(actor=specialist, task=task, data={**SEGMENT, "end_ms": 50})

        assert error.value.field == "end_ms"
        task.refresh_from_db()
        assert task.status == TaskStatus.ASSIGNED


class TestAnnotationUpdate:
    def test_changed_fields_are_merged_and_validated_as_a_whole(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        annotation_update(
            actor=specialist, annotation=annotation, data={"label": "cat", "end_ms": 1200}
        )

        annotation.refresh_from_db()
        assert (annotation.label, annotation.start_ms, annotation.end_ms) == ("cat", 100.0, 1200.0)

    def test_a_change_that_breaks_the_annotation_is_refused(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        with pytest.raises(DomainError) as error:
            annotation_update(actor=specialist, annotation=annotation, data={"start_ms": 5000})

        assert error.value.field == "end_ms"
        annotation.refresh_from_db()
        assert annotation.start_ms == 100.0

    def test_only_the_assignee_changes_it(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        with pytest.raises(PermissionDenied):
            annotation_update(actor=make_person(), annotation=annotation, data={"label": "cat"})


class TestAnnotationDelete:
    def test_the_assignee_deletes_an_annotation_of_an_open_task(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        annotation_delete(actor=specialist, annotation=annotation)

        assert not Annotation.objects.exists()

    def test_annotations_of_a_submitted_task_stay(self, task, specialist):
        annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)
        task.status = TaskStatus.SUBMITTED
        task.save()

        with pytest.raises(DomainError):
            annotation_delete(actor=specialist, annotation=annotation)

        assert Annotation.objects.filter(pk=annotation.pk).exists()


class TestAnnotationEvents:
    def test_created_is_published_to_the_data_point_only_after_commit(
        self, task, specialist, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)
            assert published == []

        for callback in callbacks:
            callback()

        [(group, kind, payload)] = published
        assert (group, kind) == (f"datapoint-{task.datapoint_id}", "annotation.created")
        assert payload["id"] == annotation.pk
        assert payload["stream"] == "video-main" and payload["annotator"] == "vera"
        assert (payload["start_ms"], payload["end_ms"], payload["label"]) == (100.0, 900.0, "dog")

    def test_a_refused_write_publishes_nothing(
        self, task, specialist, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
            annotation_create(actor=specialist, task=task, data={**SEGMENT, "kind": "polygon"})

        assert published == []

    def test_updates_and_deletes_are_published_too(
        self, task, specialist, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)
            annotation_id = annotation.pk
            annotation_update(actor=specialist, annotation=annotation, data={"label": "cat"})
            annotation_delete(actor=specialist, annotation=annotation)

        assert [kind for _, kind, _ in published] == [
            "annotation.created",
            "annotation.updated",
            "annotation.deleted",
        ]
        assert published[1][2]["label"] == "cat"
        assert published[2][2]["id"] == annotation_id

    def test_someone_on_the_data_point_socket_group_receives_the_event(
        self, task, specialist, settings, django_capture_on_commit_callbacks
    ):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(f"datapoint-{task.datapoint_id}", channel)

        with django_capture_on_commit_callbacks(execute=True):
            annotation = annotation_create(actor=specialist, task=task, data=SEGMENT)

        message = async_to_sync(layer.receive)(channel)
        assert message["type"] == "annotation_created"
        assert message["event"] == "annotation.created"
        assert message["payload"]["id"] == annotation.pk
