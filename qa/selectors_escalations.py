"""Reads of escalations, the audit trail, the adjudicated export and rule feedback,
scoped to the asking user. (A module of its own beside `qa/selectors.py`, which
the findings pages are growing at the same time.)

Who sees an escalation (everyone else gets a 404):
- operations managers: all;
- experts: those whose modality pair their skills cover, unless another expert
  claimed (or resolved) it.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from pods.models import Person, Role, Skill
from pods.selectors import can_see_names, is_staff_wide, person_name_for_user, person_pseudonym
from qa.models import (
    Escalation,
    EscalationFinding,
    EscalationStatus,
    Finding,
    FindingAnnotation,
    ResolutionOutcome,
)
from tasks.models import Annotation, DataPoint, Project, Stream
from tasks.selectors import datapoint_list_for_user


def escalation_list_for_user(*, user: Person) -> QuerySet[Escalation]:
    escalations = Escalation.objects.select_related(
        "datapoint", "project", "project__client", "expert"
    ).annotate(finding_count=Count("items"))
    if is_staff_wide(user):
        return escalations
    if user.role != Role.EXPERT:
        return escalations.none()
    skills = Skill.objects.filter(person=user)
    covered = Exists(skills.filter(modality=OuterRef("modality_a"))) & (
        Q(modality_b="") | Exists(skills.filter(modality=OuterRef("modality_b")))
    )
    not_others = Q(status=EscalationStatus.OPEN) | Q(expert=user)
    return escalations.filter(covered).filter(not_others)


def escalation_queue_for_user(*, user: Person) -> QuerySet[Escalation]:
    """What the caller still has to do: open ones first by due time, then theirs."""
    return escalation_list_for_user(user=user).exclude(status=EscalationStatus.RESOLVED)


def escalation_detail_for_user(*, user: Person) -> QuerySet[Escalation]:
    """Escalations with their findings and each finding's annotations (with stream,
    task and annotator), for the resolve page and the API detail."""
    annotations = Annotation.objects.select_related("stream", "task", "task__assignee")
    return escalation_list_for_user(user=user).prefetch_related(
        Prefetch(
            "items",
            queryset=EscalationFinding.objects.select_related("finding").prefetch_related(
                Prefetch("finding__annotations", queryset=annotations)
            ),
        )
    )


# --- audit trail ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    subject: str  # "annotation 12", "finding 4", "escalation 2"
    action: str  # created, changed, deleted
    reason: str
    changes: tuple[Change, ...] = field(default=())


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
_SKIPPED = {"updated_at", "created_at"}


def _entries(
    records: list, label: str, user: Person, people: dict[int, Person]
) -> list[AuditEntry]:
    entries = []
    previous: dict[int, Any] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        changes: tuple[Change, ...] = ()
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before, excluded_fields=_SKIPPED)
            changes = tuple(Change(c.field, c.old, c.new) for c in delta.changes)
        previous[record.id] = record
        entries.append(
            AuditEntry(
                at=record.history_date,
                who=person_name_for_user(user=user, person=people.get(record.history_user_id))
                if record.history_user_id
                else "system",
                subject=f"{label} {record.id}",
                action=_ACTIONS[record.history_type],
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def audit_trail_for_datapoint(*, user: Person, datapoint: DataPoint) -> list[AuditEntry]:
    """Who changed what on this data point, newest first: its annotations (saved
    through the services; bulk imports are not recorded), its findings (resolutions;
    validation writes in bulk and is not recorded) and its escalations, each with
    the fields before and after. Empty for a data point the user may not see;
    client viewers see annotators pseudonymised. Four queries."""
    if not datapoint_list_for_user(user=user).filter(pk=datapoint.pk).exists():
        return []
    annotations = list(Annotation.history.filter(task__datapoint_id=datapoint.pk))
    findings = list(Finding.history.filter(datapoint_id=datapoint.pk))
    escalations = list(Escalation.history.filter(datapoint_id=datapoint.pk))
    user_ids = {
        r.history_user_id for r in (*annotations, *findings, *escalations) if r.history_user_id
    }
    people = Person.objects.in_bulk(user_ids)
    entries = [
        *_entries(annotations, "annotation", user, people),
        *_entries(findings, "finding", user, people),
        *_entries(escalations, "escalation", user, people),
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


# --- adjudicated export ------------------------------------------------------------


def can_export(*, user: Person, project: Project) -> bool:
    """Operations managers, and the viewers of the project's client."""
    if is_staff_wide(user):
        return True
    return user.role == Role.CLIENT_VIEWER and user.client_id == project.client_id


EXPORT_CHUNK = 200


def adjudicated_export(
    *, user: Person, project: Project, chunk_size: int = EXPORT_CHUNK
) -> Iterator[dict]:
    """One dict per data point of the project, in id order: its streams, its current
    annotations (what remains after experts' corrections), and every finding with
    its status, the expert's outcome and note. Five queries per chunk of data
    points, whatever their size. Annotators are pseudonymised for client viewers."""
    return adjudicated_export_rows(
        project=project, pseudonymise=not can_see_names(user), chunk_size=chunk_size
    )


def adjudicated_export_rows(
    *, project: Project, pseudonymise: bool = False, chunk_size: int = EXPORT_CHUNK
) -> Iterator[dict]:
    """`adjudicated_export` without a user, for the operator's management command."""
    ids = list(
        DataPoint.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), chunk_size):
        yield from _export_chunk(ids[start : start + chunk_size], not pseudonymise)


