"""Task transitions: claim, start, submit, release, reassign, and the stale sweep.

Every transition is recorded in TaskTransition with who and when. Assignments publish
`task.assigned` to the person's own socket group after commit."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from common.errors import DomainError
from common.events import publish_many_on_commit
from pods.models import Person, PodMember, Role
from pods.selectors import is_staff_wide
from tasks.models import OPEN_TASK_STATUSES, DataPoint, Project, Task, TaskStatus, TaskTransition
from tasks.signals import datapoint_submitted

DONE_STATUSES = (
    TaskStatus.SUBMITTED,
    TaskStatus.VALIDATED,
    TaskStatus.FLAGGED,
    TaskStatus.ACCEPTED,
)


def person_group(person_id: int) -> str:
    return f"person-{person_id}"


def publish_assigned(assignments: dict[int, list[int]]) -> None:
    """One `task.assigned` event per person, listing the tasks they were given."""
    publish_many_on_commit(
        [
            (person_group(person_id), "task.assigned", {"tasks": task_ids, "count": len(task_ids)})
            for person_id, task_ids in assignments.items()
        ]
    )


def _record(
    task: Task,
    *,
    to_status: str,
    to_assignee: Person | None,
    actor: Person | None,
    reason: str = "",
) -> TaskTransition:
    transition = TaskTransition(
        task=task,
        from_status=task.status,
        to_status=to_status,
        from_assignee_id=task.assignee_id,
        to_assignee=to_assignee,
        actor=actor,
        reason=reason,
    )
    task.status = to_status
    task.assignee = to_assignee
    return transition


def _open_task_count(person: Person) -> int:
    return Task.objects.filter(assignee=person, status__in=OPEN_TASK_STATUSES).count()


def task_claim_next(
    *, specialist: Person, project: Project, modality: str | None = None
) -> Task | None:
    """Give the specialist their next task, started. Their own assigned tasks come first;
    then the unassigned queue of their pods for the modalities they hold, preferring data
    points whose other modality tasks their pod is already working on. Runs in its own
    transaction and claims with SKIP LOCKED, so concurrent callers never receive the same
    task (on SQLite, which has no row locks, writes are serialised instead)."""
    with transaction.atomic():
        own = Task.objects.filter(
            assignee=specialist, status=TaskStatus.ASSIGNED, datapoint__project=project
        )
        if modality:
            own = own.filter(modality=modality)
        task = own.select_for_update(skip_locked=True, of=("self",)).order_by("id").first()
        if task is None:
            task = _claim_from_queue(specialist=specialist, project=project, modality=modality)
            if task is None:
                return None
            reason = "claimed from the pod queue"
        else:
            reason = "started"
        transition = _record(
            task,
            to_status=TaskStatus.IN_PROGRESS,
            to_assignee=specialist,
            actor=specialist,
            reason=reason,
        )
        task.save(update_fields=["status", "assignee", "updated_at"])
        transition.save()
        return task


def _claim_from_queue(*, specialist: Person, project: Project, modality: str | None) -> Task | None:
    if _open_task_count(specialist) >= specialist.capacity:
        raise DomainError(
            f"You hold {specialist.capacity} open tasks, your capacity; "
            "submit or release one first.",
            field="project",
        )
    roles = PodMember.objects.filter(person=specialist)
    if modality:
        roles = roles.filter(modality=modality)
    pairs = list(roles.values_list("pod_id", "modality"))
    if not pairs:
        return None
    in_roles = Q()
    for pod_id, role_modality in pairs:
        in_roles |= Q(pod_id=pod_id, modality=role_modality)
    queue = (
        Task.objects.filter(in_roles, status=TaskStatus.UNASSIGNED, datapoint__project=project)
        .exclude(
            Exists(
                Task.objects.filter(
                    datapoint=OuterRef("datapoint"),
                    modality=OuterRef("modality"),
                    assignee=specialist,
                )
            )
        )
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
    )
    warm = queue.filter(
        Exists(
            Task.objects.filter(
                datapoint=OuterRef("datapoint"),
                pod=OuterRef("pod"),
                status=TaskStatus.IN_PROGRESS,
            )
        )
    ).first()
    return warm or queue.first()


def task_start(*, actor: Person, task: Task) -> Task:
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.assignee_id != actor.pk:
            raise DomainError("Only the assignee can start this task.", field="task")
        if task.status != TaskStatus.ASSIGNED:
            raise DomainError(f"The task is {task.get_status_display().lower()}.", field="task")
        transition = _record(task, to_status=TaskStatus.IN_PROGRESS, to_assignee=actor, actor=actor)
        task.save(update_fields=["status", "updated_at"])
        transition.save()
        return task


def task_submit(*, actor: Person, task: Task) -> Task:
    """Submit the caller's open task. When it was the data point's last open task,
    `datapoint_submitted` is sent after commit, so validation can run."""
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.assignee_id != actor.pk:
            raise DomainError("Only the assignee can submit this task.", field="task")
        if task.status not in OPEN_TASK_STATUSES:
            raise DomainError(f"The task is {task.get_status_display().lower()}.", field="task")
        transition = _record(task, to_status=TaskStatus.SUBMITTED, to_assignee=actor, actor=actor)
        task.submitted_at = timezone.now()
        task.save(update_fields=["status", "submitted_at", "updated_at"])
        transition.save()
        still_open = (
            Task.objects.filter(datapoint_id=task.datapoint_id)
            .exclude(status__in=DONE_STATUSES)
            .exists()
        )
        if not still_open:
            datapoint_id = task.datapoint_id
            transaction.on_commit(
                lambda: datapoint_submitted.send(sender=DataPoint, datapoint_ids=[datapoint_id])
            )
        return task


def _can_manage(actor: Person, task: Task) -> bool:
    if is_staff_wide(actor):
        return True
    return (
        actor.role == Role.POD_LEAD
        and PodMember.objects.filter(pod_id=task.pod_id, person=actor, is_lead=True).exists()
    )


def task_release(*, actor: Person, task: Task, reason: str = "released") -> Task:
    """Put an open task back in its pod's queue. Its annotations stay with the task."""
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.assignee_id != actor.pk and not _can_manage(actor, task):
            raise DomainError(
                "Only the assignee, the pod lead or operations can release it.", field="task"
            )
        if task.status not in OPEN_TASK_STATUSES:
            raise DomainError(f"The task is {task.get_status_display().lower()}.", field="task")
        transition = _record(
            task, to_status=TaskStatus.UNASSIGNED, to_assignee=None, actor=actor, reason=reason
        )
        task.save(update_fields=["status", "assignee", "updated_at"])
        transition.save()
        return task


