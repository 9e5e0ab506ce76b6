"""Ontologies, projects, data points, tasks, annotations and jobs over REST.

Thin: every read goes through a selector scoped to the caller (what it leaves out is a
404), every write through a service (whose DomainError is a 400 naming the field).
"""

from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import validated
from pods.models import Person
from pods.permissions import IsAssigneeOrReadOnly, IsOpsManagerOrReadOnly
from pods.selectors import can_see_names
from tasks.api import filters
from tasks.api import serializers as s
from tasks.jobs import project_route as project_route_job
from tasks.models import Annotation, DataPoint, Job, Ontology, Project, Task
from tasks.selectors import (
    annotation_list_for_user,
    datapoint_detail_for_user,
    datapoint_list_for_user,
    job_list_for_user,
    ontology_with_terms_list_for_user,
    project_list_for_user,
    project_with_pods_list_for_user,
    task_list_for_user,
)
from tasks.services.annotations import annotation_create, annotation_delete, annotation_update
from tasks.services.lifecycle import task_claim_next, task_reassign, task_release, task_submit
from tasks.services.projects import ontology_create, project_create, project_update
from tasks.services.routing import project_route

ID = r"[0-9]+"


class NamesContextMixin:
    """Tells output serializers whether the caller may see annotators' names."""

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["names_visible"] = can_see_names(self.request.user)
        return context


class OntologyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versioned ontologies. Operations managers create them; changing one means
    creating the next version, so projects keep the version they were labelled with.
    Others read the ontologies of projects they see."""

    queryset = Ontology.objects.none()
    serializer_class = s.OntologyOutput
    permission_classes = [IsAuthenticated, IsOpsManagerOrReadOnly]
    filterset_class = filters.OntologyFilter
    ordering_fields = ["name", "version", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        return ontology_with_terms_list_for_user(user=self.request.user)

    @extend_schema(request=s.OntologyInput, responses={201: s.OntologyOutput})
    def create(self, request: Request) -> Response:
        ontology = ontology_create(**validated(s.OntologyInput, request))
        ontology = self.get_queryset().get(pk=ontology.pk)
        return Response(s.OntologyOutput(ontology).data, status=status.HTTP_201_CREATED)


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Projects: operations managers create and change them; pod members read the
    projects their pods work on, client viewers their client's."""

    queryset = Project.objects.none()
    serializer_class = s.ProjectOutput
    permission_classes = [IsAuthenticated, IsOpsManagerOrReadOnly]
    filterset_class = filters.ProjectFilter
    ordering_fields = ["name", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        return project_with_pods_list_for_user(user=self.request.user)

    @extend_schema(request=s.ProjectInput, responses={201: s.ProjectOutput})
    def create(self, request: Request) -> Response:
        project = project_create(**validated(s.ProjectInput, request))
        return Response(s.ProjectOutput(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProjectUpdateInput, responses=s.ProjectOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        project = project_update(project=project, **validated(s.ProjectUpdateInput, request))
        return Response(s.ProjectOutput(project).data)

    @extend_schema(
        request=None,
        responses={200: s.RoutingReportOutput, 202: s.JobAcceptedOutput},
        description="Route the project's unrouted data points to one pod each and its "
        "specialists. Large backlogs run as a job (202).",
    )
    @action(detail=True, methods=["post"])
    def route(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        pending = DataPoint.objects.filter(project=project, pod__isnull=True).count()
        if pending > settings.SYNCPOD_ROUTE_INLINE_MAX:
            job = Job.objects.create(
                kind="route", project=project, created_by=request.user, total=pending
            )
            transaction.on_commit(lambda: project_route_job.delay(project.pk, job.pk))
            return Response(
                {"job": job.pk, "status_url": f"/api/v1/jobs/{job.pk}/"},
                status=status.HTTP_202_ACCEPTED,
            )
        report = project_route(project=project, actor=request.user)
        return Response(s.RoutingReportOutput(asdict(report)).data)


class DataPointViewSet(NamesContextMixin, viewsets.ReadOnlyModelViewSet):
    """Data points. The detail carries streams, tasks and annotations, loaded with a
    fixed number of queries however many there are."""

    queryset = DataPoint.objects.none()
    permission_classes = [IsAuthenticated]
    filterset_class = filters.DataPointFilter
    ordering_fields = ["id", "external_id", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        if self.action == "retrieve":
            return datapoint_detail_for_user(user=self.request.user)
        return datapoint_list_for_user(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.DataPointDetailOutput
        return s.DataPointOutput


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's tasks (pod leads: also their pods'). Client viewers have none.
    `next` claims the caller's next task; submit, release and reassign move it on."""

    queryset = Task.objects.none()
    serializer_class = s.TaskOutput
    permission_classes = [IsAuthenticated]
    filterset_class = filters.TaskFilter
    ordering_fields = ["id", "created_at", "status", "modality"]
    lookup_value_regex = ID

    def get_queryset(self):
        return task_list_for_user(user=self.request.user)

    def _task(self, task: Task) -> Response:
        """The task as the transition left it (after a release the caller may no
        longer be able to list it, so it is not read back through the selector)."""
        return Response(s.TaskOutput(task).data)

    @extend_schema(
        request=s.TaskNextInput,
        responses={200: s.TaskOutput, 204: None},
        description="Claim (and start) the caller's next task of the project: their own "
        "assigned tasks first, then their pods' queues. 204 when there is none.",
    )
    @action(detail=False, methods=["post"])
    def next(self, request: Request) -> Response:
        data = validated(s.TaskNextInput, request)
        project = project_list_for_user(user=request.user).filter(pk=data["project"]).first()
        if project is None:
            raise ValidationError({"project": ["No project with this id that you work on."]})
        task = task_claim_next(
            specialist=request.user, project=project, modality=data.get("modality")
        )
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._task(task)

    @extend_schema(request=None, responses=s.TaskOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._task(task_submit(actor=request.user, task=self.get_object()))

    @extend_schema(request=s.TaskReleaseInput, responses=s.TaskOutput)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        data = validated(s.TaskReleaseInput, request)
        task = task_release(actor=request.user, task=self.get_object(), reason=data["reason"])
        return self._task(task)

    @extend_schema(request=s.TaskReassignInput, responses=s.TaskOutput)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        data = validated(s.TaskReassignInput, request)
        person = Person.objects.filter(pk=data["assignee"]).first()
        if person is None:
            raise ValidationError({"assignee": ["No person with this id."]})
        return self._task(task_reassign(actor=request.user, task=self.get_object(), to=person))


class AnnotationViewSet(
    NamesContextMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Annotations of the data points the caller sees; written only on the caller's
    own open tasks. A task the caller cannot see is a 404, one they see but do not hold
    a 403, a closed one a 400 naming `task`."""

    queryset = Annotation.objects.none()
    serializer_class = s.AnnotationOutput
    permission_classes = [IsAuthenticated, IsAssigneeOrReadOnly]
    parser_classes = [JSONParser]
    filterset_class = filters.AnnotationFilter
    ordering_fields = ["id", "start_ms", "created_at", "updated_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        return annotation_list_for_user(user=self.request.user)

    def _body(self, request: Request) -> dict:
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send one annotation as a JSON object."]})
        return dict(request.data)

    def _output(self, annotation: Annotation) -> dict:
        return s.AnnotationOutput(annotation, context=self.get_serializer_context()).data

    @extend_schema(request=s.AnnotationCreateInput, responses={201: s.AnnotationOutput})
    def create(self, request: Request) -> Response:
        data = self._body(request)
        task_id = validated(s.AnnotationTaskInput, request)["task"]
        task = get_object_or_404(task_list_for_user(user=request.user), pk=task_id)
        self.check_object_permissions(request, task)
        data.pop("task")
        annotation = annotation_create(actor=request.user, task=task, data=data)
        return Response(self._output(annotation), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AnnotationFieldsInput, responses=s.AnnotationOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        annotation = self.get_object()
        data = self._body(request)
        annotation = annotation_update(actor=request.user, annotation=annotation, data=data)
        return Response(self._output(annotation))

    def destroy(self, request: Request, pk: str) -> Response:
        annotation_delete(actor=request.user, annotation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Progress and result of a background job, for the person who started it (and
    operations managers)."""

    queryset = Job.objects.none()
    serializer_class = s.JobOutput
    permission_classes = [IsAuthenticated]
    lookup_value_regex = ID

    def get_queryset(self):
        return job_list_for_user(user=self.request.user)
