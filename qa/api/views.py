"""Thin API views: check access, parse, call one service or selector."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qa.api.filters import FindingFilter
from qa.api.serializers import (
    FindingSerializer,
    ValidateInputSerializer,
    ValidationJobSerializer,
    ValidationSummarySerializer,
)
from qa.models import Finding
from qa.permissions import can_validate_project
from qa.selectors import datapoint_ids_to_validate, finding_list_for_user
from qa.services import DEFAULT_CHUNK_SIZE, datapoints_validate, project_validate
from tasks.selectors import project_list_for_user


def _inline_max() -> int:
    """Selections up to this many data points are validated within the request."""
    return getattr(settings, "SYNCPOD_VALIDATE_INLINE_MAX", DEFAULT_CHUNK_SIZE)


class ProjectValidateView(APIView):
    @extend_schema(
        operation_id="projects_validate",
        summary="(Re)validate all or the listed data points of a project",
        request=ValidateInputSerializer,
        responses={
            200: ValidationSummarySerializer,
            202: OpenApiResponse(ValidationJobSerializer, description="Running as a job."),
        },
        tags=["projects"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        project = get_object_or_404(project_list_for_user(user=user), pk=pk)
        if not can_validate_project(user=user, project=project):
            raise PermissionDenied("Only operations managers and the project's pod leads.")
        payload = ValidateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = datapoint_ids_to_validate(
            user=user, project=project, requested=payload.validated_data.get("datapoints")
        )
        if len(ids) <= _inline_max():
            summary = datapoints_validate(datapoint_ids=ids)
            return Response(ValidationSummarySerializer(summary.as_dict()).data)
        job = project_validate(project=project, datapoint_ids=ids, created_by=user)
        body = {"job": job.pk, "status": job.status, "total": job.total}
        return Response(ValidationJobSerializer(body).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["findings"])
class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Sync errors found by validation, on the data points you may see."""

    queryset = Finding.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["id", "created_at", "updated_at", "severity", "measured"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return finding_list_for_user(user=self.request.user)
