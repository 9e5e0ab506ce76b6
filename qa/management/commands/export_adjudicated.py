"""`manage.py export_adjudicated PROJECT [--out FILE] [--pseudonymise]`: write a
project's adjudicated annotations and finding resolutions as JSON Lines (the same
lines as GET /api/v1/projects/{id}/export/), with a progress bar."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from qa.selectors_escalations import (
    EXPORT_CHUNK,
    adjudicated_export_rows,
    export_datapoint_count,
)
from tasks.models import Project


class Command(BaseCommand):
    help = "Export a project's adjudicated annotations as JSON Lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id or name.")
        parser.add_argument("--out", help="File to write (default: standard output).")
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="Replace annotators' usernames by pseudonyms, as client viewers see them.",
        )
        parser.add_argument("--chunk-size", type=int, default=EXPORT_CHUNK)

    def handle(self, *args, project: str, out, pseudonymise, chunk_size, **options) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size is at least 1.")
        project_obj = self._project(project)
        total = export_datapoint_count(project=project_obj)
        # The bar goes to stderr, so it never mixes with lines written to stdout.
        bar = tqdm(
            total=total,
            unit="dp",
            desc=project_obj.name,
            disable=options["verbosity"] == 0 or not out,
            file=sys.stderr,
        )
        stream = open(out, "w", encoding="utf-8") if out else self.stdout  # noqa: SIM115
        written = 0
        try:
            rows = adjudicated_export_rows(
                project=project_obj, pseudonymise=pseudonymise, chunk_size=chunk_size
            )
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
                bar.update(1)
        finally:
            bar.close()
            if out:
                stream.close()
        if out:
            self.stderr.write(f"Wrote {written} data points of {project_obj.name} to {out}.")

    def _project(self, ref: str) -> Project:
        projects = Project.objects.filter(pk=int(ref)) if ref.isdigit() else None
        if projects is None or not projects.exists():
            projects = Project.objects.filter(name=ref)
        if projects.count() != 1:
            found = "no project" if not projects.exists() else "several projects"
            raise CommandError(f"{found} match '{ref}'; give the project id.")
        return projects.get()
