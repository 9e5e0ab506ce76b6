"""Writes of a data point's comment thread. The workspace socket calls these, as
would any other door, and each comment is published as `comment.created` to the data
point's group once the transaction has committed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from common.errors import DomainError
from common.events import publish_on_commit
from pods.models import Person, Role
from tasks.models import Comment, DataPoint
from tasks.services.annotations import datapoint_group

COMMENT_MAX_CHARS = 2000


def comment_payload(comment: Comment) -> dict[str, Any]:
    """The JSON-able form events carry. `author_id` is for the socket to name the
    author as each reader may see them (a pseudonym for client viewers); the socket
    never forwards it to a client viewer."""
    author = comment.author
    return {
        "id": comment.pk,
        "datapoint": comment.datapoint_id,
        "author_id": author.pk,
        "author": author.get_full_name() or author.username,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
    }


@transaction.atomic
def comment_create(*, actor: Person, datapoint: DataPoint, body: str) -> Comment:
    """Add a comment to a data point the caller has already found through
    `datapoint_list_for_user`. Client viewers read the thread but do not write to it.
    Publishes `comment.created` after commit."""
    if actor.role == Role.CLIENT_VIEWER:
        raise PermissionDenied("Client viewers can read the discussion but not post to it.")
    if not isinstance(body, str):
        raise DomainError("Write the comment as text.", field="body")
    body = body.strip()
    if not body:
        raise DomainError("A comment cannot be empty.", field="body")
    if len(body) > COMMENT_MAX_CHARS:
        raise DomainError(
            f"Keep a comment under {COMMENT_MAX_CHARS} characters (this one has {len(body)}).",
            field="body",
        )
    comment = Comment.objects.create(datapoint=datapoint, author=actor, body=body)
    publish_on_commit(datapoint_group(datapoint.pk), "comment.created", comment_payload(comment))
    return comment
