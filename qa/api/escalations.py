"""The expert queue, the adjudicated export and rule feedback: thin views over
qa.services.escalations and qa.selectors_escalations, with their serializers."""

import json

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pods.selectors import is_staff_wide, person_name_for_user
from qa.models import Escalation, ResolutionOutcome
from qa.selectors_escalations import (
    adjudicated_export,
    can_export,
    escalation_detail_for_user,
    rule_feedback,
)
from qa.services.escalations import Correction, Outcome, escalation_claim, escalation_resolve
from tasks.selectors import project_list_for_user

# --- serializers --------------------------------------------------------------------


class EscalationFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="finding.id")
    check = serializers.CharField(source="finding.check_code")
    type = serializers.CharField(source="finding.type")
    severity = serializers.CharField(source="finding.severity")
    status = serializers.CharField(source="finding.status")
    message = serializers.CharField(source="finding.message")
    annotations = serializers.SerializerMethodField()
    outcome = serializers.CharField(help_text="Blank until resolved.")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_annotations(self, item) -> list[int]:
        return [a.pk for a in item.finding.annotations.all()]


class EscalationSerializer(serializers.ModelSerializer):
    expert = serializers.SerializerMethodField()
    findings = EscalationFindingSerializer(source="items", many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "project",
            "datapoint",
            "modality_a",
            "modality_b",
            "status",
            "severity",
            "expert",
            "due_at",
            "claimed_at",
            "resolved_at",
            "raised_at",
            "note",
            "findings",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_expert(self, escalation: Escalation) -> str | None:
        if escalation.expert is None:
            return None
        return person_name_for_user(user=self.context["request"].user, person=escalation.expert)


class OutcomeInputSerializer(serializers.Serializer):
    finding = serializers.IntegerField()
    outcome = serializers.CharField(help_text=f"One of {', '.join(ResolutionOutcome.values)}.")


class CorrectionInputSerializer(serializers.Serializer):
    annotation = serializers.IntegerField()
    changes = serializers.DictField(help_text="Annotation fields to change, as in PATCH.")


class ResolveInputSerializer(serializers.Serializer):
    outcomes = OutcomeInputSerializer(many=True)
    note = serializers.CharField(allow_blank=True, required=False, default="")
    corrections = CorrectionInputSerializer(many=True, required=False, default=list)


class RuleFeedbackSerializer(serializers.Serializer):
    check = serializers.CharField()
    resolved = serializers.IntegerField()
    fixed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    dismissal_rate = serializers.FloatField(allow_null=True)
    to_tune = serializers.BooleanField(help_text="Dismissed more than the set share.")


# --- views ---------------------------------------------------------------------------


@extend_schema(tags=["escalations"])
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expert queue: conflicts in the modality pairs you are qualified for."""

    queryset = Escalation.objects.none()
    serializer_class = EscalationSerializer
    filterset_fields = ["status", "project", "datapoint", "severity"]
    ordering_fields = ["due_at", "id", "created_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Escalation.objects.none()
        return escalation_detail_for_user(user=self.request.user)

    def _respond(self, escalation: Escalation) -> Response:
        fresh = self.get_queryset().get(pk=escalation.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=None, responses=EscalationSerializer, summary="Claim an escalation")
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int) -> Response:
        escalation = self.get_object()
        return self._respond(escalation_claim(expert=request.user, escalation=escalation))

    @extend_schema(
        request=ResolveInputSerializer,
        responses=EscalationSerializer,
        summary="Resolve every finding as fixed, accepted or dismissed, with a note",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: int) -> Response:
        escalation = self.get_object()
        payload = ResolveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        escalation_resolve(
            expert=request.user,
            escalation=escalation,
            outcomes=[Outcome(o["finding"], o["outcome"]) for o in data["outcomes"]],
            corrections=[Correction(c["annotation"], c["changes"]) for c in data["corrections"]],
            note=data["note"],
        )
        return self._respond(escalation)


def _visible_project(request: Request, pk: int):
    return get_object_or_404(project_list_for_user(user=request.user), pk=pk)


class ProjectExportView(APIView):
    @extend_schema(
        operation_id="projects_export",
        summary="Adjudicated annotations and finding resolutions as JSON Lines",
        responses={(200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR)},
        tags=["projects"],
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        project = _visible_project(request, pk)
        if not can_export(user=request.user, project=project):
            raise PermissionDenied("Only operations managers and the client's viewers export.")
        lines = (
            json.dumps(record, ensure_ascii=False) + "\n"
            for record in adjudicated_export(user=request.user, project=project)
        )
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        response["Content-Disposition"] = f'attachment; filename="project-{project.pk}.jsonl"'
        return response


class ProjectRuleFeedbackView(APIView):
    @extend_schema(
        operation_id="projects_rule_feedback",
        summary="How experts resolved each check's findings; checks to tune are flagged",
        responses=RuleFeedbackSerializer(many=True),
        tags=["projects"],
    )
    def get(self, request: Request, pk: int) -> Response:
        project = _visible_project(request, pk)
        if not is_staff_wide(request.user):
            raise PermissionDenied("Only operations managers tune rules.")
        rows = [vars(row) for row in rule_feedback(project=project)]
        return Response(RuleFeedbackSerializer(rows, many=True).data)
