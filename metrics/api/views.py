"""Thin API views: scope through a selector (404 for what the caller may not see),
parse, call one service or selector."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import DomainError
from metrics.api import serializers as s
from metrics.models import CalibrationIteration
from metrics.selectors import (
    iteration_list_for_user,
    iteration_report_for_user,
    quality_series_for_user,
)
from metrics.services import iteration_close, iteration_open
from pods.selectors import pod_list_for_user
from tasks.selectors import project_list_for_user


@extend_schema(tags=["calibrations"])
class CalibrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Calibration iterations of the projects you may see."""

    queryset = CalibrationIteration.objects.none()
    serializer_class = s.IterationOutput
    filterset_fields = ["project", "pod", "status"]
    ordering_fields = ["id", "number", "opened_at", "closed_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalibrationIteration.objects.none()
        return iteration_list_for_user(user=self.request.user).annotate(
            datapoint_count=Count("datapoints")
        )

    @extend_schema(request=s.IterationCreateInput, responses={201: s.IterationCreateOutput})
    def create(self, request: Request) -> Response:
        payload = s.IterationCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = request.user
        project = project_list_for_user(user=user).filter(pk=data["project"]).first()
        if project is None:
            raise DomainError("Not a project you can see.", field="project")
        pod = pod_list_for_user(user=user).filter(pk=data["pod"]).first()
        if pod is None:
            raise DomainError("Not a pod you can see.", field="pod")
        iteration, report = iteration_open(
            actor=user,
            project=project,
            pod=pod,
            datapoint_ids=data["datapoints"],
            overlap=data.get("overlap"),
        )
        context = {**self.get_serializer_context(), "routed": report.routed}
        body = s.IterationCreateOutput(iteration, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ReportOutput)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        iteration = self.get_object()
        iteration_close(actor=request.user, iteration=iteration)
        iteration.refresh_from_db()
        body = iteration_report_for_user(user=request.user, iteration=iteration)
        return Response(s.ReportOutput(body).data)

    @extend_schema(responses=s.ReportOutput)
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        iteration = self.get_object()
        body = iteration_report_for_user(user=request.user, iteration=iteration)
        return Response(s.ReportOutput(body).data)


class ProjectQualityView(APIView):
    @extend_schema(
        operation_id="projects_quality",
        summary="The quality series of a project over its closed iterations",
        responses=s.QualityOutput,
        tags=["projects"],
    )
    def get(self, request: Request, pk: int) -> Response:
        project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
        body = quality_series_for_user(user=request.user, project=project)
        return Response(s.QualityOutput(body).data)
