"""Writes of annotations by the specialist working a task.

The REST API, the pages and the data-point socket all call these, and they validate
with `tasks.validation`, the rule set imports use, so every way in accepts the same
annotations. Each write locks its task row, so a submit racing an edit cannot leave an
annotation on a submitted task, and publishes `annotation.*` to the data point's
group once the transaction has committed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from common.errors import DomainError
from common.events import publish_on_commit
from pods.models import Person
from tasks.models import (
    ANNOTATION_CONTENT_FIELDS,
    OPEN_TASK_STATUSES,
    Annotation,
    Stream,
    Task,
    TaskStatus,
)
from tasks.validation import validate_annotation

_EDITABLE_FIELDS = ANNOTATION_CONTENT_FIELDS


def datapoint_group(datapoint_id: int) -> str:
    """The channel-layer group of everyone working on one data point."""
    return f"datapoint-{datapoint_id}"


def annotation_payload(annotation: Annotation) -> dict[str, Any]:
    """The JSON-able form of an annotation that socket events carry."""
    task = annotation.task
    return {
        "id": annotation.pk,
        "task": task.pk,
        "datapoint": task.datapoint_id,
        "modality": task.modality,
        "stream": annotation.stream.key,
        "kind": annotation.kind,
        "label": annotation.label,
        "entity": annotation.entity,
        "start_ms": annotation.start_ms,
        "end_ms": annotation.end_ms,
        "bbox": annotation.bbox,
        "cuboid": annotation.cuboid,
        "char_start": annotation.char_start,
        "char_end": annotation.char_end,
        "text": annotation.text,
        "speaker": annotation.speaker,
        "attributes": annotation.attributes,
        "annotator": task.assignee.username if task.assignee else None,
    }


def _locked_open_task(*, actor: Person, task: Task) -> Task:
    """Re-read the task under a row lock and check the actor may annotate it now."""
    locked = Task.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=task.pk)
    if locked.assignee_id != actor.pk:
        raise PermissionDenied("Only the specialist the task is assigned to can annotate it.")
    if locked.status not in OPEN_TASK_STATUSES:
        raise DomainError(
            f"This task is {locked.get_status_display().lower()}; annotations can only be "
            "changed while it is assigned or in progress.",
            field="task",
        )
    return locked


def _resolve_stream(reference: Any, streams: list[Stream]) -> Any:
    """Accept a stream as its key, its id or a Stream; return the key the validator
    checks, or the reference unchanged when it names no stream of this data point
    (the validator then reports it on `stream`)."""
    if isinstance(reference, Stream):
        reference = reference.pk
    if type(reference) is int:
        for stream in streams:
            if stream.pk == reference:
                return stream.key
        return f"#{reference}"
    return reference


def _validated(*, task: Task, data: dict) -> tuple[dict, Stream]:
    streams = list(Stream.objects.filter(datapoint_id=task.datapoint_id))
    data = {**data, "stream": _resolve_stream(data.get("stream"), streams)}
    clean, errors = validate_annotation(
        data, streams={stream.key: stream.modality for stream in streams}, modality=task.modality
    )
    if errors:
        first = errors[0]
        reason = first["reason"]
        raise DomainError(f"{reason[:1].upper()}{reason[1:]}.", field=first["field"])
    stream = next(stream for stream in streams if stream.key == clean["stream"])
    return clean, stream


def _as_data(annotation: Annotation) -> dict[str, Any]:
    data = {name: getattr(annotation, name) for name in _EDITABLE_FIELDS}
    data["stream"] = annotation.stream_id
    return data


def _publish(event: str, annotation: Annotation) -> None:
    publish_on_commit(
        datapoint_group(annotation.task.datapoint_id), event, annotation_payload(annotation)
    )


@transaction.atomic
def annotation_create(*, actor: Person, task: Task, data: dict) -> Annotation:
    """Add an annotation to the actor's open task; the first one moves the task from
    assigned to in progress. `data` names the stream by key or id. Publishes
    `annotation.created` after commit."""
    task = _locked_open_task(actor=actor, task=task)
    clean, stream = _validated(task=task, data=data)
    annotation = Annotation(
        task=task, stream=stream, **{name: clean[name] for name in _EDITABLE_FIELDS}
    )
    annotation._history_user = actor  # the audit trail's "who", on every way in
    annotation.save(force_insert=True)
    if task.status == TaskStatus.ASSIGNED:
        task.status = TaskStatus.IN_PROGRESS
        task.save(update_fields=["status", "updated_at"])
    _publish("annotation.created", annotation)
    return annotation


@transaction.atomic
def annotation_update(*, actor: Person, annotation: Annotation, data: dict) -> Annotation:
    """Change some fields of an annotation on the actor's open task. The merged
    annotation is validated as a whole, so changing `kind` needs the new kind's
    geometry (and null for the old one). Publishes `annotation.updated` after commit."""
    task = _locked_open_task(actor=actor, task=annotation.task)
    annotation = Annotation.objects.select_related("stream").get(pk=annotation.pk)
    clean, stream = _validated(task=task, data={**_as_data(annotation), **data})
    annotation.task = task
    annotation.stream = stream
    for name in _EDITABLE_FIELDS:
        setattr(annotation, name, clean[name])
    annotation._history_user = actor
    annotation.save()
    _publish("annotation.updated", annotation)
    return annotation


@transaction.atomic
def annotation_delete(*, actor: Person, annotation: Annotation) -> None:
    """Delete an annotation of the actor's open task. Publishes `annotation.deleted`
    with the annotation as it was, after commit."""
    task = _locked_open_task(actor=actor, task=annotation.task)
    annotation = Annotation.objects.select_related("stream").get(pk=annotation.pk)
    annotation.task = task
    payload = annotation_payload(annotation)
    annotation._history_user = actor
    annotation.delete()
    publish_on_commit(datapoint_group(task.datapoint_id), "annotation.deleted", payload)


@transaction.atomic
def annotation_correct(
    *, actor: Person, annotation: Annotation, data: dict, reason: str
) -> Annotation:
    """Change an annotation of a task whatever its status, as an adjudicator: the
    expert resolving an escalation corrects submitted work. The caller has checked
    that `actor` holds that right (qa checks the expert's claim on the data point's
    escalation); this only validates the merged annotation as `annotation_update`
    does, records `actor` and `reason` in the annotation's history and publishes
    `annotation.updated` after commit."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .get(pk=annotation.task_id)
    )
    annotation = Annotation.objects.select_related("stream").get(pk=annotation.pk)
    clean, stream = _validated(task=task, data={**_as_data(annotation), **data})
    annotation.task = task
    annotation.stream = stream
    for name in _EDITABLE_FIELDS:
        setattr(annotation, name, clean[name])
    annotation._history_user = actor
    annotation._change_reason = reason[:100]
    annotation.save()
    _publish("annotation.updated", annotation)
    return annotation
