"""The demo's calibration story: four closed iterations per pod on which the
sync-error rate falls from about a third to under 5% while agreement rises, read from
the snapshots the dashboards draw, and nothing opened again when seeding twice."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from demo.scenes.cast import PODS_BY_NAME, PROJECTS
from demo.scenes.dataset import (
    CALIBRATION_ROUNDS,
    ROUND_ERROR_SHARES,
    build_dataset,
    calibration_records,
)
from metrics.models import (
    CalibrationIteration,
    Guideline,
    IterationSnapshot,
    IterationStatus,
    ProjectQualitySnapshot,
)
from tasks.models import DataPoint, Project

BATCH = 12


def calibration_of(dataset: dict) -> list[dict]:
    return [r for found in dataset.values() for r in found if r["is_calibration"]]


class TestGeneratedRounds:
    def test_every_pod_gets_four_rounds_of_the_batch_size_on_top_of_the_everyday_data(self):
        dataset = build_dataset(seed=4, datapoints=6, calibration=BATCH)
        for project in PROJECTS:
            found = dataset[project.key]
            assert sum(1 for r in found if not r["is_calibration"]) == 2
            rounds = [r["meta"]["calibration_round"] for r in found if r["is_calibration"]]
            assert rounds == [n for n in range(1, 5) for _ in range(BATCH)] * len(project.pods)

    def test_the_injected_error_share_falls_round_by_round_to_under_five_percent(self, dataset):
        for project in PROJECTS:
            for pod in project.pods:
                shares = []
                for number in range(1, CALIBRATION_ROUNDS + 1):
                    found = [
                        r
                        for r in dataset[project.key]
                        if r["meta"].get("calibration_round") == number and r["meta"]["pod"] == pod
                    ]
                    shares.append(sum(1 for r in found if r["meta"]["injected"]) / len(found))
                assert shares[0] >= 0.25
                assert shares[-1] < 0.05
                assert shares == sorted(shares, reverse=True)
                assert shares[0] == pytest.approx(ROUND_ERROR_SHARES[0], abs=0.05)

    def test_the_second_specialist_strays_less_each_round(self):
        def strayed(record: dict) -> int:
            """Annotations whose second copy differs in label or attributes."""
            first: dict[tuple, dict] = {}
            differing = 0
            for item in record["annotations"]:
                key = (item["stream"], item["kind"], item["entity"], item.get("start_ms"))
                seen = first.setdefault(key, item)
                if seen is not item and seen["annotator"] != item["annotator"]:
                    differing += (seen["label"], seen["attributes"]) != (
                        item["label"],
                        item["attributes"],
                    )
            return differing

        for project in PROJECTS:
            counts = [
                sum(
                    strayed(r) > 0
                    for r in calibration_records(
                        seed=5, key=project.key, pod=project.pods[0], round_number=n, size=24
                    )
                )
                for n in range(1, CALIBRATION_ROUNDS + 1)
            ]
            assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1] > 0

    def test_calibration_items_are_deterministic_and_named_by_pod_and_round(self):
        first = build_dataset(seed=9, datapoints=3, calibration=3)
        again = build_dataset(seed=9, datapoints=3, calibration=3)
        assert json.dumps(first) == json.dumps(again)
        ids = [r["external_id"] for r in calibration_of(first)]
        assert len(ids) == len(set(ids)) == 3 * 4 * 3
        assert "drive-aurora-r1-001" in ids and "call-cirrus-r4-003" in ids
        other = build_dataset(seed=10, datapoints=3, calibration=3)
        assert json.dumps(calibration_of(first)) != json.dumps(calibration_of(other))

    def test_calibration_items_do_not_change_the_everyday_ones(self):
        plain = build_dataset(seed=9, datapoints=12)
        with_rounds = build_dataset(seed=9, datapoints=12, calibration=4)
        for key, found in plain.items():
            assert [r for r in with_rounds[key] if not r["is_calibration"]] == found


@pytest.mark.django_db
class TestSeededIterations:
    @pytest.fixture(autouse=True)
    def _fast_passwords(self, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def seed(self) -> str:
        out = StringIO()
        call_command("seed_demo", datapoints=6, seed=7, calibration=BATCH, stdout=out)
        return out.getvalue()

    def series(self, project: Project) -> list[dict]:
        return [
            s.figures
            for s in IterationSnapshot.objects.filter(iteration__project=project).order_by(
                "iteration__pod_id", "iteration__number"
            )
        ]

    def test_four_closed_iterations_per_pod_where_errors_fall_and_alpha_rises(self):
        output = self.seed()

        for project in Project.objects.all():
            iterations = CalibrationIteration.objects.filter(project=project)
            assert iterations.count() == 4 * project.pods.count()
            assert set(iterations.values_list("status", flat=True)) == {IterationStatus.CLOSED}
            for iteration in iterations:
                assert iteration.overlap == 2
                assert iteration.datapoints.count() == BATCH
                assert iteration.guideline.version == iteration.number
                assert iteration.guideline.started_iteration == iteration
            figures = self.series(project)
            rates = [f["sync_errors"]["rate"] for f in figures]
            assert rates[0] >= 0.25, (project.name, rates)
            assert rates[-1] < 0.05, (project.name, rates)
            assert rates == sorted(rates, reverse=True), (project.name, rates)
            alphas = [_mean_alpha(f) for f in figures]
            assert alphas[-1] > alphas[0], (project.name, alphas)
            assert ProjectQualitySnapshot.objects.filter(project=project).exists()
            assert project.name in output
        # Where the dashboard draws tag alpha, it rises too.
        for name in ("Shelf audit", "Support call QA"):
            figures = self.series(Project.objects.get(name=name))
            tags = [f["alpha_by_modality"]["metadata"] for f in figures]
            assert tags[-1] > tags[0], (name, tags)
        assert "#4 0.0%" in output

    def test_later_guidelines_name_the_previous_rounds_most_frequent_checks(self):
        self.seed()

        for project in Project.objects.all():
            versions = list(Guideline.objects.filter(project=project).order_by("version"))
            assert [g.version for g in versions] == [1, 2, 3, 4]
            assert versions[0].motivating_checks == []
            assert versions[1].motivating_checks, project.name
            assert versions[1].change_summary and "## New in this version" in versions[1].body

    def test_seeding_again_opens_no_iteration_and_keeps_the_figures(self):
        first = self.seed()
        iterations = CalibrationIteration.objects.count()
        figures = {s.iteration_id: s.figures for s in IterationSnapshot.objects.all()}
        guidelines = Guideline.objects.count()
        datapoints = DataPoint.objects.count()

        again = self.seed()

        assert CalibrationIteration.objects.count() == iterations == 12
        assert Guideline.objects.count() == guidelines
        assert DataPoint.objects.count() == datapoints
        assert {s.iteration_id: s.figures for s in IterationSnapshot.objects.all()} == figures
        marker = "Closed calibration iterations"
        assert first[first.index(marker) :] == again[again.index(marker) :]


def _mean_alpha(figures: dict) -> float:
    agreement = figures["agreement"]
    values = [f["alpha"] for f in agreement["tags"].values()]
    values += [f["alpha"] for d in agreement["attributes"].values() for f in d.values()]
    values += [f["alpha"] for f in agreement["temporal"].values()]
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined)


def test_every_demo_pod_is_a_pod_of_the_cast():
    for project in PROJECTS:
        assert all(pod in PODS_BY_NAME for pod in project.pods)
