"""Findings of cross-modal validation, and the record of which data points were
validated (the sync-error rate's denominator)."""

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from common.models import TimestampedModel
from pods.models import Modality
from qa.checks.codes import TYPE_OF_CHECK, Check, FindingType, Severity
from tasks.models import Annotation, DataPoint, Project

__all__ = [
    "ACTIVE_STATUSES",
    "Check",
    "DataPointValidation",
    "Escalation",
    "EscalationFinding",
    "EscalationStatus",
    "Finding",
    "FindingAnnotation",
    "FindingStatus",
    "FindingType",
    "ResolutionOutcome",
    "Severity",
]


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    FIXED = "fixed", "Fixed"
    DISMISSED = "dismissed", "Dismissed"


# Findings someone still has to act on; re-validation turns them `fixed` once they
# no longer hold. Fixed and dismissed findings are resolved.
ACTIVE_STATUSES = (FindingStatus.OPEN, FindingStatus.CONFIRMED)


def _type_matches_check() -> Q:
    conditions = [
        Q(
            type=finding_type,
            check_code__in=[c for c, t in TYPE_OF_CHECK.items() if t == finding_type],
        )
        for finding_type in FindingType.values
    ]
    return reduce(operator.or_, conditions)


class Finding(TimestampedModel):
    """One sync error on one data point. `key` identifies the same problem across
    validation runs (check + entity + modality pair or annotation ids), and is unique
    per data point over every status: a dismissed finding seen again stays the one
    dismissed row, a fixed one that comes back is reopened, never duplicated.

    The check code is `check_code` because `Model.check` is Django's system-check hook;
    the API calls it `check`."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="findings")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="findings")
    type = models.CharField(max_length=20, choices=FindingType.choices)
    check_code = models.CharField("check", max_length=30, choices=Check.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    status = models.CharField(
        max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    entity = models.CharField(max_length=100, blank=True)
    modality_a = models.CharField(max_length=20, choices=Modality.choices)
    modality_b = models.CharField(
        max_length=20, choices=Modality.choices, blank=True, help_text="Blank for one modality."
    )
    measured = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    message = models.TextField()
    key = models.CharField(max_length=255)
    annotations = models.ManyToManyField(
        Annotation, through="FindingAnnotation", related_name="findings", blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Saves through the ORM (an expert's resolution) are audited; validation writes
    # findings with bulk statements, which bypass history by design.
    history = HistoricalRecords()

    class Meta:
        ordering = ["datapoint_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["datapoint", "key"], name="finding_key_unique"),
            models.CheckConstraint(
                condition=Q(type__in=FindingType.values), name="finding_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(check_code__in=Check.values), name="finding_check_valid"
            ),
            models.CheckConstraint(condition=_type_matches_check(), name="finding_check_of_type"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="finding_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="finding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(modality_a__in=Modality.values), name="finding_modality_a_valid"
            ),
            models.CheckConstraint(
                condition=Q(modality_b="")
                | (Q(modality_b__in=Modality.values) & Q(modality_a__lt=F("modality_b"))),
                name="finding_modality_pair_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ACTIVE_STATUSES, resolved_at__isnull=True)
                | (~Q(status__in=ACTIVE_STATUSES) & Q(resolved_at__isnull=False)),
                name="finding_resolved_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "type"], name="finding_project_status"),
            models.Index(fields=["project", "check_code"], name="finding_project_check"),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} on {self.datapoint_id} ({self.status})"

    @property
    def modality_pair(self) -> str:
        return f"{self.modality_a}|{self.modality_b}" if self.modality_b else self.modality_a


class FindingAnnotation(models.Model):
    """The annotations a finding involves. A table rather than an array of ids: it
    joins the same on SQLite and PostgreSQL (findings per annotator, share of
    annotations involved), and deleting an annotation removes its links instead of
    leaving dangling ids."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="links")
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="finding_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "annotation"], name="finding_annotation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id}→{self.annotation_id}"


class DataPointValidation(models.Model):
    """A data point has been validated, and when. The sync-error rate divides by the
    data points that have one of these, so unvalidated items never count as clean."""

    datapoint = models.OneToOneField(
        DataPoint, primary_key=True, on_delete=models.CASCADE, related_name="validation"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="validations")
    validated_at = models.DateTimeField()
    finding_count = models.PositiveIntegerField(
        default=0, help_text="Findings that held at this validation and are not dismissed."
    )

    class Meta:
        ordering = ["project_id", "datapoint_id"]
        indexes = [models.Index(fields=["project", "validated_at"], name="validation_project")]

    def __str__(self) -> str:
        return f"{self.datapoint_id} validated {self.validated_at:%Y-%m-%d %H:%M}"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    RESOLVED = "resolved", "Resolved"


ACTIVE_ESCALATION_STATUSES = (EscalationStatus.OPEN, EscalationStatus.CLAIMED)


class ResolutionOutcome(models.TextChoices):
    FIXED = "fixed", "Fixed (annotations corrected)"
    ACCEPTED = "accepted", "Accepted (both are right)"
    DISMISSED = "dismissed", "Dismissed (false positive)"


class Escalation(TimestampedModel):
    """The open findings of one data point that its specialists did not fix, routed
    to an expert whose skills cover the modality pair. `expert` is whom routing
    assigned it to until someone claims it, then the claimer. At most one escalation
    per data point is open or claimed at a time (a database constraint)."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="escalations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="escalations")
    findings = models.ManyToManyField(
        Finding, through="EscalationFinding", related_name="escalations"
    )
    modality_a = models.CharField(max_length=20, choices=Modality.choices)
    modality_b = models.CharField(
        max_length=20, choices=Modality.choices, blank=True, help_text="Blank for one modality."
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was raised to operations as overdue."
    )
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["datapoint"],
                condition=Q(status__in=ACTIVE_ESCALATION_STATUSES),
                name="one_active_escalation_per_datapoint",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EscalationStatus.values), name="escalation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="escalation_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(modality_a__in=Modality.values), name="escalation_modality_a_valid"
            ),
            models.CheckConstraint(
                condition=Q(modality_b="")
                | (Q(modality_b__in=Modality.values) & Q(modality_a__lt=F("modality_b"))),
                name="escalation_modality_pair_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status=EscalationStatus.OPEN)
                | (Q(expert__isnull=False) & Q(claimed_at__isnull=False)),
                name="claimed_escalation_has_expert",
            ),
            models.CheckConstraint(
                condition=(Q(status=EscalationStatus.RESOLVED) & Q(resolved_at__isnull=False))
                | (~Q(status=EscalationStatus.RESOLVED) & Q(resolved_at__isnull=True)),
                name="escalation_resolved_iff_resolved_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=EscalationStatus.RESOLVED) | ~Q(note=""),
                name="resolved_escalation_has_note",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="escalation_status_due"),
            models.Index(fields=["expert", "status"], name="escalation_expert_status"),
        ]

    def __str__(self) -> str:
        return f"escalation {self.pk} of {self.datapoint_id} ({self.status})"

    @property
    def modality_pair(self) -> str:
        return f"{self.modality_a}|{self.modality_b}" if self.modality_b else self.modality_a


class EscalationFinding(models.Model):
    """A finding an escalation gathered, and the expert's outcome once resolved."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="items")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="escalation_items")
    outcome = models.CharField(max_length=10, choices=ResolutionOutcome.choices, blank=True)

    class Meta:
        ordering = ["escalation_id", "finding_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "finding"], name="escalation_finding_unique"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=ResolutionOutcome.values),
                name="escalation_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id}→{self.finding_id} {self.outcome or 'pending'}"
