"""`manage.py seed_demo`: the deterministic demo that `make demo` serves."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.errors import CHECK_TYPES
from demo.scenes.cast import PASSWORD, PEOPLE, PROJECTS
from demo.scenes.dataset import CALIBRATION_BATCH, CALIBRATION_ROUNDS
from demo.scenes.plan import TYPE_WEIGHTS
from demo.seed import SeedSummary, demo_cast_ensure, demo_seed


class Command(BaseCommand):
    help = (
        "Seed clients, staff in every role, three pods and three projects whose data points "
        "carry injected sync errors, plus four closed calibration iterations per pod on which "
        "the sync-error rate falls and agreement rises. The same --seed gives the same data; "
        "running it again adds nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--datapoints",
            type=int,
            default=120,
            help="everyday data points, spread over 3 projects (calibration items come on top)",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--calibration",
            type=int,
            default=CALIBRATION_BATCH,
            help=f"data points per calibration round and pod ({CALIBRATION_ROUNDS} rounds; "
            "0 for none)",
        )

    def handle(self, *args, datapoints: int, seed: int, calibration: int, **options) -> None:
        if datapoints < 0:
            raise CommandError("--datapoints cannot be negative.")
        if calibration < 0:
            raise CommandError("--calibration cannot be negative.")
        self.stdout.write("Clients, people, pods and projects (kept where they exist)...")
        projects = demo_cast_ensure()
        pods = sum(len(spec.pods) for spec in PROJECTS)
        total = datapoints + pods * CALIBRATION_ROUNDS * calibration
        bar = tqdm(total=total, desc="Importing data points", unit="dp", file=sys.stderr)
        with bar:
            summary = demo_seed(
                datapoints=datapoints,
                seed=seed,
                calibration=calibration,
                on_progress=bar.update,
                projects=projects,
            )
        for line in summary_lines(summary, seed=seed):
            self.stdout.write(line)
        for line in login_lines():
            self.stdout.write(line)


def summary_lines(summary: SeedSummary, *, seed: int) -> list[str]:
    lines = [
        "",
        f"SyncPod demo, seed {seed}",
        f"{'project':<22} {'client':<28} {'data points':>11} {'new':>5} {'existing':>8} "
        f"{'rejected':>8} {'with errors':>11}",
    ]
    for project in summary.projects:
        lines.append(
            f"{project.name:<22} {project.client:<28} {project.datapoints:>11} "
            f"{project.created:>5} {project.existing:>8} {project.rejected:>8} "
            f"{project.with_errors:>11}"
        )
    total = sum(summary.injected.values())
    lines += ["", "Injected sync errors by check:"]
    for error_type in TYPE_WEIGHTS:
        of_type = sum(n for (kind, _), n in summary.injected.items() if kind == error_type)
        share = f"{of_type / total:.0%}" if total else "-"
        lines.append(f"  {error_type:<18} {of_type:>4}  ({share} of injected errors)")
        for check, kind in CHECK_TYPES.items():
            if kind == error_type:
                lines.append(f"    {check:<20} {summary.injected[(kind, check)]:>4}")
    everyday = summary.datapoints - summary.calibration
    spoiled = summary.with_errors - summary.calibration_with_errors
    rate = spoiled / everyday if everyday else 0.0
    lines.append(
        f"Data points with at least one sync error: {spoiled} of {everyday} everyday "
        f"({rate:.1%}), {summary.calibration_with_errors} of {summary.calibration} "
        "in calibration rounds"
    )
    for rejection in summary.rejections[:10]:
        lines.append(
            f"  rejected {rejection['external_id']}: {rejection['field']} {rejection['reason']}"
        )
    return lines + iteration_lines(summary)


def iteration_lines(summary: SeedSummary) -> list[str]:
    """Per project, the sync-error rate and mean alpha of each closed calibration
    iteration, read from their snapshots: what the quality dashboard draws."""
    lines = [
        "",
        "Closed calibration iterations: sync-error rate (target under 5%) and mean "
        "Krippendorff's alpha",
    ]
    for project in summary.projects:
        pods = {r.pod for r in project.rounds}
        rounds = "  ".join(
            f"{r.pod + ' ' if len(pods) > 1 else ''}#{r.number} {_percent(r.rate)} "
            f"a={_decimal(r.alpha)}"
            for r in project.rounds
        )
        lines.append(f"  {project.name:<22} {rounds or 'none'}")
    return lines


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _decimal(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def login_lines() -> list[str]:
    lines = ["", f"Logins (every account's password: {PASSWORD})"]
    lines.append(f"{'username':<16} {'role':<14} look at")
    for person in PEOPLE:
        lines.append(f"{person.username:<16} {person.role:<14} {person.look_at}")
    return lines