def task_reassign(*, actor: Person, task: Task, to: Person) -> Task:
    """Hand an unsubmitted task to another specialist of the same pod and modality."""
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if not _can_manage(actor, task):
            raise DomainError("Only the pod lead or operations can reassign a task.", field="task")
        if task.status not in (TaskStatus.UNASSIGNED, *OPEN_TASK_STATUSES):
            raise DomainError(f"The task is {task.get_status_display().lower()}.", field="task")
        if not PodMember.objects.filter(
            pod_id=task.pod_id, person=to, modality=task.modality
        ).exists():
            raise DomainError(
                f"{to.username} holds no {task.modality} role in this task's pod.", field="assignee"
            )
        if Task.objects.filter(
            datapoint_id=task.datapoint_id, modality=task.modality, assignee=to
        ).exists():
            raise DomainError(
                f"{to.username} already has a {task.modality} task on this data point.",
                field="assignee",
            )
        transition = _record(
            task, to_status=TaskStatus.ASSIGNED, to_assignee=to, actor=actor, reason="reassigned"
        )
        task.save(update_fields=["status", "assignee", "updated_at"])
        transition.save()
        publish_assigned({to.pk: [task.pk]})
        return task


def tasks_release_stale(*, older_than: timedelta, now=None) -> list[int]:
    """Release open tasks untouched for `older_than`, or held by someone who is no longer
    available or active, back to their pod's queue. Returns the released task ids."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            Task.objects.filter(status__in=OPEN_TASK_STATUSES)
            .filter(
                Q(updated_at__lt=now - older_than)
                | Q(assignee__is_available=False)
                | Q(assignee__is_active=False)
            )
            .select_for_update(skip_locked=True, of=("self",))
        )
        transitions = [
            _record(
                task, to_status=TaskStatus.UNASSIGNED, to_assignee=None, actor=None, reason="stale"
            )
            for task in stale
        ]
        for task in stale:
            task.updated_at = now
        Task.objects.bulk_update(stale, ["status", "assignee", "updated_at"])
        TaskTransition.objects.bulk_create(transitions)
        return [task.pk for task in stale]
