"""`python manage.py import_datapoints PROJECT FILE`: import a JSON array or JSON Lines
file of data points from the command line, through the same service as the API."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tasks.models import Project
from tasks.services.imports import datapoints_import_file


def _project(reference: str) -> Project:
    """A project by id or by exact name; a name two clients share must be given by id."""
    projects = Project.objects.select_related("client")
    if reference.isdigit():
        project = projects.filter(pk=int(reference)).first()
        if project is not None:
            return project
    matches = list(projects.filter(name=reference)[:2])
    if not matches:
        raise CommandError(f"No project has the id or name '{reference}'.")
    if len(matches) > 1:
        raise CommandError(f"Several clients have a project named '{reference}'; give its id.")
    return matches[0]


class Command(BaseCommand):
    help = (
        "Import data points (JSON array or JSON Lines) into a project. Idempotent on "
        "external_id. Exits non-zero when nothing in the file could be imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id or exact name.")
        parser.add_argument("file", help="Path of the file, or - for standard input.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = _project(options["project"])
        path = options["file"]
        if path == "-":
            fileobj, total = sys.stdin.buffer, None
        else:
            try:
                fileobj = open(path, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
            total = os.fstat(fileobj.fileno()).st_size
        bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"Importing into {project.name}",
            disable=options["no_progress"] or None,
            file=sys.stderr,
        )

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        try:
            report = datapoints_import_file(project=project, fileobj=fileobj, on_progress=progress)
        finally:
            bar.close()
            if fileobj is not sys.stdin.buffer:
                fileobj.close()

        self.stdout.write(
            f"{report.created} created, {report.existing} already there, "
            f"{report.rejected} rejected; {report.tasks} tasks and "
            f"{report.annotations} annotations created."
        )
        for error in report.errors:
            where = f"line {error['line']}" if error["line"] is not None else "file"
            if error["external_id"]:
                where += f" ({error['external_id']})"
            self.stdout.write(f"{where}: {error['field']}: {error['reason']}")
        hidden = report.error_count - len(report.errors)
        if hidden:
            self.stdout.write(f"... and {hidden} more problems not listed.")
        if not report.found_valid_records:
            raise CommandError("Nothing in the file could be imported.")
