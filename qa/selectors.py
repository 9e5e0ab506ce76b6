"""Reads of findings and sync-error rates, scoped to the asking user through the
data points they may see (tasks.selectors)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from common.errors import DomainError
from pods.models import Person
from pods.selectors import is_staff_wide
from qa.models import (
    ACTIVE_STATUSES,
    DataPointValidation,
    Finding,
    FindingAnnotation,
    FindingStatus,
)
from tasks.models import DataPoint, Project
from tasks.selectors import datapoint_list_for_user


def finding_list_for_user(*, user: Person) -> QuerySet[Finding]:
    """Findings of the data points the user may see; the annotation links are
    prefetched as bare ids."""
    findings = Finding.objects.select_related("datapoint", "project").prefetch_related(
        Prefetch(
            "links",
            queryset=FindingAnnotation.objects.only("finding_id", "annotation_id").order_by(
                "annotation_id"
            ),
        )
    )
    if is_staff_wide(user):
        return findings
    return findings.filter(datapoint__in=datapoint_list_for_user(user=user).values("pk"))


def datapoint_ids_to_validate(
    *, user: Person, project: Project, requested: Sequence[int] | None = None
) -> list[int]:
    """The project's data points the user may see, or the requested ones after
    checking each is one of them (DomainError on `datapoints` otherwise)."""
    visible = datapoint_list_for_user(user=user).filter(project=project)
    if requested is None:
        return list(visible.order_by("pk").values_list("pk", flat=True))
    found = set(visible.filter(pk__in=list(requested)).values_list("pk", flat=True))
    missing = sorted(set(requested) - found)
    if missing:
        shown = ", ".join(str(pk) for pk in missing[:20])
        raise DomainError(
            f"Not data points of {project.name} that you can see: {shown}.", field="datapoints"
        )
    return sorted(found)


@dataclass(frozen=True)
class SyncErrorRate:
    validated: int
    with_findings: int

    @property
    def rate(self) -> float | None:
        """None, not 0, when nothing was validated: no data is not a clean record."""
        return self.with_findings / self.validated if self.validated else None


def sync_error_rate(
    *, project: Project, datapoint_ids: Sequence[int] | None = None
) -> SyncErrorRate:
    """Validated data points with at least one finding that is not dismissed, over
    validated data points (DESIGN.md). A fixed finding still counts: the error was
    there. Optionally restricted to some data points (an iteration's batch)."""
    validations = DataPointValidation.objects.filter(project=project)
    if datapoint_ids is not None:
        validations = validations.filter(datapoint_id__in=list(datapoint_ids))
    erroneous = Exists(
        Finding.objects.filter(datapoint_id=OuterRef("datapoint_id")).exclude(
            status=FindingStatus.DISMISSED
        )
    )
    counts = validations.aggregate(
        validated=Count("pk"), with_findings=Count("pk", filter=Q(erroneous))
    )
    return SyncErrorRate(counts["validated"], counts["with_findings"])


@dataclass(frozen=True)
class FindingHighlight:
    """What the data-point page needs to mark one finding on its timeline. Times are
    on the master clock (stream time + the stream's offset); None when none of the
    finding's annotations is timed (an item-level tag, a text span)."""

    id: int
    type: str
    check: str
    severity: str
    status: str
    entity: str
    modality_a: str
    modality_b: str
    message: str
    annotation_ids: tuple[int, ...]
    start_ms: float | None
    end_ms: float | None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def finding_list_filtered_for_user(
    *,
    user: Person,
    type: str = "",
    check: str = "",
    status: str = "",
    pod_id: int | None = None,
    modality_pair: tuple[str, str] | None = None,
) -> QuerySet[Finding]:
    """The findings list page: finding_list_for_user, filtered, newest data points
    first. `modality_pair` is stored order (a <= b), ("video", "") for one modality."""
    findings = finding_list_for_user(user=user).select_related("datapoint__pod")
    if type:
        findings = findings.filter(type=type)
    if check:
        findings = findings.filter(check_code=check)
    if status:
        findings = findings.filter(status=status)
    if pod_id is not None:
        findings = findings.filter(datapoint__pod_id=pod_id)
    if modality_pair is not None:
        findings = findings.filter(modality_a=modality_pair[0], modality_b=modality_pair[1])
    return findings.order_by("-datapoint_id", "id")


def findings_for_datapoint(*, user: Person, datapoint: DataPoint) -> list[FindingHighlight]:
    """The data point's findings the user may see, each with its annotation ids and
    the master-time span they cover, in two queries. Active findings first."""
    findings = list(
        finding_list_for_user(user=user)
        .filter(datapoint=datapoint)
        .prefetch_related(None)
        .order_by("id")
        .values_list(
            "pk",
            "type",
            "check_code",
            "severity",
            "status",
            "entity",
            "modality_a",
            "modality_b",
            "message",
        )
    )
    links: dict[int, list[tuple[int, float | None, float | None]]] = {}
    rows = FindingAnnotation.objects.filter(
        finding_id__in=[row[0] for row in findings]
    ).values_list(
        "finding_id",
        "annotation_id",
        "annotation__start_ms",
        "annotation__end_ms",
        "annotation__stream__offset_ms",
    )
    for finding_id, annotation_id, start, end, offset in rows:
        offset = offset or 0.0
        links.setdefault(finding_id, []).append(
            (
                annotation_id,
                None if start is None else start + offset,
                None if end is None else end + offset,
            )
        )
    highlights = []
    for pk, type_, check, severity, status, entity, modality_a, modality_b, message in findings:
        linked = sorted(links.get(pk, []))
        starts = [start for _, start, _ in linked if start is not None]
        ends = [end if end is not None else start for _, start, end in linked if start is not None]
        highlights.append(
            FindingHighlight(
                id=pk,
                type=type_,
                check=check,
                severity=severity,
                status=status,
                entity=entity,
                modality_a=modality_a,
                modality_b=modality_b,
                message=message,
                annotation_ids=tuple(annotation_id for annotation_id, _, _ in linked),
                start_ms=min(starts) if starts else None,
                end_ms=max(ends) if ends else None,
            )
        )
    highlights.sort(key=lambda item: (not item.is_active, item.id))
    return highlights
