"""Soft locks on annotations being edited: "I am changing this box", shown to the
others on the data point. Advisory only: the annotation services do not check them.

Stored as rows (`AnnotationLock`) rather than in a per-process cache, so every daphne
process of a scale-out sees the same locks in both runtime modes. A lock lapses at
`expires_at` unless its holder renews it (the workspace renews every 10 s), so a tab
that vanished without a disconnect (crash, lost network) frees it within the TTL;
an orderly disconnect releases the tab's locks at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.errors import DomainError
from common.events import publish_on_commit
from pods.models import Person, Role
from tasks.models import Annotation, AnnotationLock
from tasks.services.annotations import datapoint_group

LOCK_TTL = timedelta(seconds=30)


def lock_payload(lock: AnnotationLock) -> dict[str, Any]:
    holder = lock.holder
    return {
        "annotation": lock.annotation_id,
        "datapoint": lock.datapoint_id,
        "holder_id": holder.pk,
        "holder": holder.get_full_name() or holder.username,
        "expires_at": lock.expires_at.isoformat(),
    }


@transaction.atomic
def lock_acquire(
    *,
    actor: Person,
    annotation: Annotation,
    connection: str = "",
    ttl: timedelta = LOCK_TTL,
    now: datetime | None = None,
) -> AnnotationLock:
    """Take (or renew) the soft lock on an annotation for `ttl`. Refused while someone
    else holds an unexpired lock on it. Publishes `lock.acquired` after commit."""
    if actor.role == Role.CLIENT_VIEWER:
        raise PermissionDenied("Client viewers do not edit annotations.")
    now = now or timezone.now()
    datapoint_id = (
        Annotation.objects.filter(pk=annotation.pk)
        .values_list("task__datapoint_id", flat=True)
        .first()
    )
    if datapoint_id is None:
        raise DomainError("That annotation no longer exists.", field="annotation")
    lock = (
        AnnotationLock.objects.select_for_update()
        .select_related("holder")
        .filter(annotation_id=annotation.pk)
        .first()
    )
    if lock is not None and lock.expires_at > now and lock.holder_id != actor.pk:
        name = lock.holder.get_full_name() or lock.holder.username
        raise DomainError(f"{name} is editing this annotation.", field="annotation")
    if lock is None:
        lock = AnnotationLock(annotation_id=annotation.pk, datapoint_id=datapoint_id)
    lock.holder = actor
    lock.connection = connection
    lock.expires_at = now + ttl
    try:
        with transaction.atomic():
            lock.save()
    except IntegrityError:
        raise DomainError(
            "Someone took this annotation a moment ago.", field="annotation"
        ) from None
    publish_on_commit(datapoint_group(datapoint_id), "lock.acquired", lock_payload(lock))
    return lock


@transaction.atomic
def lock_release(*, actor: Person, annotation_id: int) -> bool:
    """Give up the caller's lock on an annotation; False when they held none.
    Publishes `lock.released` after commit."""
    lock = (
        AnnotationLock.objects.select_for_update()
        .filter(annotation_id=annotation_id, holder=actor)
        .first()
    )
    if lock is None:
        return False
    datapoint_id = lock.datapoint_id
    lock.delete()
    publish_on_commit(
        datapoint_group(datapoint_id),
        "lock.released",
        {"annotation": annotation_id, "datapoint": datapoint_id},
    )
    return True


@transaction.atomic
def locks_release_connection(*, connection: str) -> list[int]:
    """Release every lock one socket holds (it disconnected). Returns the annotation
    ids; publishes one `lock.released` each after commit."""
    if not connection:
        return []
    locks = list(
        AnnotationLock.objects.select_for_update()
        .filter(connection=connection)
        .values_list("annotation_id", "datapoint_id")
    )
    AnnotationLock.objects.filter(connection=connection).delete()
    for annotation_id, datapoint_id in locks:
        publish_on_commit(
            datapoint_group(datapoint_id),
            "lock.released",
            {"annotation": annotation_id, "datapoint": datapoint_id},
        )
    return [annotation_id for annotation_id, _ in locks]


def locks_purge_expired(*, now: datetime | None = None) -> int:
    """Delete lapsed locks (housekeeping; readers already ignore them)."""
    deleted, _ = AnnotationLock.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
