"""Writes of the metrics app: opening and closing calibration iterations, publishing
guidelines, and the project quality snapshots of the periodic job."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from common.errors import DomainError
from metrics.figures import iteration_figures, project_figures
from metrics.models import (
    CalibrationIteration,
    Guideline,
    IterationSnapshot,
    IterationStatus,
    ProjectQualitySnapshot,
)
from pods.models import Person, Pod, PodMember
from pods.selectors import is_staff_wide
from qa.checks.codes import Check
from tasks.models import DataPoint, Project, Task
from tasks.services.routing import RoutingReport, datapoints_mark_calibration, project_route


def can_run_iterations(*, user: Person, pod: Pod) -> bool:
    """Operations managers, and the lead of that pod."""
    return (
        is_staff_wide(user) or PodMember.objects.filter(pod=pod, person=user, is_lead=True).exists()
    )


def _require_runner(user: Person, pod: Pod) -> None:
    if not can_run_iterations(user=user, pod=pod):
        raise PermissionDenied("Only operations managers and the pod's lead run its iterations.")


@transaction.atomic
def iteration_open(
    *,
    actor: Person,
    project: Project,
    pod: Pod,
    datapoint_ids: Sequence[int],
    overlap: int | None = None,
) -> tuple[CalibrationIteration, RoutingReport]:
    """Open the next iteration of (project, pod) on a batch: mark the batch as
    calibration items, bring the project's overlap to the iteration's (routing reads
    it from the project) and route the batch's unrouted data points, so each modality
    gets `overlap` specialists. Data points that already have tasks (imported with
    their overlap copies) join as they are. The guideline in force is the project's
    latest version. Raises PermissionDenied for anyone but ops and the pod's lead,
    DomainError for a bad batch."""
    _require_runner(actor, pod)
    if not project.pods.filter(pk=pod.pk).exists():
        raise DomainError(f"{pod.name} does not work on {project.name}.", field="pod")
    ids = sorted(set(datapoint_ids))
    if not ids:
        raise DomainError("Pick at least one data point for the batch.", field="datapoints")
    found = set(DataPoint.objects.filter(project=project, pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        shown = ", ".join(map(str, missing[:20]))
        raise DomainError(f"Not data points of {project.name}: {shown}.", field="datapoints")
    busy = sorted(
        CalibrationIteration.datapoints.through.objects.filter(
            datapoint_id__in=ids, calibrationiteration__status=IterationStatus.OPEN
        ).values_list("datapoint_id", flat=True)
    )
    if busy:
        shown = ", ".join(map(str, busy[:20]))
        raise DomainError(
            f"Already in an open iteration: {shown}. Close it first.", field="datapoints"
        )
    overlap = overlap or max(project.overlap, 2)
    if overlap < 2:
        raise DomainError("Calibration needs an overlap of at least 2.", field="overlap")

    last = (
        CalibrationIteration.objects.select_for_update()
        .filter(project=project, pod=pod)
        .aggregate(n=Max("number"))["n"]
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            iteration = CalibrationIteration.objects.create(
                project=project,
                pod=pod,
                number=(last or 0) + 1,
                overlap=overlap,
                guideline=Guideline.objects.filter(project=project).order_by("-version").first(),
                opened_by=actor,
                opened_at=now,
            )
    except IntegrityError as error:
        raise DomainError(
            "Another iteration of this pod was opened at the same moment; try again.",
            field="pod",
        ) from error
    _guideline_started(iteration)
    iteration.datapoints.set(ids)
    datapoints_mark_calibration(project=project, datapoint_ids=ids)
    routed = set(Task.objects.filter(datapoint_id__in=ids).values_list("datapoint_id", flat=True))
    unrouted = [pk for pk in ids if pk not in routed]
    report = RoutingReport()
    if unrouted:
        report = project_route(
            project=project, datapoint_ids=unrouted, actor=actor, pod=pod, overlap=overlap
        )
    return iteration, report


@transaction.atomic
def iteration_close(*, actor: Person, iteration: CalibrationIteration) -> IterationSnapshot:
    """Close an open iteration and store its figures (metrics.figures) as its snapshot.
    The iteration row is locked, so two closes never race."""
    _require_runner(actor, iteration.pod)
    iteration = (
        CalibrationIteration.objects.select_for_update()
        .select_related("project", "pod")
        .get(pk=iteration.pk)
    )
    if iteration.status != IterationStatus.OPEN:
        raise DomainError("This iteration is already closed.", field="status")
    now = timezone.now()
    snapshot = IterationSnapshot.objects.create(
        iteration=iteration, figures=iteration_figures(iteration), computed_at=now
    )
    iteration.status = IterationStatus.CLOSED
    iteration.closed_at = now
    iteration.save(update_fields=["status", "closed_at", "updated_at"])
    return snapshot


@transaction.atomic
def guideline_publish(
    *,
    actor: Person,
    project: Project,
    body: str,
    change_summary: str = "",
    motivating_checks: Sequence[str] = (),
    pod: Pod | None = None,
) -> Guideline:
    """Publish the next version of a project's guidelines. It is in force from the next
    iteration opened; `started_iteration` is set then (see `guideline_started`).
    Operations managers, and leads of the project's pods."""
    if (
        not is_staff_wide(actor)
        and not PodMember.objects.filter(person=actor, is_lead=True, pod__projects=project).exists()
    ):
        raise PermissionDenied("Only operations managers and the project's pod leads.")
    if not body.strip():
        raise DomainError("The guidelines need a body.", field="body")
    unknown = sorted(set(motivating_checks) - set(Check.values))
    if unknown:
        raise DomainError(f"Unknown checks: {', '.join(unknown)}.", field="motivating_checks")
    last = (
        Guideline.objects.select_for_update()
        .filter(project=project)
        .aggregate(v=Max("version"))["v"]
    )
    return Guideline.objects.create(
        project=project,
        version=(last or 0) + 1,
        body=body,
        change_summary=change_summary,
        motivating_checks=sorted(set(motivating_checks)),
        published_by=actor,
    )


def _guideline_started(iteration: CalibrationIteration) -> None:
    if iteration.guideline_id:
        Guideline.objects.filter(pk=iteration.guideline_id, started_iteration__isnull=True).update(
            started_iteration=iteration
        )


@transaction.atomic
def project_snapshot(*, project: Project) -> ProjectQualitySnapshot:
    """Store the project's current sync-error figures."""
    return ProjectQualitySnapshot.objects.create(
        project=project, figures=project_figures(project), computed_at=timezone.now()
    )


def running_project_ids() -> list[int]:
    return list(Project.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
