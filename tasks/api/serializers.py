"""Input and output shapes of ontologies, projects, data points, tasks, annotations
and jobs.

Outputs that name an annotator read `names_visible` from the serializer context: staff
and pod members see usernames, client viewers a stable pseudonym (pods.selectors).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pods.models import Client, Modality, Person, Pod
from pods.selectors import person_pseudonym
from tasks.models import (
    ANNOTATION_CONTENT_FIELDS,
    Annotation,
    AnnotationKind,
    DataPoint,
    Job,
    JobStatus,
    MeasurementLevel,
    Ontology,
    Project,
    Stream,
    Task,
    Term,
)

MODALITY_ERRORS = {"invalid_choice": "'{input}' is not a modality."}


class ModalityListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Modality.choices, error_messages=MODALITY_ERRORS)


def person_label(context: dict, person: Person | None) -> str | None:
    """Username for people who may see names, pseudonym for client viewers."""
    if person is None:
        return None
    if context.get("names_visible", False):
        return person.username
    return person_pseudonym(person.pk)


# Ontologies


class TermInput(serializers.Serializer):
    key = serializers.SlugField(max_length=100)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    parent = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="Key of the parent term."
    )
    synonyms = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Words per modality that mean this term there.",
    )


class AttributeSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=100)
    level = serializers.ChoiceField(
        choices=MeasurementLevel.choices, default=MeasurementLevel.NOMINAL
    )
    values = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="Allowed values, in order for ordinal attributes.",
    )


class TermOutput(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.key", allow_null=True, read_only=True)
    synonyms = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))

    class Meta:
        model = Term
        fields = ["key", "label", "parent", "synonyms"]


class OntologyOutput(serializers.ModelSerializer):
    terms = TermOutput(many=True, read_only=True)
    attributes = AttributeSerializer(many=True, read_only=True)

    class Meta:
        model = Ontology
        fields = ["id", "name", "version", "description", "terms", "attributes", "created_at"]


class OntologyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="Defaults to the next version of this name."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    terms = TermInput(many=True, allow_empty=False)
    attributes = AttributeSerializer(many=True, required=False)


# Projects


class ProjectOutput(serializers.ModelSerializer):
    modalities = ModalityListField()
    rules = serializers.DictField()
    pods = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "client",
            "modalities",
            "ontology",
            "rules",
            "pods",
            "overlap",
            "is_active",
            "created_at",
        ]


class ProjectInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    modalities = ModalityListField(allow_empty=False)
    ontology = serializers.PrimaryKeyRelatedField(queryset=Ontology.objects.all())
    rules = serializers.DictField(required=False)
    pods = serializers.PrimaryKeyRelatedField(queryset=Pod.objects.all(), many=True, required=False)
    overlap = serializers.IntegerField(min_value=1, required=False)


class ProjectUpdateInput(ProjectInput):
    name = serializers.CharField(max_length=200, required=False)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False)
    modalities = ModalityListField(allow_empty=False, required=False)
    ontology = serializers.PrimaryKeyRelatedField(queryset=Ontology.objects.all(), required=False)
    is_active = serializers.BooleanField(required=False)


# Data points, streams, tasks, annotations


class StreamOutput(serializers.ModelSerializer):
    calibration = serializers.JSONField(allow_null=True)

    class Meta:
        model = Stream
        fields = ["id", "key", "modality", "uri", "offset_ms", "rate_hz", "calibration"]


class AnnotationOutput(serializers.ModelSerializer):
    datapoint = serializers.IntegerField(source="task.datapoint_id", read_only=True)
    stream_key = serializers.CharField(source="stream.key", read_only=True)
    annotator = serializers.SerializerMethodField(
        help_text="Username, or a stable pseudonym such as annotator-7f3a91c2 for clients."
    )
    bbox = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    cuboid = serializers.DictField(allow_null=True)
    attributes = serializers.DictField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "task",
            "datapoint",
            "stream",
            "stream_key",
            "annotator",
            *ANNOTATION_CONTENT_FIELDS,
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_annotator(self, annotation: Annotation) -> str | None:
        return person_label(self.context, annotation.task.assignee)


class AnnotationFieldsInput(serializers.Serializer):
    """What a caller may send about an annotation. Documentation only: the body goes to
    the annotation services as it came, and they check it with tasks.validation, the
    rules imports use, so every way in accepts and refuses the same annotations."""

    stream = serializers.CharField(
        help_text="Key (or id) of a stream of the task's data point, of the task's modality."
    )
    kind = serializers.ChoiceField(choices=AnnotationKind.choices)
    label = serializers.CharField(max_length=100, help_text="An ontology term key.")
    entity = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Cross-modal entity key."
    )
    start_ms = serializers.FloatField(required=False, allow_null=True, help_text="Stream time, ms.")
    end_ms = serializers.FloatField(required=False, allow_null=True, help_text="Stream time, ms.")
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        required=False,
        allow_null=True,
        help_text="[x, y, w, h] in pixels, at start_ms.",
    )
    cuboid = serializers.DictField(
        required=False, allow_null=True, help_text="{center: [x, y, z], size: [l, w, h], yaw}."
    )
    char_start = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    char_end = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    text = serializers.CharField(required=False, allow_blank=True)
    speaker = serializers.CharField(required=False, allow_blank=True, max_length=100)
    attributes = serializers.DictField(required=False)


class AnnotationCreateInput(AnnotationFieldsInput):
    task = serializers.IntegerField(help_text="One of your open tasks.")


class AnnotationTaskInput(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DataPointTaskOutput(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField(
        help_text="Username, or the assignee's pseudonym for clients."
    )

    class Meta:
        model = Task
        fields = ["id", "modality", "assignee", "status", "copy"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, task: Task) -> str | None:
        return person_label(self.context, task.assignee)


class DataPointOutput(serializers.ModelSerializer):
    class Meta:
        model = DataPoint
        fields = ["id", "project", "external_id", "pod", "is_calibration", "created_at"]


class DataPointDetailOutput(DataPointOutput):
    meta = serializers.DictField()
    streams = StreamOutput(many=True, read_only=True)
    tasks = DataPointTaskOutput(many=True, read_only=True)
    annotations = serializers.SerializerMethodField()

    class Meta(DataPointOutput.Meta):
        fields = [*DataPointOutput.Meta.fields, "meta", "streams", "tasks", "annotations"]

    @extend_schema_field(AnnotationOutput(many=True))
    def get_annotations(self, datapoint: DataPoint) -> list[dict]:
        annotations = [a for task in datapoint.tasks.all() for a in task.annotations.all()]
        return AnnotationOutput(annotations, many=True, context=self.context).data


class TaskOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="datapoint.project_id", read_only=True)
    external_id = serializers.CharField(source="datapoint.external_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "datapoint",
            "external_id",
            "modality",
            "assignee",
            "pod",
            "status",
            "copy",
            "is_imported",
            "submitted_at",
            "created_at",
        ]


# Jobs


class JobOutput(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField(
        help_text="Share done, 0-100; null while the total is not known yet."
    )
    result = serializers.DictField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "done",
            "total",
            "percent",
            "result",
            "error",
            "created_at",
            "finished_at",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_percent(self, job: Job) -> float | None:
        if job.total:
            return round(100 * min(job.done, job.total) / job.total, 1)
        if job.status == JobStatus.DONE:
            return 100.0
        return None


# Routing and the task lifecycle


class TaskNextInput(serializers.Serializer):
    project = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    modality = serializers.ChoiceField(choices=Modality.choices, required=False)


class TaskReassignInput(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class TaskReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, default="released")


class RoutingReportOutput(serializers.Serializer):
    routed = serializers.IntegerField()
    tasks = serializers.IntegerField()
    assigned = serializers.IntegerField()
    queued = serializers.IntegerField()
    unroutable = serializers.IntegerField()
    per_pod = serializers.DictField(child=serializers.IntegerField())
    not_routable = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class JobAcceptedOutput(serializers.Serializer):
    job = serializers.IntegerField()
    status_url = serializers.CharField()
