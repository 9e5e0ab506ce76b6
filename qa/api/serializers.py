"""Input and output shapes of the qa API, one pair per operation."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qa.models import Check, Finding


class ValidateInputSerializer(serializers.Serializer):
    datapoints = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=1_000_000,
        help_text="Data point ids of the project; all its data points you may see if left out.",
    )


class ValidationSummarySerializer(serializers.Serializer):
    datapoints = serializers.IntegerField()
    annotations = serializers.IntegerField()
    findings = serializers.IntegerField(help_text="Findings that hold after this run.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    reopened = serializers.IntegerField()
    fixed = serializers.IntegerField(help_text="Open findings that no longer hold.")
    by_check = serializers.DictField(child=serializers.IntegerField())


class ValidationJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="Poll /api/v1/jobs/{job}/ for progress.")
    status = serializers.CharField()
    total = serializers.IntegerField(help_text="Data points to validate.")


class FindingSerializer(serializers.ModelSerializer):
    check = serializers.ChoiceField(choices=Check.choices, source="check_code", read_only=True)
    annotations = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "project",
            "datapoint",
            "type",
            "check",
            "severity",
            "status",
            "entity",
            "modality_a",
            "modality_b",
            "annotations",
            "measured",
            "threshold",
            "message",
            "key",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_annotations(self, finding: Finding) -> list[int]:
        return [link.annotation_id for link in finding.links.all()]
