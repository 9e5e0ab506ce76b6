"""The figures of a calibration iteration (and of a whole project), loaded in bulk.

`iteration_figures` reads everything it needs in a fixed handful of queries (the batch,
its tasks, their annotations with stream offsets, the ontology's attributes,
validations, findings with the annotators they involve) and computes in memory with
metrics.agreement and metrics.rates. It writes nothing: services store the result as a
snapshot, selectors call it live for an open iteration.

The document (JSON; person ids as string keys, names applied on read):
    agreement: {tags: {modality: Agreement}, attributes: {modality: {attr: Agreement+level}},
                temporal: {modality: Agreement}, boxes: {modality: {mean_iou, pairs}}}
    alpha_by_modality: {modality: headline alpha: tags, else time slices, else mean of
                        attributes (a driving clip has no tags, only segments and boxes)}
    sync_errors: metrics.rates.sync_error_figures
    annotators: {person_id: {modalities, units, alpha_without: {modality: a},
                 alpha_delta: {modality: d}, majority_agreement, box_iou, sync_error_rate}}
    disagreement: [{datapoint_id, external_id, disagreement, findings}]  (top 25)
    batch: {datapoints, tasks, submitted_tasks, annotations}
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Hashable

import numpy as np
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast

from metrics import agreement as ag
from metrics.models import CalibrationIteration
from metrics.rates import FindingRecord, sync_error_figures
from qa.models import DataPointValidation, Finding, FindingAnnotation
from tasks.models import Annotation, Attribute, DataPoint, Project, Task, TaskStatus

DONE_STATUSES = (
    TaskStatus.SUBMITTED,
    TaskStatus.VALIDATED,
    TaskStatus.FLAGGED,
    TaskStatus.ACCEPTED,
)
TEMPORAL_KINDS = ("segment", "transcript")
TOP_DISAGREEMENT = 25


def iteration_figures(iteration: CalibrationIteration) -> dict:
    """All figures of one iteration; six to eight queries whatever its size."""
    batch = iteration.datapoints.values("pk")
    datapoints = {
        row["pk"]: row
        for row in DataPoint.objects.filter(pk__in=batch).values("pk", "external_id", "pod_id")
    }
    tasks = {
        row["pk"]: row
        for row in Task.objects.filter(
            datapoint_id__in=batch, assignee__isnull=False, status__in=DONE_STATUSES
        ).values("pk", "datapoint_id", "modality", "assignee_id")
    }
    # JSON columns come as text and are decoded only where they hold something:
    # Django's per-row JSON converter costs more than the rest of the load.
    rows = (
        Annotation.objects.filter(
            task__datapoint_id__in=batch,
            task__assignee__isnull=False,
            task__status__in=DONE_STATUSES,
        )
        .order_by("task_id", "kind", "start_ms", "id")
        .annotate(bbox_text=Cast("bbox", TextField()), attrs_text=Cast("attributes", TextField()))
        .values_list(
            "id",
            "task_id",
            "kind",
            "label",
            "entity",
            "start_ms",
            "end_ms",
            "bbox_text",
            "attrs_text",
            "stream__offset_ms",
        )
    )
    annotations = [
        (
            pk,
            task_id,
            kind,
            label,
            entity,
            start,
            end,
            _json(bbox) if kind == "bbox" else None,
            _json(attrs) or {},
            offset,
        )
        for pk, task_id, kind, label, entity, start, end, bbox, attrs, offset in _raw_rows(rows)
    ]
    levels = {
        key: (level, values)
        for key, level, values in Attribute.objects.filter(
            ontology_id=iteration.project.ontology_id
        ).values_list("key", "level", "values")
    }
    agreement_part = agreement_figures(tasks=tasks, annotations=annotations, levels=levels)
    validated, findings, involved = _findings(batch)
    annotators_of: dict[int, set[int]] = defaultdict(set)
    for task in tasks.values():
        annotators_of[task["datapoint_id"]].add(task["assignee_id"])
    rates = sync_error_figures(
        validated=validated,
        findings=findings,
        pod_of={pk: row["pod_id"] for pk, row in datapoints.items()},
        annotators_of=annotators_of,
        annotations_total=sum(1 for a in annotations if tasks[a[1]]["datapoint_id"] in validated),
        annotations_involved=len(involved),
    )
    for person, row in agreement_part["annotators"].items():
        row["sync_error_rate"] = rates["by_annotator"].get(person, {}).get("rate")

    findings_per_point: dict[int, int] = defaultdict(int)
    for finding in findings:
        if finding.status != "dismissed":
            findings_per_point[finding.datapoint_id] += 1
    ranked = sorted(
        (
            {
                "datapoint_id": pk,
                "external_id": datapoints[pk]["external_id"],
                "disagreement": round(score, 4),
                "findings": findings_per_point.get(pk, 0),
            }
            for pk, score in agreement_part.pop("disagreement_by_datapoint").items()
            if pk in datapoints
        ),
        key=lambda row: (-row["disagreement"], -row["findings"], row["datapoint_id"]),
    )
    return {
        **agreement_part,
        "sync_errors": rates,
        "disagreement": ranked[:TOP_DISAGREEMENT],
        "batch": {
            "datapoints": len(datapoints),
            "tasks": len(tasks),
            "annotations": len(annotations),
        },
    }


def _raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset as the driver returns them, without
    Django's per-row converters (tens of thousands of rows, plain columns only)."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(text: str | None):
    if not text or text in ("{}", "null"):
        return None
    return json.loads(text)


def _findings(batch) -> tuple[set[int], list[FindingRecord], set[int]]:
    validated = set(
        DataPointValidation.objects.filter(datapoint_id__in=batch).values_list(
            "datapoint_id", flat=True
        )
    )
    rows = list(
        Finding.objects.filter(datapoint_id__in=batch).values_list(
            "pk", "datapoint_id", "type", "check_code", "modality_a", "modality_b", "status"
        )
    )
    people: dict[int, set[int]] = defaultdict(set)
    involved: set[int] = set()
    for finding_id, annotation_id, assignee_id in (
        FindingAnnotation.objects.filter(finding__datapoint_id__in=batch)
        .exclude(finding__status="dismissed")
        .values_list("finding_id", "annotation_id", "annotation__task__assignee_id")
    ):
        involved.add(annotation_id)
        if assignee_id is not None:
            people[finding_id].add(assignee_id)
    records = [
        FindingRecord(
            datapoint_id=dp,
            type=kind,
            check=check,
            modality_pair=f"{a}|{b}" if b else a,
            status=status,
            annotator_ids=frozenset(people.get(pk, ())),
        )
        for pk, dp, kind, check, a, b, status in rows
    ]
    return validated, records, involved


def agreement_figures(
    *,
    tasks: dict[int, dict],
    annotations: list[tuple],
    levels: dict[str, tuple[str, list]],
) -> dict:
    """Agreement over plain rows: `tasks` by id ({datapoint_id, modality, assignee_id}),
    `annotations` as (id, task_id, kind, label, entity, start_ms, end_ms, bbox,
    attributes, stream offset) tuples, `levels` attribute key → (level, ordered values).
    The coders of a unit are the assignees of its (data point, modality) tasks."""
    tag_records: dict[str, list] = defaultdict(list)
    attr_records: dict[tuple[str, str], list] = defaultdict(list)
    segments: dict[tuple[int, str], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    boxes: dict[str, list] = defaultdict(list)
    coders_of: dict[tuple[int, str], set[int]] = defaultdict(set)
    where: dict[int, tuple[int, str, int]] = {}
    for task_id, task in tasks.items():
        dp, modality, coder = task["datapoint_id"], task["modality"], task["assignee_id"]
        coders_of[(dp, modality)].add(coder)
        where[task_id] = (dp, modality, coder)
    # A task with several tags (or an attribute on several annotations) counts its
    # last one in (kind, start) order: the tag's attributes win over a box's.
    for _id, task_id, kind, label, entity, start, end, bbox, attributes, offset in annotations:
        place = where.get(task_id)
        if place is None:
            continue
        dp, modality, coder = place
        if kind == "tag":
            tag_records[modality].append((dp, coder, label))
        if attributes:
            for key, value in attributes.items():
                attr_records[(modality, key)].append((dp, coder, value))
        if kind in TEMPORAL_KINDS and start is not None and end is not None:
            offset = offset or 0.0
            segments[(dp, modality)][coder].append((start + offset, end + offset, label))
        elif kind == "bbox" and bbox and entity:
            when = round((start or 0.0) + (offset or 0.0))
            boxes[modality].append(((dp, entity, when), coder, bbox))

    disagreement_sum: dict[int, float] = defaultdict(float)
    disagreement_n: dict[int, int] = defaultdict(int)
    annotators: dict[str, dict] = {}

    def person(coder: Hashable) -> dict:
        return annotators.setdefault(
            str(coder),
            {
                "modalities": [],
                "units": 0,
                "alpha_without": {},
                "alpha_delta": {},
                "agreeing": 0,
                "compared": 0,
                "box_iou": None,
            },
        )

    def score_units(rel: ag.Reliability) -> None:
        for unit, value in zip(rel.units, ag.unit_disagreement(rel.matrix), strict=True):
            if not np.isnan(value):
                dp = unit[0] if isinstance(unit, tuple) else unit
                disagreement_sum[dp] += float(value)
                disagreement_n[dp] += 1

    tags: dict[str, dict] = {}
    for modality, records in sorted(tag_records.items()):
        rel = ag.reliability_matrix(records, level="nominal")
        result = ag.agreement(rel.matrix, "nominal")
        tags[modality] = result.as_dict()
        score_units(rel)
        _per_coder(rel, modality, result.alpha, person)

    attributes_out: dict[str, dict] = defaultdict(dict)
    for (modality, key), records in sorted(attr_records.items()):
        level, order = levels.get(key, ("nominal", []))
        rel = ag.reliability_matrix(records, level=level, order=order or None)
        figures = ag.agreement(rel.matrix, level).as_dict()
        figures["level"] = level
        attributes_out[modality][key] = figures
        if level == "nominal":
            score_units(rel)

    temporal_units: dict[str, list] = defaultdict(list)
    for (dp, modality), by_coder in segments.items():
        full = {coder: by_coder.get(coder, []) for coder in coders_of[(dp, modality)] or by_coder}
        temporal_units[modality].append((dp, full))
    temporal = {
        modality: ag.agreement(ag.time_slice_matrix(units).matrix, "nominal").as_dict()
        for modality, units in sorted(temporal_units.items())
    }

    box_out: dict[str, dict] = {}
    for modality, records in sorted(boxes.items()):
        result = ag.box_agreement(records)
        box_out[modality] = result.as_dict()
        for coder, value in result.per_coder.items():
            person(coder)["box_iou"] = round(value, 4)

    for row in annotators.values():
        compared = row.pop("compared")
        agreeing = row.pop("agreeing")
        row["majority_agreement"] = round(agreeing / compared, 4) if compared else None
    return {
        "agreement": {
            "tags": tags,
            "attributes": dict(attributes_out),
            "temporal": temporal,
            "boxes": box_out,
        },
        "alpha_by_modality": headline_alpha(tags, temporal, attributes_out),
        "annotators": annotators,
        "disagreement_by_datapoint": {
            dp: disagreement_sum[dp] / disagreement_n[dp] for dp in disagreement_n
        },
    }


def headline_alpha(tags: dict, temporal: dict, attributes: dict) -> dict[str, float | None]:
    """One alpha per modality for the dashboard: the tags' where defined, else the time
    slices', else the mean of the attributes'; None (undefined, never 0) without any."""
    result: dict[str, float | None] = {}
    for modality in sorted({*tags, *temporal, *attributes}):
        candidates = [tags.get(modality, {}).get("alpha"), temporal.get(modality, {}).get("alpha")]
        value = next((c for c in candidates if c is not None), None)
        if value is None:
            values = [
                a["alpha"]
                for a in attributes.get(modality, {}).values()
                if a.get("alpha") is not None
            ]
            value = sum(values) / len(values) if values else None
        result[modality] = value
    return result


def _per_coder(rel: ag.Reliability, modality: str, overall: float | None, person) -> None:
    """Leave-one-out alpha and agreement with the majority of the other coders."""
    matrix = rel.matrix
    without = ag.leave_one_out_alpha(matrix, "nominal")
    filled = ~np.isnan(matrix)
    # Nominal codes are 0..q-1 (reliability_matrix), so they index the count table.
    q = len(rel.codes)
    table = np.stack([(matrix == k).sum(axis=0) for k in range(max(q, 1))], axis=1)
    for row_index, coder in enumerate(rel.coders):
        row = person(coder)
        mine = filled[row_index]
        row["modalities"].append(modality)
        row["units"] += int(mine.sum())
        value = without[row_index]
        row["alpha_without"][modality] = None if value is None else round(value, 4)
        row["alpha_delta"][modality] = (
            None if value is None or overall is None else round(value - overall, 4)
        )
        # Majority of the other coders, vectorised: counts per unit and category
        # without this coder's own value.
        codes = matrix[row_index, mine].astype(int)
        others = table[mine].copy()
        others[np.arange(codes.size), codes] -= 1
        top = others.max(axis=1)
        compared = top > 0
        row["compared"] += int(compared.sum())
        row["agreeing"] += int((others[np.arange(codes.size), codes] == top)[compared].sum())


def project_figures(project: Project) -> dict:
    """Project-wide sync-error figures (no agreement: that needs overlap, which only
    calibration batches have). Four queries."""
    scope = DataPoint.objects.filter(project=project).values("pk")
    validated, findings, involved = _findings(scope)
    pod_of = dict(
        DataPoint.objects.filter(project=project, pk__in=validated).values_list("pk", "pod_id")
    )
    figures = sync_error_figures(validated=validated, findings=findings, pod_of=pod_of)
    figures["annotations_involved"] = len(involved)
    figures["open_findings"] = sum(1 for f in findings if f.status in ("open", "confirmed"))
    return figures
