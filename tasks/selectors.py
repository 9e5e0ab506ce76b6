"""Reads of projects, data points and tasks, scoped to the asking user.

Who sees what (everything else is a 404 for them):
- operations managers: everything;
- pod leads, specialists, experts: projects their pods work on, data points routed to
  their pods or holding a task of theirs, the tasks of their pods (leads) or their own;
- client viewers: their client's projects and data points, read only.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from pods.models import Modality, Person, Pod, Role
from pods.selectors import (
    is_staff_wide,
    person_name_for_user,
    pod_ids_for_user,
    pod_list_for_user,
    pod_with_members_list_for_user,
)
from tasks.models import (
    OPEN_TASK_STATUSES,
    Annotation,
    DataPoint,
    Job,
    Ontology,
    Project,
    Stream,
    Task,
    TaskStatus,
    Term,
)
from tasks.timeline import AnnotationRecord, StreamRecord


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


def ontology_with_terms_list_for_user(*, user: Person) -> QuerySet[Ontology]:
    """Ontologies with terms (and their parents) and attributes, for full outputs."""
    return ontology_list_for_user(user=user).prefetch_related(
        Prefetch("terms", queryset=Term.objects.select_related("parent")), "attributes"
    )


def project_with_pods_list_for_user(*, user: Person) -> QuerySet[Project]:
    return project_list_for_user(user=user).prefetch_related("pods")


def _count(queryset: QuerySet, outer_field: str) -> Coalesce:
    """A correlated COUNT subquery: counts never multiply each other the way several
    `Count()`s over joins do, and the outer query stays one row per object."""
    counted = (
        queryset.filter(**{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _scoped_datapoint_ids(*, user: Person) -> QuerySet | None:
    """Ids of the data points a pod member may see, or None when the user sees every
    data point of every project visible to them (staff, client viewers)."""
    if is_staff_wide(user) or user.role == Role.CLIENT_VIEWER:
        return None
    return datapoint_list_for_user(user=user).values("pk")


def project_overview_list_for_user(*, user: Person) -> list[Project]:
    """Visible projects with the counts a home page shows, over the data points the
    user may see: `datapoint_count`, `annotation_count`, `imported_annotation_count`,
    `task_total`, `open_task_count` and `task_counts` (non-zero statuses, in workflow
    order, as dicts with status, label, count). A fixed number of queries."""
    datapoints, annotations, tasks = DataPoint.objects.all(), Annotation.objects.all(), Task.objects
    visible = _scoped_datapoint_ids(user=user)
    if visible is not None:
        datapoints = datapoints.filter(pk__in=visible)
        annotations = annotations.filter(task__datapoint__in=visible)
        tasks = tasks.filter(datapoint__in=visible)
    else:
        tasks = tasks.all()
    projects = list(
        project_list_for_user(user=user)
        .annotate(
            datapoint_count=_count(datapoints, "project"),
            annotation_count=_count(annotations, "task__datapoint__project"),
            imported_annotation_count=_count(
                annotations.filter(task__is_imported=True), "task__datapoint__project"
            ),
        )
        .prefetch_related(Prefetch("pods", queryset=pod_list_for_user(user=user)))
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        tasks.filter(datapoint__project__in=[project.pk for project in projects])
        .order_by()
        .values("datapoint__project", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["datapoint__project"]][row["status"]] = row["n"]
    for project in projects:
        mine = counts.get(project.pk, {})
        project.task_counts = [
            {"status": status.value, "label": status.label, "count": mine[status.value]}
            for status in TaskStatus
            if mine.get(status.value)
        ]
        project.task_total = sum(mine.values())
        project.open_task_count = sum(mine.get(status, 0) for status in OPEN_TASK_STATUSES)
    return projects


def project_datapoint_list_for_user(
    *,
    user: Person,
    project: Project,
    search: str = "",
    pod_id: int | None = None,
    unrouted: bool = False,
) -> QuerySet[DataPoint]:
    """The project's data points the user may see, filtered, with `task_count`,
    `annotation_count` and streams prefetched: one query per page plus one for streams."""
    datapoints = datapoint_list_for_user(user=user).filter(project=project)
    if search:
        datapoints = datapoints.filter(external_id__icontains=search)
    if unrouted:
        datapoints = datapoints.filter(pod__isnull=True)
    elif pod_id is not None:
        datapoints = datapoints.filter(pod_id=pod_id)
    return (
        datapoints.annotate(
            task_count=_count(Task.objects.all(), "datapoint"),
            annotation_count=_count(Annotation.objects.all(), "task__datapoint"),
        )
        .prefetch_related(Prefetch("streams", queryset=Stream.objects.order_by("key")))
        .order_by("id")
    )


def open_task_list_for_user(*, user: Person) -> QuerySet[Task]:
    """The tasks the user holds and has not submitted yet, oldest first."""
    return (
        task_list_for_user(user=user)
        .filter(assignee=user, status__in=OPEN_TASK_STATUSES)
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class ProjectFit:
    """Whether a pod covers every modality of a project it is attached to."""

    project: Project
    missing: list[str]

    @property
    def routable(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class PodCoverage:
    pod: Pod
    lead_name: str
    people_count: int
    modalities: list[str]
    my_modalities: list[str]
    projects: list[ProjectFit]


def pod_coverage_list_for_user(*, user: Person) -> list[PodCoverage]:
    """The user's visible pods with the modalities their members cover, and for each
    visible project the pod works on, the modalities it lacks (so it is not routable
    there). Three queries whatever the number of pods."""
    pods = pod_with_members_list_for_user(user=user).prefetch_related(
        Prefetch("projects", queryset=project_list_for_user(user=user), to_attr="visible_projects")
    )
    order = {modality: index for index, modality in enumerate(Modality.values)}
    coverage = []
    for pod in pods:
        members = list(pod.members.all())
        covered = sorted({m.modality for m in members}, key=lambda m: order.get(m, 99))
        lead = next((m.person for m in members if m.is_lead), None)
        coverage.append(
            PodCoverage(
                pod=pod,
                lead_name=person_name_for_user(user=user, person=lead) if lead else "",
                people_count=len({m.person_id for m in members}),
                modalities=covered,
                my_modalities=sorted(m.modality for m in members if m.person_id == user.pk),
                projects=[
                    ProjectFit(
                        project=project,
                        missing=[m for m in project.modalities if m not in covered],
                    )
                    for project in pod.visible_projects
                ],
            )
        )
    return coverage


@dataclass(frozen=True)
class TaskRecord:
    id: int
    modality: str
    status: str
    status_label: str
    assignee: str
    is_imported: bool
    annotation_count: int


@dataclass(frozen=True)
class DataPointRecords:
    streams: list[StreamRecord]
    annotations: list[AnnotationRecord]
    tasks: list[TaskRecord]


def datapoint_records_for_user(*, user: Person, datapoint: DataPoint) -> DataPointRecords:
    """A data point loaded by `datapoint_detail_for_user`, as plain records for the
    timeline and tables, with annotators named as the user may see them (pseudonyms
    for client viewers). Streams come in modality order (video, audio, text, ...), the
    order people read a scene in. Reads only what was prefetched: no queries."""
    names: dict[int | None, str] = {}

    def name(person: Person | None) -> str:
        key = person.pk if person else None
        if key not in names:
            names[key] = person_name_for_user(user=user, person=person)
        return names[key]

    order = {modality: index for index, modality in enumerate(Modality.values)}
    streams = [
        StreamRecord(
            key=stream.key,
            modality=stream.modality,
            offset_ms=stream.offset_ms,
            rate_hz=stream.rate_hz,
            modality_label=stream.get_modality_display(),
            uri=stream.uri,
        )
        for stream in sorted(
            datapoint.streams.all(), key=lambda s: (order.get(s.modality, 99), s.key)
        )
    ]
    keys = {stream.pk: stream.key for stream in datapoint.streams.all()}
    annotations: list[AnnotationRecord] = []
    tasks: list[TaskRecord] = []
    for task in sorted(datapoint.tasks.all(), key=lambda t: (order.get(t.modality, 99), t.copy)):
        task_annotations = list(task.annotations.all())
        tasks.append(
            TaskRecord(
                id=task.pk,
                modality=task.modality,
                status=task.status,
                status_label=task.get_status_display(),
                assignee=name(task.assignee) if task.assignee_id else "Unassigned",
                is_imported=task.is_imported,
                annotation_count=len(task_annotations),
            )
        )
        annotator = name(task.assignee) if task.assignee_id else ""
        annotations.extend(
            AnnotationRecord(
                id=a.pk,
                stream_key=keys.get(a.stream_id, ""),
                kind=a.kind,
                label=a.label,
                entity=a.entity,
                start_ms=a.start_ms,
                end_ms=a.end_ms,
                annotator=annotator,
                text=a.text,
                speaker=a.speaker,
                bbox=a.bbox,
                cuboid=a.cuboid,
                char_start=a.char_start,
                char_end=a.char_end,
                attributes=a.attributes or {},
            )
            for a in task_annotations
        )
    return DataPointRecords(streams=streams, annotations=annotations, tasks=tasks)
