"""Who is on a data point's workspace right now, one row per open socket.

Stored as rows rather than gossiped between sockets: a newcomer reads the room in one
query instead of every present connection answering it (N² messages for a room of N,
which overflowed channel capacities at 200), and every daphne process of a scale-out
reads the same room. A heartbeat renews `seen_at`; rows of a process that died
without disconnecting lapse after PRESENCE_TTL.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from pods.models import Person
from tasks.models import DataPoint, Presence

PRESENCE_TTL = timedelta(seconds=90)


def presence_join(*, person: Person, datapoint: DataPoint, connection: str, modality: str) -> None:
    Presence.objects.update_or_create(
        connection=connection,
        defaults={
            "person": person,
            "datapoint": datapoint,
            "modality": modality,
            "seen_at": timezone.now(),
        },
    )


def presence_heartbeat(*, connection: str) -> None:
    Presence.objects.filter(connection=connection).update(seen_at=timezone.now())


def presence_leave(*, connection: str) -> None:
    Presence.objects.filter(connection=connection).delete()


def presence_list(*, datapoint: DataPoint) -> QuerySet[Presence]:
    """The live rows of a data point's room, oldest first."""
    return (
        Presence.objects.filter(datapoint=datapoint, seen_at__gt=timezone.now() - PRESENCE_TTL)
        .select_related("person")
        .order_by("seen_at", "id")
    )