def export_datapoint_count(*, project: Project) -> int:
    return DataPoint.objects.filter(project=project).count()


def _export_chunk(ids: list[int], names: bool) -> Iterator[dict]:
    datapoints = DataPoint.objects.filter(pk__in=ids).select_related("pod").order_by("pk")
    streams: dict[int, list[dict]] = defaultdict(list)
    for s in Stream.objects.filter(datapoint_id__in=ids).order_by("datapoint_id", "key"):
        streams[s.datapoint_id].append(
            {
                "key": s.key,
                "modality": s.modality,
                "uri": s.uri,
                "offset_ms": s.offset_ms,
                "rate_hz": s.rate_hz,
                "calibration": s.calibration,
            }
        )
    annotations: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Annotation.objects.filter(task__datapoint_id__in=ids)
        .select_related("stream", "task", "task__assignee")
        .order_by("task__datapoint_id", "stream__key", "start_ms", "id")
    )
    for a in rows:
        assignee = a.task.assignee
        annotator = None
        if assignee is not None:
            annotator = assignee.username if names else person_pseudonym(assignee.pk)
        annotations[a.task.datapoint_id].append(
            {
                "id": a.pk,
                "stream": a.stream.key,
                "modality": a.task.modality,
                "annotator": annotator,
                "kind": a.kind,
                "label": a.label,
                "entity": a.entity,
                "start_ms": a.start_ms,
                "end_ms": a.end_ms,
                "bbox": a.bbox,
                "cuboid": a.cuboid,
                "char_start": a.char_start,
                "char_end": a.char_end,
                "text": a.text,
                "speaker": a.speaker,
                "attributes": a.attributes,
            }
        )
    links: dict[int, list[int]] = defaultdict(list)
    for finding_id, annotation_id in (
        FindingAnnotation.objects.filter(finding__datapoint_id__in=ids)
        .order_by("annotation_id")
        .values_list("finding_id", "annotation_id")
    ):
        links[finding_id].append(annotation_id)
    resolutions: dict[int, dict] = {}
    for item in (
        EscalationFinding.objects.filter(finding__datapoint_id__in=ids)
        .exclude(outcome="")
        .select_related("escalation")
        .order_by("escalation__resolved_at", "pk")
    ):
        resolutions[item.finding_id] = {  # the latest resolution wins
            "escalation": item.escalation_id,
            "outcome": item.outcome,
            "note": item.escalation.note,
            "resolved_at": item.escalation.resolved_at.isoformat()
            if item.escalation.resolved_at
            else None,
        }
    findings: dict[int, list[dict]] = defaultdict(list)
    for f in Finding.objects.filter(datapoint_id__in=ids).order_by("datapoint_id", "pk"):
        resolution = resolutions.get(f.pk, {})
        findings[f.datapoint_id].append(
            {
                "id": f.pk,
                "type": f.type,
                "check": f.check_code,
                "severity": f.severity,
                "status": f.status,
                "entity": f.entity,
                "modality_a": f.modality_a,
                "modality_b": f.modality_b,
                "message": f.message,
                "annotations": links.get(f.pk, []),
                "outcome": resolution.get("outcome"),
                "note": resolution.get("note"),
                "escalation": resolution.get("escalation"),
                "resolved_at": resolution.get("resolved_at"),
            }
        )
    for dp in datapoints:
        yield {
            "datapoint": dp.pk,
            "external_id": dp.external_id,
            "pod": dp.pod.name if dp.pod else None,
            "streams": streams.get(dp.pk, []),
            "annotations": annotations.get(dp.pk, []),
            "findings": findings.get(dp.pk, []),
        }


# --- rule feedback ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckFeedback:
    check: str
    resolved: int
    fixed: int
    accepted: int
    dismissed: int
    dismissal_rate: float | None
    to_tune: bool


def rule_feedback(*, project: Project) -> list[CheckFeedback]:
    """Per check of the project: how experts resolved its findings, the share they
    dismissed as false positives, and whether that share exceeds
    SYNCPOD_RULE_TUNE_DISMISSAL_SHARE over at least SYNCPOD_RULE_TUNE_MIN_SAMPLE
    resolutions, which flags the check's rule as one to tune. One query."""
    share = getattr(settings, "SYNCPOD_RULE_TUNE_DISMISSAL_SHARE", 0.3)
    minimum = getattr(settings, "SYNCPOD_RULE_TUNE_MIN_SAMPLE", 10)
    rows = (
        EscalationFinding.objects.filter(finding__project=project)
        .exclude(outcome="")
        .values("finding__check_code")
        .annotate(
            resolved=Count("pk"),
            fixed=Count("pk", filter=Q(outcome=ResolutionOutcome.FIXED)),
            accepted=Count("pk", filter=Q(outcome=ResolutionOutcome.ACCEPTED)),
            dismissed=Count("pk", filter=Q(outcome=ResolutionOutcome.DISMISSED)),
        )
        .order_by("finding__check_code")
    )
    feedback = []
    for row in rows:
        rate = row["dismissed"] / row["resolved"] if row["resolved"] else None
        feedback.append(
            CheckFeedback(
                check=row["finding__check_code"],
                resolved=row["resolved"],
                fixed=row["fixed"],
                accepted=row["accepted"],
                dismissed=row["dismissed"],
                dismissal_rate=rate,
                to_tune=row["resolved"] >= minimum and rate is not None and rate > share,
            )
        )
    return feedback
