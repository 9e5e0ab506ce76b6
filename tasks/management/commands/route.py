"""`manage.py route PROJECT`: route a project's unrouted data points to pods and
specialists, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from common.errors import DomainError
from tasks.models import DataPoint, Project
from tasks.services.routing import project_route


class Command(BaseCommand):
    help = "Route a project's unrouted data points to one pod each and its specialists."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id or exact name")
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, project: str, chunk_size: int, **options):
        target = Project.objects.filter(pk=int(project)) if project.isdigit() else None
        target = (target or Project.objects.filter(name=project)).first()
        if target is None:
            raise CommandError(f"No project with id or name '{project}'.")
        pending = DataPoint.objects.filter(project=target, pod__isnull=True).count()
        with tqdm(total=pending, unit="dp", disable=options["verbosity"] == 0) as bar:
            try:
                report = project_route(
                    project=target, chunk_size=chunk_size, on_progress=bar.update
                )
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            f"Routed {report.routed} data points: {report.tasks} tasks, "
            f"{report.assigned} assigned, {report.queued} waiting in pod queues."
        )
        for pod, count in sorted(report.per_pod.items()):
            self.stdout.write(f"  {pod}: {count} data points")
        for pod, missing in sorted(report.not_routable.items()):
            self.stdout.write(
                self.style.WARNING(f"  {pod} is not routable: no {', '.join(missing)}")
            )
