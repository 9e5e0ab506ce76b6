"""`manage.py validate_sync PROJECT [--datapoints 1 2 3]`: (re)validate a project
with a progress bar. Runs the chunks in this process unless --workers hands them
to Celery workers, whose progress it then follows on the Job."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from common.errors import DomainError
from qa.services import DEFAULT_CHUNK_SIZE, ValidationSummary, project_validate
from tasks.models import Job, JobStatus, Project

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Validate a project's data points for cross-modal sync errors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id or name.")
        parser.add_argument(
            "--datapoints",
            nargs="+",
            type=int,
            metavar="ID",
            help="Only these data point ids (default: all of the project).",
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
        parser.add_argument(
            "--workers",
            action="store_true",
            help="Fan the chunks out to Celery workers and follow their progress.",
        )

    def handle(self, *args, project: str, datapoints, chunk_size, workers, **options) -> None:
        project_obj = self._project(project)
        bar = tqdm(total=0, unit="dp", desc=project_obj.name, disable=options["verbosity"] == 0)

        def progress(done: int, total: int) -> None:
            """In-process: chunks done; with workers: chunks handed over (the loop
            below then follows the Job)."""
            bar.total = total
            if not workers:
                bar.n = done
                bar.refresh()

        try:
            job = project_validate(
                project=project_obj,
                datapoint_ids=datapoints,
                chunk_size=chunk_size,
                on_progress=progress,
                in_process=not workers,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        bar.total = job.total or 0
        while job.status not in (JobStatus.DONE, JobStatus.FAILED):
            time.sleep(POLL_SECONDS)
            job = Job.objects.get(pk=job.pk)
            bar.n = job.done
            bar.refresh()
        bar.n = job.done
        bar.close()
        if job.status == JobStatus.FAILED:
            raise CommandError(f"Validation job {job.pk} failed: {job.error}")
        summary = ValidationSummary.from_dict(job.result)
        self.stdout.write(
            f"Validated {summary.datapoints} data points ({summary.annotations} annotations): "
            f"{summary.findings} findings hold, {summary.created} new, {summary.reopened} "
            f"reopened, {summary.fixed} fixed."
        )
        for check, count in sorted(summary.by_check.items()):
            self.stdout.write(f"  {check}: {count}")

    def _project(self, ref: str) -> Project:
        projects = Project.objects.filter(pk=int(ref)) if ref.isdigit() else None
        if projects is None or not projects.exists():
            projects = Project.objects.filter(name=ref)
        if projects.count() != 1:
            found = "no project" if not projects.exists() else "several projects"
            raise CommandError(f"{found} match '{ref}'; give the project id.")
        return projects.get()
