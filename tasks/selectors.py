"""Reads of projects, data points and tasks, scoped to the asking user.

Who sees what (everything else is a 404 for them):
- operations managers: everything;
- pod leads, specialists, experts: projects their pods work on, data points routed to
  their pods or holding a task of theirs, the tasks of their pods (leads) or their own;
- client viewers: their client's projects and data points, read only.
"""

from django.db.models import Prefetch, Q, QuerySet

from pods.models import Person, Role
from pods.selectors import is_staff_wide, pod_ids_for_user
from tasks.models import Annotation, DataPoint, Job, Ontology, Project, Stream, Task


def project_list_for_user(*, user: Person) -> QuerySet[Project]:
    projects = Project.objects.select_related("client", "ontology")
    if is_staff_wide(user):
        return projects
    if user.role == Role.CLIENT_VIEWER:
        return projects.filter(client_id=user.client_id)
    pod_ids = pod_ids_for_user(user=user)
    return projects.filter(Q(pods__in=pod_ids) | Q(datapoints__tasks__assignee=user)).distinct()


def ontology_list_for_user(*, user: Person) -> QuerySet[Ontology]:
    if is_staff_wide(user):
        return Ontology.objects.all()
    project_ids = project_list_for_user(user=user).values("pk")
    return Ontology.objects.filter(projects__in=project_ids).distinct()


def datapoint_list_for_user(*, user: Person) -> QuerySet[DataPoint]:
    datapoints = DataPoint.objects.select_related("project", "project__client", "pod")
    if is_staff_wide(user):
        return datapoints
    if user.role == Role.CLIENT_VIEWER:
        return datapoints.filter(project__client_id=user.client_id)
    pod_ids = pod_ids_for_user(user=user)
    mine = DataPoint.objects.filter(tasks__assignee=user).values("pk")
    return datapoints.filter(Q(pod__in=pod_ids) | Q(pk__in=mine))


def datapoint_detail_for_user(*, user: Person) -> QuerySet[DataPoint]:
    """Data points with streams, tasks and annotations prefetched, for a detail view."""
    return datapoint_list_for_user(user=user).prefetch_related(
        Prefetch("streams", queryset=Stream.objects.order_by("key")),
        Prefetch(
            "tasks", queryset=Task.objects.select_related("assignee").order_by("modality", "copy")
        ),
        Prefetch(
            "tasks__annotations",
            queryset=Annotation.objects.select_related("stream").order_by("start_ms", "id"),
        ),
    )


def task_list_for_user(*, user: Person) -> QuerySet[Task]:
    """Staff: all tasks; pod leads: their pods' tasks and their own; others: their own.
    Client viewers have no tasks."""
    tasks = Task.objects.select_related("datapoint", "datapoint__project", "assignee", "pod")
    if is_staff_wide(user):
        return tasks
    if user.role == Role.CLIENT_VIEWER:
        return tasks.none()
    if user.role == Role.POD_LEAD:
        led = user.memberships.filter(is_lead=True).values("pod_id")
        return tasks.filter(Q(assignee=user) | Q(pod__in=led))
    return tasks.filter(assignee=user)


def annotation_list_for_user(*, user: Person) -> QuerySet[Annotation]:
    """Annotations of the data points the user may see."""
    visible = datapoint_list_for_user(user=user).values("pk")
    return Annotation.objects.select_related("task", "stream", "task__assignee").filter(
        task__datapoint__in=visible
    )


def job_list_for_user(*, user: Person) -> QuerySet[Job]:
    if is_staff_wide(user):
        return Job.objects.all()
    return Job.objects.filter(created_by=user)
