"""Write a chunk's finding drafts against the findings already stored, in bulk.

Matching is by (data point, key). A draft with a new key becomes an open finding;
one whose finding exists updates it (a `fixed` one is reopened, a `dismissed` one
stays dismissed); an open or confirmed finding no draft holds any more becomes
`fixed`. Events go out per data point once the transaction commits."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qa.checks.records import FindingDraft
from qa.models import (
    ACTIVE_STATUSES,
    DataPointValidation,
    Finding,
    FindingAnnotation,
    FindingStatus,
)
from qa.services.events import Message, publish_all_on_commit

# Fields a re-validation may change on an existing finding.
DETAIL_FIELDS = (
    "type",
    "check_code",
    "severity",
    "entity",
    "modality_a",
    "modality_b",
    "measured",
    "threshold",
    "message",
)


@dataclass
class WriteResult:
    created: list[Finding] = field(default_factory=list)
    updated: int = 0
    reopened: list[Finding] = field(default_factory=list)
    fixed: list[tuple[int, int]] = field(default_factory=list)  # (finding id, datapoint id)
    open_per_datapoint: dict[int, int] = field(default_factory=dict)


def _values(draft: FindingDraft) -> dict[str, Any]:
    return {
        "type": draft.type,
        "check_code": draft.check,
        "severity": draft.severity,
        "entity": draft.entity,
        "modality_a": draft.modality_a,
        "modality_b": draft.modality_b,
        "measured": draft.measured,
        "threshold": draft.threshold,
        "message": draft.message,
    }


def findings_write(
    *, projects: dict[int, int], drafts: Iterable[FindingDraft], now: datetime
) -> WriteResult:
    """`projects` maps every validated data point to its project. Runs in the
    caller's transaction; a fixed number of queries whatever the chunk's size (more
    only when a bulk statement needs several batches)."""
    datapoint_ids = list(projects)
    existing = {
        (row["datapoint_id"], row["key"]): row
        for row in Finding.objects.filter(datapoint_id__in=datapoint_ids).values(
            "pk", "datapoint_id", "key", "status", "resolved_at", *DETAIL_FIELDS
        )
    }
    links: dict[int, dict[int, int]] = defaultdict(dict)  # finding -> annotation -> link pk
    for pk, finding_id, annotation_id in FindingAnnotation.objects.filter(
        finding__datapoint_id__in=datapoint_ids
    ).values_list("pk", "finding_id", "annotation_id"):
        links[finding_id][annotation_id] = pk

    result = WriteResult()
    held: set[tuple[int, str]] = set()
    new_rows: list[tuple[Finding, FindingDraft]] = []
    changed: list[Finding] = []
    link_add: list[FindingAnnotation] = []
    link_remove: list[int] = []
    counts: dict[int, int] = defaultdict(int)
    for draft in drafts:
        identity = (draft.datapoint_id, draft.key)
        if identity in held:  # two checks never share a key; guard anyway
            continue
        held.add(identity)
        values = _values(draft)
        row = existing.get(identity)
        if row is None:
            finding = Finding(
                datapoint_id=draft.datapoint_id,
                project_id=projects[draft.datapoint_id],
                key=draft.key,
                status=FindingStatus.OPEN,
                **values,
            )
            new_rows.append((finding, draft))
            counts[draft.datapoint_id] += 1
            continue
        status = row["status"]
        if status != FindingStatus.DISMISSED:
            counts[draft.datapoint_id] += 1
        reopen = status == FindingStatus.FIXED
        if reopen or any(row[name] != value for name, value in values.items()):
            finding = Finding(pk=row["pk"], datapoint_id=draft.datapoint_id, key=draft.key)
            finding.status = FindingStatus.OPEN if reopen else status
            finding.resolved_at = None if reopen else row["resolved_at"]
            finding.updated_at = now
            for name, value in values.items():
                setattr(finding, name, value)
            changed.append(finding)
            if reopen:
                result.reopened.append(finding)
        current = links.get(row["pk"], {})
        wanted = set(draft.annotation_ids)
        link_remove.extend(
            pk for annotation_id, pk in current.items() if annotation_id not in wanted
        )
        link_add.extend(
            FindingAnnotation(finding_id=row["pk"], annotation_id=a)
            for a in sorted(wanted - current.keys())
        )

    to_fix = [
        (row["pk"], row["datapoint_id"])
        for identity, row in existing.items()
        if identity not in held and row["status"] in ACTIVE_STATUSES
    ]

    if new_rows:
        created = Finding.objects.bulk_create([finding for finding, _ in new_rows])
        for finding, (_, draft) in zip(created, new_rows, strict=True):
            link_add.extend(
                FindingAnnotation(finding_id=finding.pk, annotation_id=a)
                for a in draft.annotation_ids
            )
        result.created = created
    if changed:
        Finding.objects.bulk_update(
            changed, [*DETAIL_FIELDS, "status", "resolved_at", "updated_at"]
        )
        result.updated = len(changed) - len(result.reopened)
    if to_fix:
        Finding.objects.filter(pk__in=[pk for pk, _ in to_fix]).update(
            status=FindingStatus.FIXED, resolved_at=now, updated_at=now
        )
        result.fixed = to_fix
    if link_remove:
        FindingAnnotation.objects.filter(pk__in=link_remove).delete()
    if link_add:
        FindingAnnotation.objects.bulk_create(link_add)

    DataPointValidation.objects.bulk_create(
        [
            DataPointValidation(
                datapoint_id=dp, project_id=project, validated_at=now, finding_count=counts[dp]
            )
            for dp, project in projects.items()
        ],
        update_conflicts=True,
        unique_fields=["datapoint"],
        update_fields=["project", "validated_at", "finding_count"],
    )
    result.open_per_datapoint = dict(counts)
    _publish(result)
    return result


def finding_event(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "type": finding.type,
        "check": finding.check_code,
        "severity": finding.severity,
        "status": finding.status,
        "entity": finding.entity,
        "modality_a": finding.modality_a,
        "modality_b": finding.modality_b,
        "message": finding.message,
        "key": finding.key,
    }


def _publish(result: WriteResult) -> None:
    """One event per data point and kind, carrying its findings; all of a chunk's
    events leave together after commit."""
    created: dict[int, list[dict]] = defaultdict(list)
    for finding in (*result.created, *result.reopened):
        created[finding.datapoint_id].append(finding_event(finding))
    resolved: dict[int, list[int]] = defaultdict(list)
    for pk, datapoint_id in result.fixed:
        resolved[datapoint_id].append(pk)
    messages: list[Message] = [
        (f"datapoint-{dp}", "finding.created", {"datapoint": dp, "findings": findings})
        for dp, findings in created.items()
    ]
    messages += [
        (
            f"datapoint-{dp}",
            "finding.resolved",
            {"datapoint": dp, "findings": ids, "status": FindingStatus.FIXED},
        )
        for dp, ids in resolved.items()
    ]
    publish_all_on_commit(messages)
