"""Celery tasks of the tasks app: load ids, call one service, record the outcome on
the Job row that `/api/v1/jobs/{id}/` reports."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from django.core.files.storage import default_storage
from django.utils import timezone

from common.errors import DomainError
from tasks.models import Job, JobStatus
from tasks.services.imports import datapoints_import_file

logger = logging.getLogger(__name__)


@shared_task(name="tasks.datapoints_import", acks_late=True)
def datapoints_import(job_id: int) -> None:
    """Import the upload stored at `payload["path"]` of an import Job.

    Progress is in bytes: `total` is the upload's size and `done` the bytes read so
    far. The import is idempotent, so a redelivery after a lost worker (acks_late)
    imports only what the first run did not commit. The stored upload is deleted once
    the job is done and kept when it failed, for a person to inspect. Failures are
    recorded on the Job rather than raised, so an eager run inside a request never
    turns into a 500.
    """
    job = Job.objects.select_related("project").filter(pk=job_id).first()
    if job is None:
        logger.warning("Import job %s no longer exists; nothing to do.", job_id)
        return
    if job.status == JobStatus.DONE:
        return
    path = job.payload["path"]
    jobs = Job.objects.filter(pk=job_id)
    try:
        total = default_storage.size(path)
        jobs.update(
            status=JobStatus.RUNNING, total=total, done=0, error="", updated_at=timezone.now()
        )
        with default_storage.open(path, "rb") as upload:
            report = datapoints_import_file(
                project=job.project,
                fileobj=upload,
                on_progress=lambda done: jobs.update(done=done, updated_at=timezone.now()),
            )
    except Exception as exc:
        logger.exception("Import job %s failed.", job_id)
        now = timezone.now()
        jobs.update(
            status=JobStatus.FAILED,
            error=f"The import stopped on an unexpected {type(exc).__name__}; the upload is "
            "kept and the server log has the details. Records committed before it stay.",
            finished_at=now,
            updated_at=now,
        )
        return
    now = timezone.now()
    jobs.update(
        status=JobStatus.DONE,
        done=total,
        result=asdict(report),
        finished_at=now,
        updated_at=now,
    )
    default_storage.delete(path)


@shared_task(name="tasks.project_route", acks_late=True)
def project_route(project_id: int, job_id: int | None = None) -> None:
    """Route a project's unrouted data points (after an import, or a large route
    request answered 202). Routing locks its chunks with SKIP LOCKED, so a redelivered
    or concurrent run routes nothing twice. Progress goes to the Job row, if any."""
    from tasks.models import Project
    from tasks.services.routing import project_route as route

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return
    jobs = Job.objects.filter(pk=job_id) if job_id else Job.objects.none()
    jobs.update(status=JobStatus.RUNNING, updated_at=timezone.now())
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        jobs.update(done=done, updated_at=timezone.now())

    try:
        report = route(project=project, on_progress=progress)
    except DomainError as error:
        now = timezone.now()
        jobs.update(status=JobStatus.FAILED, error=error.message, finished_at=now, updated_at=now)
        logger.info("Routing project %s: %s", project_id, error.message)
        return
    now = timezone.now()
    jobs.update(status=JobStatus.DONE, result=asdict(report), finished_at=now, updated_at=now)


@shared_task(name="tasks.tasks_release_stale")
def tasks_release_stale(hours: float = 24.0) -> int:
    """Periodic: free tasks nobody touched for `hours`, or whose specialist went away,
    then offer them again through the pod queue."""
    from datetime import timedelta

    from tasks.services.lifecycle import tasks_release_stale as release

    return len(release(older_than=timedelta(hours=hours)))
