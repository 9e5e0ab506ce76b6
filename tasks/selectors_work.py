"""Reads for the operations console and the specialist's queue: queue depth per pod
and modality, stale tasks, and who a stale task can go to."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from pods.models import Person, PodMember, Role
from pods.selectors import is_staff_wide
from tasks.models import OPEN_TASK_STATUSES, Task, TaskStatus


def managed_pod_ids(*, user: Person) -> list[int] | None:
    """Pods whose work the user manages: every pod for operations (None), the pods
    they lead for a pod lead, none for anyone else."""
    if is_staff_wide(user):
        return None
    if user.role == Role.POD_LEAD:
        return list(user.memberships.filter(is_lead=True).values_list("pod_id", flat=True))
    return []


def can_manage_work(*, user: Person) -> bool:
    return is_staff_wide(user) or user.role == Role.POD_LEAD


@dataclass(frozen=True)
class QueueDepth:
    pod_id: int
    pod_name: str
    modality: str
    waiting: int
    assigned: int
    in_progress: int


def queue_depth_for_user(*, user: Person) -> list[QueueDepth]:
    """Open work per pod and modality, in one grouped query."""
    pod_ids = managed_pod_ids(user=user)
    tasks = Task.objects.filter(
        pod__isnull=False, status__in=(TaskStatus.UNASSIGNED, *OPEN_TASK_STATUSES)
    )
    if pod_ids is not None:
        tasks = tasks.filter(pod_id__in=pod_ids)
    rows = (
        tasks.values("pod_id", "pod__name", "modality")
        .annotate(
            waiting=Count("id", filter=Q(status=TaskStatus.UNASSIGNED)),
            assigned=Count("id", filter=Q(status=TaskStatus.ASSIGNED)),
            in_progress=Count("id", filter=Q(status=TaskStatus.IN_PROGRESS)),
        )
        .order_by("pod__name", "modality")
    )
    return [
        QueueDepth(
            pod_id=row["pod_id"],
            pod_name=row["pod__name"],
            modality=row["modality"],
            waiting=row["waiting"],
            assigned=row["assigned"],
            in_progress=row["in_progress"],
        )
        for row in rows
    ]


def managed_open_task_list_for_user(*, user: Person) -> QuerySet[Task]:
    """Open tasks in the pods the user manages."""
    pod_ids = managed_pod_ids(user=user)
    tasks = Task.objects.filter(status__in=OPEN_TASK_STATUSES).select_related(
        "assignee", "pod", "datapoint", "datapoint__project"
    )
    return tasks if pod_ids is None else tasks.filter(pod_id__in=pod_ids)


def stale_task_list_for_user(*, user: Person, older_than: timedelta) -> QuerySet[Task]:
    """Open tasks untouched for `older_than`, or held by someone unavailable, in the
    pods the user manages: what the periodic job would release next."""
    return (
        managed_open_task_list_for_user(user=user)
        .filter(
            Q(updated_at__lt=timezone.now() - older_than)
            | Q(assignee__is_available=False)
            | Q(assignee__is_active=False)
        )
        .order_by("updated_at")
    )


def reassign_candidates(*, tasks: list[Task]) -> dict[tuple[int, str], list[Person]]:
    """Available members per (pod, modality) of the given tasks, in one query."""
    keys = {(task.pod_id, task.modality) for task in tasks if task.pod_id}
    if not keys:
        return {}
    members = (
        PodMember.objects.filter(
            pod_id__in={pod for pod, _ in keys},
            person__is_available=True,
            person__is_active=True,
        )
        .select_related("person")
        .order_by("person__username")
    )
    candidates: dict[tuple[int, str], list[Person]] = {key: [] for key in keys}
    for member in members:
        key = (member.pod_id, member.modality)
        if key in candidates:
            candidates[key].append(member.person)
    return candidates
