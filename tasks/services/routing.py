"""Push routing: every unrouted data point goes to one routable pod, and each of its
modality tasks (x overlap on calibration items) to a specialist of that pod.

Bulk by design: per chunk of data points a handful of queries load the candidates and
write tasks, transitions and pod choices; the choices themselves are made in memory.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from common.bulk import copy_or_create, copy_rows, is_postgres, reserve_ids
from common.errors import DomainError
from pods.models import Person, Pod, PodMember, Role, Skill, SkillLevel
from tasks.models import OPEN_TASK_STATUSES, DataPoint, Project, Task, TaskStatus, TaskTransition
from tasks.services.lifecycle import publish_assigned

LEVEL_RANK = {SkillLevel.JUNIOR: 0, SkillLevel.SENIOR: 1, SkillLevel.EXPERT: 2}
ROUTABLE_ROLES = (Role.SPECIALIST, Role.POD_LEAD, Role.EXPERT)


@dataclass
class Slot:
    """A specialist's place in one pod modality, with their live load."""

    person_id: int
    capacity: int
    open: int

    @property
    def load(self) -> float:
        return self.open / self.capacity if self.capacity else float("inf")


@dataclass
class PodPlan:
    pod_id: int
    name: str
    client_id: int | None
    slots: dict[str, list[Slot]]
    missing: list[str]
    open: int = 0

    capacity: int = 0

    @property
    def load(self) -> float:
        return self.open / self.capacity if self.capacity else float("inf")


@dataclass
class RoutingReport:
    routed: int = 0
    tasks: int = 0
    assigned: int = 0
    queued: int = 0
    unroutable: int = 0
    per_pod: dict[str, int] = field(default_factory=dict)
    not_routable: dict[str, list[str]] = field(default_factory=dict)


def min_levels(project: Project) -> dict[str, int]:
    """Skill rules from `rules.routing.min_level`, e.g. {"pointcloud": "senior"}."""
    wanted = (project.rules or {}).get("routing", {}).get("min_level", {})
    return {modality: LEVEL_RANK.get(level, 0) for modality, level in wanted.items()}


def pod_plans(*, project: Project, pod: Pod | None = None) -> list[PodPlan]:
    """The project's active pods with their eligible specialists per modality and loads.
    Pods dedicated to another client are never used. A pod lacking an eligible
    specialist for any project modality is listed with what it misses."""
    pods = project.pods.filter(is_active=True).filter(
        Q(client__isnull=True) | Q(client_id=project.client_id)
    )
    if pod is not None:
        pods = pods.filter(pk=pod.pk)
    pods = list(pods.values("id", "name", "client_id"))
    pod_ids = [pod["id"] for pod in pods]
    floors = min_levels(project)
    members = list(
        PodMember.objects.filter(
            pod_id__in=pod_ids,
            modality__in=project.modalities,
            person__is_active=True,
            person__is_available=True,
            person__role__in=ROUTABLE_ROLES,
        ).values("pod_id", "modality", "person_id", "person__capacity")
    )
    person_ids = {member["person_id"] for member in members}
    levels = {
        (person_id, modality): LEVEL_RANK[level]
        for person_id, modality, level in Skill.objects.filter(
            person_id__in=person_ids
        ).values_list("person_id", "modality", "level")
    }
    open_by_person = dict(
        Task.objects.filter(status__in=OPEN_TASK_STATUSES, assignee_id__in=person_ids)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    )
    open_by_pod = dict(
        Task.objects.filter(
            pod_id__in=pod_ids, status__in=(TaskStatus.UNASSIGNED, *OPEN_TASK_STATUSES)
        )
        .values_list("pod_id")
        .annotate(n=Count("id"))
    )
    slots: dict[int, dict[str, list[Slot]]] = defaultdict(lambda: defaultdict(list))
    shared: dict[int, Slot] = {}
    for member in members:
        person_id, modality = member["person_id"], member["modality"]
        if levels.get((person_id, modality), 0) < floors.get(modality, 0):
            continue
        slot = shared.get(person_id) or Slot(
            person_id, member["person__capacity"], open_by_person.get(person_id, 0)
        )
        shared[person_id] = slot  # one load per person, whichever pod or modality
        slots[member["pod_id"]][modality].append(slot)
    plans = []
    for pod in pods:
        by_modality = dict(slots.get(pod["id"], {}))
        missing = [m for m in project.modalities if not by_modality.get(m)]
        plans.append(
            PodPlan(
                pod_id=pod["id"],
                name=pod["name"],
                client_id=pod["client_id"],
                slots=by_modality,
                missing=missing,
                open=open_by_pod.get(pod["id"], 0),
                capacity=sum(
                    {s.person_id: s.capacity for m in by_modality.values() for s in m}.values()
                ),
            )
        )
    return plans


def _choose_pod(plans: list[PodPlan], client_id: int) -> PodPlan:
    """The least loaded pod, preferring the project client's own pods while they have room."""
    own = [plan for plan in plans if plan.client_id == client_id and plan.load < 1]
    return min(own or plans, key=lambda plan: (plan.load, plan.pod_id))


def _pick_specialists(slots: list[Slot], copies: int) -> list[Slot | None]:
    """Distinct specialists with room, least loaded first; None where nobody has room
    (that copy waits in the pod queue for pull routing)."""
    free = sorted((s for s in slots if s.open < s.capacity), key=lambda s: (s.load, s.person_id))
    chosen: list[Slot | None] = list(free[:copies])
    return chosen + [None] * (copies - len(chosen))


