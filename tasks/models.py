"""Projects, ontologies, data points with their streams, tasks and annotations.

Annotations are stored in *stream* time; every cross-modal comparison converts to
the data point's master clock through `Stream.offset_ms` first.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from common.models import TimestampedModel
from pods.models import Client, Modality, Pod


class MeasurementLevel(models.TextChoices):
    NOMINAL = "nominal", "Nominal"
    ORDINAL = "ordinal", "Ordinal"
    INTERVAL = "interval", "Interval"
    RATIO = "ratio", "Ratio"


class Ontology(TimestampedModel):
    """A versioned taxonomy shared by every modality of a project."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name_plural = "ontologies"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="ontology_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Term(models.Model):
    """A concept. `synonyms` maps a modality to words that mean this term there."""

    ontology = models.ForeignKey(Ontology, on_delete=models.CASCADE, related_name="terms")
    key = models.SlugField(max_length=100)
    label = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    synonyms = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ontology_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ontology", "key"], name="term_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Attribute(models.Model):
    ontology = models.ForeignKey(Ontology, on_delete=models.CASCADE, related_name="attributes")
    key = models.SlugField(max_length=100)
    level = models.CharField(
        max_length=10, choices=MeasurementLevel.choices, default=MeasurementLevel.NOMINAL
    )
    values = models.JSONField(
        default=list, blank=True, help_text="Allowed values, in order for ordinal attributes."
    )

    class Meta:
        ordering = ["ontology_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ontology", "key"], name="attribute_key_unique"),
            models.CheckConstraint(
                condition=Q(level__in=MeasurementLevel.values), name="attribute_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.level})"


class Project(TimestampedModel):
    name = models.CharField(max_length=200)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    modalities = models.JSONField(default=list, help_text="Modalities every data point carries.")
    ontology = models.ForeignKey(Ontology, on_delete=models.PROTECT, related_name="projects")
    rules = models.JSONField(
        default=dict, blank=True, help_text="Consistency rules and thresholds (see DESIGN.md)."
    )
    overlap = models.PositiveSmallIntegerField(
        default=1, help_text="Specialists per modality on calibration items."
    )
    pods = models.ManyToManyField(Pod, blank=True, related_name="projects")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"], name="project_name_unique_per_client"
            ),
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class DataPoint(TimestampedModel):
    """One multimodal item. `meta` keeps the source's extra fields (and, for demo data,
    the sync errors the generator injected, so validation can be scored)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="datapoints")
    external_id = models.CharField(max_length=200)
    pod = models.ForeignKey(
        Pod, null=True, blank=True, on_delete=models.SET_NULL, related_name="datapoints"
    )
    is_calibration = models.BooleanField(default=False)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"], name="datapoint_external_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["project", "pod"], name="datapoint_project_pod")]

    def __str__(self) -> str:
        return self.external_id


class Stream(models.Model):
    """One recorded signal of a data point, placed on its master clock."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="streams")
    key = models.CharField(max_length=100)
    modality = models.CharField(max_length=20, choices=Modality.choices)
    uri = models.CharField(max_length=1000, blank=True)
    offset_ms = models.FloatField(default=0.0, help_text="Master time of the stream's time 0.")
    rate_hz = models.FloatField(null=True, blank=True)
    calibration = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["datapoint_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["datapoint", "key"], name="stream_key_unique"),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="stream_modality_valid"
            ),
            models.CheckConstraint(
                condition=Q(rate_hz__isnull=True) | Q(rate_hz__gt=0), name="stream_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.datapoint_id}/{self.key}"

    def to_master_ms(self, stream_ms: float) -> float:
        return stream_ms + self.offset_ms


class TaskStatus(models.TextChoices):
    UNASSIGNED = "unassigned", "Unassigned"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    VALIDATED = "validated", "Validated"
    FLAGGED = "flagged", "Flagged"
    ACCEPTED = "accepted", "Accepted"


OPEN_TASK_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)


