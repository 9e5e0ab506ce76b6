"""`manage.py release_stale --hours H`: what the periodic job does, on demand."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from tasks.services.lifecycle import tasks_release_stale


class Command(BaseCommand):
    help = "Release tasks untouched for H hours, or held by people who left, to their pod queue."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24.0)

    def handle(self, *args, hours: float, **options):
        released = tasks_release_stale(older_than=timedelta(hours=hours))
        self.stdout.write(f"Released {len(released)} tasks back to their pod queues.")