def project_route(
    *,
    project: Project,
    datapoint_ids: Sequence[int] | None = None,
    chunk_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
    actor: Person | None = None,
    pod: Pod | None = None,
    overlap: int | None = None,
) -> RoutingReport:
    """Route the project's unrouted data points (no pod, no tasks). Chunks are locked with
    SKIP LOCKED, so concurrent routing runs never route one data point twice. `pod`
    pins the data points to that pod (a calibration batch goes to its own pod);
    `overlap` overrides the project's copies per calibration item for this run."""
    if overlap is not None and overlap < 1:
        raise DomainError("Overlap is at least 1.", field="overlap")
    report = RoutingReport()
    plans = pod_plans(project=project, pod=pod)
    routable = [plan for plan in plans if not plan.missing]
    report.not_routable = {plan.name: plan.missing for plan in plans if plan.missing}
    if pod is not None and not routable:
        raise DomainError(
            f"{pod.name} does not cover every modality of {project.name} "
            f"(missing: {', '.join(report.not_routable.get(pod.name, project.modalities))}).",
            field="pod",
        )
    if not routable:
        raise DomainError(
            "No pod of this project covers all of its modalities ("
            + ", ".join(project.modalities)
            + "); add specialists or pods first.",
            field="pods",
        )
    pending = DataPoint.objects.filter(project=project, pod__isnull=True)
    if datapoint_ids is not None:
        pending = pending.filter(pk__in=list(datapoint_ids))
    last_id = 0
    while True:
        with transaction.atomic():
            chunk = list(
                pending.filter(pk__gt=last_id)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "is_calibration")[:chunk_size]
            )
            if not chunk:
                break
            last_id = chunk[-1][0]
            # Imported data points arrive with their (submitted) tasks: nothing to route.
            worked = set(
                Task.objects.filter(datapoint_id__in=[pk for pk, _ in chunk]).values_list(
                    "datapoint_id", flat=True
                )
            )
            todo = [row for row in chunk if row[0] not in worked]
            if todo:
                _route_chunk(project, todo, routable, report, actor, overlap or project.overlap)
        if on_progress:
            on_progress(len(chunk))
    return report


def _route_chunk(
    project: Project,
    chunk: list[tuple[int, bool]],
    routable: list[PodPlan],
    report: RoutingReport,
    actor: Person | None,
    overlap: int,
) -> None:
    new_tasks: list[NewTask] = []
    by_pod: dict[int, list[int]] = defaultdict(list)
    for datapoint_id, is_calibration in chunk:
        plan = _choose_pod(routable, project.client_id)
        by_pod[plan.pod_id].append(datapoint_id)
        copies = overlap if is_calibration else 1
        for modality in project.modalities:
            for copy, slot in enumerate(_pick_specialists(plan.slots[modality], copies)):
                new_tasks.append(
                    NewTask(
                        datapoint_id, modality, plan.pod_id, slot.person_id if slot else None, copy
                    )
                )
                plan.open += 1
                if slot:
                    slot.open += 1
        report.per_pod[plan.name] = report.per_pod.get(plan.name, 0) + 1
    for pod_id, ids in by_pod.items():
        DataPoint.objects.filter(pk__in=ids).update(pod_id=pod_id)
    task_ids = _write_tasks(new_tasks, actor)
    assigned = [
        (task, task_id)
        for task, task_id in zip(new_tasks, task_ids, strict=True)
        if task.assignee_id
    ]
    by_person: dict[int, list[int]] = defaultdict(list)
    for task, task_id in assigned:
        by_person[task.assignee_id].append(task_id)
    publish_assigned(by_person)
    report.routed += len(chunk)
    report.tasks += len(new_tasks)
    report.assigned += len(assigned)
    report.queued += len(new_tasks) - len(assigned)


class NewTask(NamedTuple):
    datapoint_id: int
    modality: str
    pod_id: int
    assignee_id: int | None
    copy: int

    @property
    def status(self) -> str:
        return TaskStatus.ASSIGNED if self.assignee_id else TaskStatus.UNASSIGNED


def _write_tasks(new_tasks: list[NewTask], actor: Person | None) -> list[int]:
    """Insert the tasks and one `routed` transition per assignment, returning task ids:
    COPY on PostgreSQL (building INSERTs through the ORM dominated routing time),
    bulk_create elsewhere."""
    now = timezone.now()
    actor_id = actor.pk if actor else None
    if is_postgres():
        task_ids = reserve_ids(Task, len(new_tasks))
        copy_rows(
            Task,
            [
                "id",
                "datapoint_id",
                "modality",
                "pod_id",
                "assignee_id",
                "copy",
                "status",
                "is_imported",
                "created_at",
                "updated_at",
            ],
            (
                (task_id, *task, task.status, False, now, now)
                for task_id, task in zip(task_ids, new_tasks, strict=True)
            ),
        )
    else:
        rows = Task.objects.bulk_create(
            (Task(**task._asdict(), status=task.status) for task in new_tasks), batch_size=2000
        )
        task_ids = [row.pk for row in rows]
    copy_or_create(
        TaskTransition,
        ["task_id", "from_status", "to_status", "to_assignee_id", "actor_id", "reason", "at"],
        (
            (
                task_id,
                TaskStatus.UNASSIGNED,
                TaskStatus.ASSIGNED,
                task.assignee_id,
                actor_id,
                "routed",
                now,
            )
            for task_id, task in zip(task_ids, new_tasks, strict=True)
            if task.assignee_id
        ),
    )
    return task_ids


def datapoints_mark_calibration(*, project: Project, datapoint_ids: Sequence[int]) -> int:
    """Mark data points as calibration items, so routing gives them overlap copies."""
    return DataPoint.objects.filter(
        project=project, pk__in=list(datapoint_ids), is_calibration=False
    ).update(is_calibration=True, updated_at=timezone.now())
