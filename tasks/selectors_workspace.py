"""Reads for the live data-point workspace: the socket's greeting and the panel on
the data-point page. Callers pass a data point already found through
`datapoint_list_for_user`, so visibility is settled before these run."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from pods.models import Person
from pods.selectors import can_see_names, person_pseudonym
from tasks.models import AnnotationLock, Comment, DataPoint, Stream, Task
from tasks.selectors import open_task_list_for_user

COMMENT_HISTORY = 100


def comment_history(*, datapoint: DataPoint, limit: int = COMMENT_HISTORY) -> list[Comment]:
    """The latest `limit` comments, oldest first."""
    latest = (
        Comment.objects.filter(datapoint=datapoint)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
    return list(reversed(latest))


def active_lock_list(*, datapoint: DataPoint) -> QuerySet[AnnotationLock]:
    return AnnotationLock.objects.filter(
        datapoint=datapoint, expires_at__gt=timezone.now()
    ).select_related("holder")


def workspace_open_task_list(*, user: Person, datapoint: DataPoint) -> list[Task]:
    """The caller's open tasks on this data point: what the workspace lets them
    annotate (the annotation services check it again on every write)."""
    return list(open_task_list_for_user(user=user).filter(datapoint=datapoint))


def workspace_stream_list(*, datapoint: DataPoint) -> list[Stream]:
    return list(Stream.objects.filter(datapoint=datapoint).order_by("key"))


def presence_modality(*, user: Person, datapoint: DataPoint) -> str:
    """The modality a person works on this data point: their task's, else their role
    in the data point's pod, else their role (staff, viewers)."""
    modalities = sorted(
        Task.objects.filter(datapoint=datapoint, assignee=user).values_list("modality", flat=True)
    )
    if modalities:
        return ",".join(dict.fromkeys(modalities))
    if datapoint.pod_id:
        member = user.memberships.filter(pod_id=datapoint.pod_id).order_by("-is_lead").first()
        if member:
            return member.modality
    return user.role


def display_name(*, viewer: Person, person_id: int | None, name: str) -> str:
    """`name` as `viewer` may see it: a pseudonym for client viewers."""
    if person_id is None:
        return name or "—"
    return name if can_see_names(viewer) else person_pseudonym(person_id)
