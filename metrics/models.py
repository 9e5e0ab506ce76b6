"""Calibration iterations, versioned guidelines and the metric snapshots dashboards read.

Figures are JSON documents written once by a service (closing an iteration, or the
periodic job); pages and the API read them and never recompute over raw annotations.
Snapshots key annotators by person id only: names or pseudonyms are applied when a
snapshot is read, for the person reading it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from common.models import TimestampedModel
from pods.models import Pod
from tasks.models import DataPoint, Project


class IterationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Guideline(TimestampedModel):
    """One version of a project's annotation guidelines. A new version starts with the
    iteration after the one whose findings motivated it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="guidelines")
    version = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown.")
    change_summary = models.TextField(blank=True)
    motivating_checks = models.JSONField(
        default=list, blank=True, help_text="Check codes whose findings motivated the change."
    )
    started_iteration = models.ForeignKey(
        "CalibrationIteration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="started_guidelines",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="guideline_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="guideline_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project} guidelines v{self.version}"


class CalibrationIteration(TimestampedModel):
    """Round `number` of (project, pod): a batch of data points annotated with overlap
    under one guideline version."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="iterations")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="iterations")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=IterationStatus.choices, default=IterationStatus.OPEN
    )
    overlap = models.PositiveSmallIntegerField(default=2)
    guideline = models.ForeignKey(
        Guideline, null=True, blank=True, on_delete=models.PROTECT, related_name="iterations"
    )
    datapoints = models.ManyToManyField(
        DataPoint, related_name="calibration_iterations", blank=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "pod_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "pod", "number"], name="iteration_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IterationStatus.values), name="iteration_status_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="iteration_number_positive"),
            models.CheckConstraint(condition=Q(overlap__gte=1), name="iteration_overlap_positive"),
            models.CheckConstraint(
                condition=Q(status=IterationStatus.OPEN, closed_at__isnull=True)
                | Q(status=IterationStatus.CLOSED, closed_at__isnull=False),
                name="iteration_closed_iff_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.pod} · iteration {self.number}"


class IterationSnapshot(models.Model):
    """The figures of a closed iteration (see metrics.figures for the document)."""

    iteration = models.OneToOneField(
        CalibrationIteration, on_delete=models.CASCADE, related_name="snapshot"
    )
    figures = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"snapshot of {self.iteration}"


class ProjectQualitySnapshot(models.Model):
    """The project-wide sync-error figures at one moment, written by the periodic job."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quality_snapshots")
    figures = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["project_id", "-computed_at"]
        indexes = [
            models.Index(fields=["project", "computed_at"], name="quality_snapshot_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project} quality at {self.computed_at:%Y-%m-%d %H:%M}"