class Task(TimestampedModel):
    """One unit of work: (data point, modality, assignee)."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="tasks")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    # No single-column indexes on assignee and pod: the (assignee, status) and
    # (pod, modality, status) indexes lead with them, and each index costs routing and
    # import writes.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    pod = models.ForeignKey(
        Pod,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        db_index=False,
    )
    status = models.CharField(
        max_length=20, choices=TaskStatus.choices, default=TaskStatus.UNASSIGNED
    )
    copy = models.PositiveSmallIntegerField(default=0, help_text="Overlap copy number.")
    is_imported = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["datapoint_id", "modality", "copy"]
        constraints = [
            models.UniqueConstraint(
                fields=["datapoint", "modality", "assignee"],
                condition=Q(assignee__isnull=False),
                name="one_task_per_person_modality_datapoint",
            ),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="task_modality_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=TaskStatus.UNASSIGNED) | Q(assignee__isnull=False),
                name="assigned_task_has_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="task_assignee_status"),
            models.Index(fields=["pod", "modality", "status"], name="task_pod_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.datapoint_id}:{self.modality}#{self.copy}"


class AnnotationKind(models.TextChoices):
    TAG = "tag", "Tag"
    SEGMENT = "segment", "Segment"
    BBOX = "bbox", "Bounding box"
    CUBOID = "cuboid", "Cuboid"
    SPAN = "span", "Text span"
    TRANSCRIPT = "transcript", "Transcript"


# What an annotation says, as the import, the API, the services and the sockets take it.
ANNOTATION_CONTENT_FIELDS = (
    "kind",
    "label",
    "entity",
    "start_ms",
    "end_ms",
    "bbox",
    "cuboid",
    "char_start",
    "char_end",
    "text",
    "speaker",
    "attributes",
)


class Annotation(TimestampedModel):
    """A label on one stream. Times are stream times in ms; `entity` is the cross-modal
    key that ties annotations of one real-world object or event together.

    Geometry: `bbox` is [x, y, w, h] in pixels at `start_ms`; `cuboid` is
    {"center": [x, y, z], "size": [l, w, h], "yaw": rad} at scan time `start_ms`.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="annotations")
    # The (stream, entity) index leads with stream; no second one for the foreign key.
    stream = models.ForeignKey(
        Stream, on_delete=models.CASCADE, related_name="annotations", db_index=False
    )
    kind = models.CharField(max_length=12, choices=AnnotationKind.choices)
    label = models.CharField(
        max_length=100, help_text="An ontology term key (kept even if unknown)."
    )
    entity = models.CharField(max_length=100, blank=True)
    start_ms = models.FloatField(null=True, blank=True)
    end_ms = models.FloatField(null=True, blank=True)
    bbox = models.JSONField(null=True, blank=True)
    cuboid = models.JSONField(null=True, blank=True)
    char_start = models.PositiveIntegerField(null=True, blank=True)
    char_end = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    speaker = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Audit trail of changes saved through the ORM; bulk imports bypass it by design.
    history = HistoricalRecords()

    class Meta:
        ordering = ["task_id", "start_ms", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AnnotationKind.values), name="annotation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_ms__isnull=True)
                | Q(end_ms__isnull=True)
                | Q(end_ms__gte=F("start_ms")),
                name="annotation_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(char_start__isnull=True)
                | Q(char_end__isnull=True)
                | Q(char_end__gte=F("char_start")),
                name="annotation_span_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["segment", "transcript"])
                | (Q(start_ms__isnull=False) & Q(end_ms__isnull=False)),
                name="timed_annotation_has_times",
            ),
            models.CheckConstraint(
                condition=~Q(kind="bbox") | (Q(bbox__isnull=False) & Q(start_ms__isnull=False)),
                name="bbox_annotation_has_box",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cuboid") | (Q(cuboid__isnull=False) & Q(start_ms__isnull=False)),
                name="cuboid_annotation_has_cuboid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="span")
                | (Q(char_start__isnull=False) & Q(char_end__isnull=False)),
                name="span_annotation_has_range",
            ),
        ]
        indexes = [models.Index(fields=["stream", "entity"], name="annotation_stream_entity")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.label}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(TimestampedModel):
    """A long operation (import, validation, export) run in the background; the API
    answers 202 with its id and `/api/v1/jobs/{id}/` reports progress and result."""

    kind = models.CharField(max_length=40)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


def _logged_person() -> models.ForeignKey:
    """A person named in the transition log: kept when they leave (SET_NULL), neither
    indexed nor checked by the database (see TaskTransition)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class TaskTransition(models.Model):
    """Every change of a task's status or assignee: who did it, when, and why."""

    # An append-only log, written one row per assignment by routing: only the
    # (task, at) index, and no database-level foreign-key checks (as audit history
    # tables do); Django still cascades deletes of tasks to their transitions.
    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="transitions",
        db_index=False,
        db_constraint=False,
    )
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    from_assignee = _logged_person()
    to_assignee = _logged_person()
    actor = _logged_person()
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_id", "at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="transition_task_at")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """One message of a data point's discussion thread, written over the workspace
    socket (or any other door) through `tasks.services.comments`."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["datapoint_id", "created_at", "id"]
        indexes = [models.Index(fields=["datapoint", "created_at"], name="comment_datapoint_at")]

    def __str__(self) -> str:
        return f"comment #{self.pk} on {self.datapoint_id}"


class AnnotationLock(models.Model):
    """A soft lock: "I am editing this annotation". Advisory (writes do not check it);
    it only tells the others. It lapses at `expires_at` unless renewed, so a tab that
    closed without saying so frees it; `connection` is the socket that holds it, so
    a disconnect releases exactly that tab's locks."""

    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, related_name="lock")
    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="locks")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connection = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["datapoint", "expires_at"], name="lock_datapoint_expires")]

    def __str__(self) -> str:
        return f"lock on annotation {self.annotation_id} until {self.expires_at:%H:%M:%S}"


class Presence(models.Model):
    """One open workspace socket on a data point: who is there, on which modality.
    Rows are written at connect and deleted at disconnect; `seen_at` is renewed by the
    client's heartbeat, so the rows of a process that died unannounced lapse (readers
    ignore rows older than `tasks.services.presence.PRESENCE_TTL`)."""

    datapoint = models.ForeignKey(DataPoint, on_delete=models.CASCADE, related_name="presences")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connection = models.CharField(max_length=200, unique=True)
    modality = models.CharField(max_length=100, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["datapoint", "seen_at"], name="presence_datapoint_seen")]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.datapoint_id}"
