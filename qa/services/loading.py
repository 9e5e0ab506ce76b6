"""Load a chunk of data points as plain records, in a fixed handful of queries
whatever the number of annotations: data points (locked), projects, ontology terms,
streams, annotations. Rows come from `values_list()`, never model instances.

Annotation attributes are not loaded: no check reads them, and decoding a third JSON
column per annotation costs more than any check. A check that needs them adds the
column here."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from qa.checks.context import CheckContext
from qa.checks.ontology import OntologyView, TermRecord
from qa.checks.records import AnnotationRecord, Cuboid, Scene, StreamRecord, parse_bbox
from qa.rules import rules_parse
from tasks.models import Annotation, DataPoint, Project, Stream, Task, Term


@dataclass(frozen=True)
class ProjectBatch:
    """The scenes of one project in a chunk, with the context to check them in."""

    project_id: int
    context: CheckContext
    scenes: list[Scene]

    @property
    def annotation_count(self) -> int:
        return sum(len(scene.annotations) for scene in self.scenes)


def batches_load(*, datapoint_ids: Sequence[int]) -> list[ProjectBatch]:
    """Must run inside a transaction: the data point rows are locked (FOR NO KEY
    UPDATE on PostgreSQL) so two validations of one data point run one after the
    other, while tasks and annotations can still be written meanwhile."""
    datapoints = dict(
        DataPoint.objects.select_for_update(no_key=True)
        .filter(pk__in=list(datapoint_ids))
        .order_by("pk")
        .values_list("pk", "project_id")
    )
    if not datapoints:
        return []
    contexts = _contexts(set(datapoints.values()))
    streams = _streams(datapoints)
    if connection.vendor == "postgresql":
        annotations = _annotations_postgresql(datapoints, streams)
    else:
        annotations = _annotations(datapoints, streams)
    by_project: dict[int, list[Scene]] = defaultdict(list)
    for datapoint_id, project_id in datapoints.items():
        by_project[project_id].append(
            Scene(
                datapoint_id=datapoint_id,
                streams=tuple(streams[datapoint_id].values()),
                annotations=tuple(annotations[datapoint_id]),
            )
        )
    return [
        ProjectBatch(project_id, contexts[project_id], scenes)
        for project_id, scenes in sorted(by_project.items())
    ]


def _contexts(project_ids: set[int]) -> dict[int, CheckContext]:
    projects = list(
        Project.objects.filter(pk__in=project_ids).values_list(
            "pk", "rules", "ontology_id", "ontology__name", "ontology__version"
        )
    )
    terms: dict[int, list[TermRecord]] = defaultdict(list)
    rows = Term.objects.filter(ontology_id__in={p[2] for p in projects}).values_list(
        "ontology_id", "key", "parent__key", "synonyms"
    )
    for ontology_id, key, parent, synonyms in rows:
        terms[ontology_id].append(TermRecord(key, parent, synonyms or {}))
    views = {}
    contexts = {}
    for project_id, rules, ontology_id, name, version in projects:
        if ontology_id not in views:
            views[ontology_id] = OntologyView(terms[ontology_id], name=f"{name} v{version}")
        contexts[project_id] = CheckContext(rules_parse(rules), views[ontology_id])
    return contexts


def _streams(datapoints: dict[int, int]) -> dict[int, dict[int, StreamRecord]]:
    streams: dict[int, dict[int, StreamRecord]] = defaultdict(dict)
    rows = Stream.objects.filter(datapoint_id__in=list(datapoints)).values_list(
        "pk", "datapoint_id", "key", "modality", "offset_ms", "rate_hz", "calibration"
    )
    for pk, datapoint_id, key, modality, offset_ms, rate_hz, calibration in rows:
        streams[datapoint_id][pk] = StreamRecord(key, modality, offset_ms, rate_hz, calibration)
    return streams


def _annotations(
    datapoints: dict[int, int], streams: dict[int, dict[int, StreamRecord]]
) -> dict[int, list[AnnotationRecord]]:
    annotations: dict[int, list[AnnotationRecord]] = defaultdict(list)
    rows = Annotation.objects.filter(task__datapoint_id__in=list(datapoints)).values_list(
        "pk",
        "task__datapoint_id",
        "task_id",
        "task__assignee_id",
        "stream_id",
        "kind",
        "label",
        "entity",
        "start_ms",
        "end_ms",
        "bbox",
        "cuboid",
    )
    on_stream = AnnotationRecord.on_stream
    for pk, dp, task, assignee, stream_id, kind, label, entity, s, e, bbox, cub in rows:
        stream = streams[dp].get(stream_id)
        if stream is None:  # an annotation on another data point's stream: not ours
            continue
        annotations[dp].append(
            on_stream(
                stream,
                start_ms=s,
                end_ms=e,
                bbox=bbox,
                cuboid=cub,
                id=pk,
                datapoint_id=dp,
                task_id=task,
                annotator_id=assignee,
                kind=kind,
                label=label,
                entity=entity,
            )
        )
    return annotations


def _annotation_sql() -> str:
    annotation, task = Annotation._meta.db_table, Task._meta.db_table
    return (
        "SELECT a.id, t.datapoint_id, a.task_id, t.assignee_id, a.stream_id, a.kind, "
        "a.label, a.entity, a.start_ms, a.end_ms, a.bbox::text, a.cuboid::text "
        f"FROM {annotation} a JOIN {task} t ON t.id = a.task_id "
        "WHERE t.datapoint_id = ANY(%s)"
    )


# PostgreSQL prints jsonb in one canonical form: ", " between items, object keys
# shortest first. The usual shapes are read with str.partition / str.split;
# anything else goes through json and the same parsers as on SQLite.
def _bbox_from_text(text: str) -> tuple[float, float, float, float] | None:
    if text[0] == "[":
        parts = text[1:-1].split(", ")
        if len(parts) == 4:
            try:
                return tuple(map(float, parts))  # type: ignore[return-value]
            except ValueError:
                pass
    return parse_bbox(json.loads(text))


def _cuboid_from_text(text: str) -> Cuboid | None:
    head, _, rest = text.partition(', "size": [')
    size, _, center = rest.partition('], "center": [')
    if head.startswith('{"yaw": ') and center.endswith("]}"):
        center_parts, size_parts = center[:-2].split(", "), size.split(", ")
        if len(center_parts) == 3 and len(size_parts) == 3:
            try:
                return Cuboid(
                    tuple(map(float, center_parts)),  # type: ignore[arg-type]
                    tuple(map(float, size_parts)),  # type: ignore[arg-type]
                    float(head[8:]) or 0.0,
                )
            except ValueError:
                pass
    return Cuboid.parse(json.loads(text))


_ANNOTATION_SQL: str | None = None


def _annotations_postgresql(
    datapoints: dict[int, int], streams: dict[int, dict[int, StreamRecord]]
) -> dict[int, list[AnnotationRecord]]:
    """Same records as `_annotations`, from one raw query returning plain tuples:
    no Django converters, geometry as jsonb text parsed by the helpers above."""
    global _ANNOTATION_SQL
    if _ANNOTATION_SQL is None:
        _ANNOTATION_SQL = _annotation_sql()
    annotations: dict[int, list[AnnotationRecord]] = defaultdict(list)
    build = AnnotationRecord.on_stream_parsed
    bbox_from_text, cuboid_from_text = _bbox_from_text, _cuboid_from_text
    with connection.cursor() as cursor:
        cursor.execute(_ANNOTATION_SQL, [list(datapoints)])
        rows = cursor.fetchall()
    for pk, dp, task, assignee, stream_id, kind, label, entity, s, e, bbox, cub in rows:
        stream = streams[dp].get(stream_id)
        if stream is None:  # an annotation on another data point's stream: not ours
            continue
        annotations[dp].append(
            build(
                stream,
                pk,
                dp,
                task,
                assignee,
                kind,
                label,
                entity,
                s,
                e,
                None if bbox is None else bbox_from_text(bbox),
                None if cub is None else cuboid_from_text(cub),
            )
        )
    return annotations
