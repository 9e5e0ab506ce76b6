"""Reads of findings and sync-error rates, scoped to the asking user through the
data points they may see (tasks.selectors)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from common.errors import DomainError
from pods.models import Person
from pods.selectors import is_staff_wide
from qa.models import DataPointValidation, Finding, FindingAnnotation, FindingStatus
from tasks.models import Project
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
