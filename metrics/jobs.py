"""Celery jobs of the metrics app: take ids, call one service."""

from celery import shared_task
from django.db import OperationalError

from metrics.services import project_snapshot, running_project_ids
from tasks.models import Project


@shared_task(
    name="metrics.projects_snapshot",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def projects_snapshot() -> dict:
    """Store a quality snapshot of every running project (periodic, see
    CELERY_BEAT_SCHEDULE), so dashboards read figures and never raw annotations."""
    written = 0
    for project in Project.objects.filter(pk__in=running_project_ids()):
        project_snapshot(project=project)
        written += 1
    return {"projects": written}
