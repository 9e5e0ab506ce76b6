"""Input and output shapes of the metrics API. Reports and series are documents read
from snapshots; their inner figures are described in metrics.figures."""

from rest_framework import serializers

from metrics.models import CalibrationIteration, IterationStatus
from pods.selectors import person_name_for_user


class IterationOutput(serializers.ModelSerializer):
    pod_name = serializers.CharField(source="pod.name", read_only=True)
    guideline_version = serializers.SerializerMethodField()
    opened_by = serializers.SerializerMethodField()
    datapoint_count = serializers.SerializerMethodField()

    class Meta:
        model = CalibrationIteration
        fields = [
            "id",
            "project",
            "pod",
            "pod_name",
            "number",
            "status",
            "overlap",
            "guideline_version",
            "opened_by",
            "opened_at",
            "closed_at",
            "datapoint_count",
        ]

    def get_guideline_version(self, obj: CalibrationIteration) -> int | None:
        return obj.guideline.version if obj.guideline_id else None

    def get_opened_by(self, obj: CalibrationIteration) -> str:
        return person_name_for_user(user=self.context["request"].user, person=obj.opened_by)

    def get_datapoint_count(self, obj: CalibrationIteration) -> int:
        count = getattr(obj, "datapoint_count", None)
        return count if count is not None else obj.datapoints.count()


class IterationCreateInput(serializers.Serializer):
    project = serializers.IntegerField()
    pod = serializers.IntegerField()
    datapoints = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    overlap = serializers.IntegerField(min_value=2, required=False)


class IterationCreateOutput(IterationOutput):
    routed = serializers.SerializerMethodField()

    class Meta(IterationOutput.Meta):
        fields = [*IterationOutput.Meta.fields, "routed"]

    def get_routed(self, obj) -> int:
        return self.context.get("routed", 0)


class ReportOutput(serializers.Serializer):
    iteration = serializers.IntegerField()
    project = serializers.IntegerField()
    pod = serializers.CharField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IterationStatus.choices)
    overlap = serializers.IntegerField()
    guideline_version = serializers.IntegerField(allow_null=True)
    live = serializers.BooleanField(help_text="Computed now for an open iteration.")
    computed_at = serializers.DateTimeField(allow_null=True)
    figures = serializers.JSONField(
        help_text="agreement (tags, attributes, temporal, boxes), alpha_by_modality, "
        "sync_errors (rate and splits), annotators, disagreement, batch."
    )


class SeriesPointOutput(serializers.Serializer):
    iteration = serializers.IntegerField()
    label = serializers.CharField()
    pod = serializers.CharField()
    number = serializers.IntegerField()
    closed_at = serializers.DateTimeField()
    guideline_version = serializers.IntegerField(allow_null=True)
    sync_error_rate = serializers.FloatField(allow_null=True)
    validated = serializers.IntegerField(allow_null=True)
    stack_by_type = serializers.DictField(child=serializers.FloatField(allow_null=True))
    by_type = serializers.DictField(child=serializers.FloatField(allow_null=True))
    alpha_by_modality = serializers.DictField(child=serializers.FloatField(allow_null=True))
    dismissal_by_check = serializers.JSONField()


class QualityOutput(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField()
    target_rate = serializers.FloatField()
    baseline_rate = serializers.FloatField()
    iterations = SeriesPointOutput(many=True)
    annotators = serializers.JSONField(help_text="Per-annotator figures of the latest iteration.")
    current = serializers.JSONField(allow_null=True, help_text="The latest project snapshot.")
