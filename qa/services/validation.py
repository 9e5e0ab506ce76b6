"""Validate data points: load a chunk in bulk, run every enabled check, write the
findings in bulk. `project_validate` splits a project into chunks and hands them to
Celery (or runs them here), recording progress on a `validate` Job."""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from pods.models import Person
from qa.checks import run_checks
from qa.services.findings import findings_write
from qa.services.loading import batches_load
from tasks.models import DataPoint, Job, JobStatus, Project

JOB_KIND = "validate"
DEFAULT_CHUNK_SIZE = 500

ProgressCallback = Callable[[int, int], None]


@dataclass
class ValidationSummary:
    datapoints: int = 0
    annotations: int = 0
    findings: int = 0  # drafts that held in this run
    created: int = 0
    updated: int = 0
    reopened: int = 0
    fixed: int = 0
    by_check: dict[str, int] = field(default_factory=dict)

    def add(self, other: "ValidationSummary") -> "ValidationSummary":
        for name in ("datapoints", "annotations", "findings", "created", "updated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reopened += other.reopened
        self.fixed += other.fixed
        self.by_check = dict(Counter(self.by_check) + Counter(other.by_check))
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ValidationSummary":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@transaction.atomic
def datapoints_validate(
    *, datapoint_ids: Sequence[int], job_id: int | None = None
) -> ValidationSummary:
    """(Re)validate these data points (of any projects) in one transaction and a
    fixed number of queries. Idempotent: findings are matched by key, so running it
    twice changes nothing. Publishes finding.created / finding.resolved to each
    data point's group on commit. With `job_id`, adds the chunk to that Job's
    progress in the same transaction, so progress never counts a rolled-back chunk."""
    now = timezone.now()
    summary = ValidationSummary()
    projects: dict[int, int] = {}
    drafts = []
    for batch in batches_load(datapoint_ids=datapoint_ids):
        drafts.extend(run_checks(batch.scenes, batch.context))
        for scene in batch.scenes:
            projects[scene.datapoint_id] = batch.project_id
        summary.datapoints += len(batch.scenes)
        summary.annotations += batch.annotation_count
    if projects:
        written = findings_write(projects=projects, drafts=drafts, now=now)
        summary.findings = len(drafts)
        summary.created = len(written.created)
        summary.updated = written.updated
        summary.reopened = len(written.reopened)
        summary.fixed = len(written.fixed)
        summary.by_check = dict(Counter(draft.check for draft in drafts))
    if job_id is not None:
        _job_progress(job_id, summary, datapoint_ids=datapoint_ids)
    return summary


def _job_progress(job_id: int, summary: ValidationSummary, *, datapoint_ids: Sequence[int]) -> None:
    """Count a chunk once, even when Celery delivers it again (acks_late)."""
    job = Job.objects.select_for_update().get(pk=job_id)
    result = dict(job.result or {})
    chunks = list(result.get("chunks_done", []))
    chunk = min(datapoint_ids, default=0)
    if chunk in chunks:
        return
    job.done += len(datapoint_ids)
    merged = ValidationSummary.from_dict(result).add(summary).as_dict()
    job.result = {**merged, "chunks_done": [*chunks, chunk]}
    finished = job.total is not None and job.done >= job.total
    job.status = JobStatus.DONE if finished else JobStatus.RUNNING
    job.finished_at = timezone.now() if finished else None
    job.save(update_fields=["done", "result", "status", "finished_at", "updated_at"])


def validation_job_fail(*, job_id: int, error: str) -> None:
    """Mark the Job failed (called by the chunk job when its chunk raised)."""
    Job.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def project_datapoint_ids(*, project: Project, datapoint_ids: Sequence[int] | None) -> list[int]:
    """The project's data points, or the listed ones after checking they belong to it."""
    ids = DataPoint.objects.filter(project=project).order_by("pk")
    if datapoint_ids is None:
        return list(ids.values_list("pk", flat=True))
    wanted = sorted(set(datapoint_ids))
    found = list(ids.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(set(wanted) - set(found))
    if missing:
        shown = ", ".join(str(pk) for pk in missing[:20])
        raise DomainError(f"Not data points of {project.name}: {shown}.", field="datapoints")
    return found


def project_validate(
    *,
    project: Project,
    datapoint_ids: Sequence[int] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: ProgressCallback | None = None,
    created_by: Person | None = None,
    in_process: bool = False,
) -> Job:
    """Validate a project's data points (all, or the listed ones) in chunks, and
    return the `validate` Job that tracks them. By default each chunk becomes a
    Celery job, dispatched once the caller's transaction commits (in embedded mode
    Celery runs it in-process right then); `in_process` runs the chunks here, one
    transaction each. `on_progress(done, total)` is called after each chunk is run
    (in_process) or handed to Celery."""
    if chunk_size < 1:
        raise DomainError("The chunk size is at least 1.", field="chunk_size")
    ids = project_datapoint_ids(project=project, datapoint_ids=datapoint_ids)
    finished = not ids
    job = Job.objects.create(
        kind=JOB_KIND,
        project=project,
        created_by=created_by,
        total=len(ids),
        payload={"datapoints": len(ids), "chunk_size": chunk_size},
        result=ValidationSummary().as_dict(),
        status=JobStatus.DONE if finished else JobStatus.QUEUED,
        finished_at=timezone.now() if finished else None,
    )
    chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]
    if in_process:
        done = 0
        for chunk in chunks:
            datapoints_validate(datapoint_ids=chunk, job_id=job.pk)
            done += len(chunk)
            if on_progress:
                on_progress(done, len(ids))
        job.refresh_from_db()
        return job

    def dispatch() -> None:
        from qa.jobs import datapoints_validate as datapoints_validate_job

        handed = 0
        for chunk in chunks:
            datapoints_validate_job.delay(chunk, job_id=job.pk)
            handed += len(chunk)
            if on_progress:
                on_progress(handed, len(ids))

    if chunks:
        transaction.on_commit(dispatch)
    return job
