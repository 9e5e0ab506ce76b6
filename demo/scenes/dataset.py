"""The whole demo dataset as import records, generated from one seed.

Pure: plain dicts, no ORM, every random draw from a `random.Random` seeded with the
seed and the data point's place, so the same seed gives byte-identical records and one
data point does not change when another project gets more of them.

Two kinds of data points: everyday ones (`datapoints`, one specialist per modality,
about a third with injected errors) and calibration rounds (`calibration` per round
and pod, on top; two specialists per modality, meta["calibration_round"] 1..4, the
injected error share falling from 34% to 4% and the second specialist straying less
each round). Calibration items have their own external ids
(`drive-aurora-r1-001`) and random streams, so asking for them, or for more of them,
changes no everyday data point."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from demo.errors import inject
from demo.scenes.base import Disagreement, Scene, to_record
from demo.scenes.cast import PODS_BY_NAME, PROJECTS, PROJECTS_BY_KEY, PodSpec
from demo.scenes.driving import driving_scene
from demo.scenes.ontologies import VOCABULARIES
from demo.scenes.plan import plan
from demo.scenes.retail import retail_scene
from demo.scenes.support import support_scene

SCENES: dict[str, Callable[[str, random.Random], Scene]] = {
    "driving": driving_scene,
    "retail": retail_scene,
    "support": support_scene,
}
# Calibration: every pod of a project runs four rounds on batches of their own. Each
# round carries fewer injected errors and fewer items on which the second specialist
# strays (another tag label, other attribute values), with less time jitter, as the
# guidelines improve: from the industry's ~34% to under 5%, alpha rising.
CALIBRATION_ROUNDS = 4
ROUND_ERROR_SHARES = (0.34, 0.18, 0.09, 0.04)
ROUND_STRAY_SHARES = (0.42, 0.25, 0.17, 0.08)
ROUND_JITTER_MS = (30.0, 20.0, 14.0, 8.0)
# Data points per round and pod: 25 puts 8, 4, 2 and 1 errors in the four rounds
# (32%, 16%, 8%, 4%) and lets the second specialist stray on 10, 6, 4 and 2 of them.
CALIBRATION_BATCH = 25


def split(datapoints: int) -> dict[str, int]:
    """Spread the data points over the projects as evenly as possible."""
    base, extra = divmod(datapoints, len(PROJECTS))
    return {project.key: base + (index < extra) for index, project in enumerate(PROJECTS)}


def build_dataset(
    *, seed: int, datapoints: int, calibration: int = 0
) -> dict[str, list[dict[str, Any]]]:
    """Import records per project key: `datapoints` everyday data points spread over
    the projects, about a third carrying injected errors, then for every pod of each
    project CALIBRATION_ROUNDS rounds of `calibration` calibration items each (not
    counted in `datapoints`)."""
    places = [
        (key, number) for key, count in split(datapoints).items() for number in range(1, count + 1)
    ]
    checks = plan(seed=seed, scenes=[key for key, _ in places])
    records: dict[str, list[dict[str, Any]]] = {project.key: [] for project in PROJECTS}
    for (key, number), planned in zip(places, checks, strict=True):
        records[key].append(build_record(seed=seed, key=key, number=number, checks=planned))
    for project in PROJECTS:
        for pod in project.pods:
            for round_number in range(1, CALIBRATION_ROUNDS + 1):
                records[project.key] += calibration_records(
                    seed=seed, key=project.key, pod=pod, round_number=round_number, size=calibration
                )
    return records


def build_record(*, seed: int, key: str, number: int, checks: list[str]) -> dict[str, Any]:
    """One everyday data point of project `key`: its clean scene, the planned errors,
    one annotator per modality from one of the project's pods."""
    project = PROJECTS_BY_KEY[key]
    rng = random.Random(f"{seed}:{key}:{number}")
    scene = SCENES[key](f"{project.prefix}-{number:04d}", rng)
    injected = inject(
        scene,
        checks,
        vocabulary=VOCABULARIES[key],
        rules=project.rules,
        rng=random.Random(f"{seed}:{key}:{number}:errors"),
    )
    pod = PODS_BY_NAME[rng.choice(project.pods)]
    return to_record(
        scene,
        annotators=_annotators(pod, project.modalities, rng),
        injected=injected,
        pod=pod.name,
        rng=rng,
        vocabulary=VOCABULARIES[key],
    )


def calibration_external_id(key: str, pod: str, round_number: int, number: int) -> str:
    slug = pod.lower().removeprefix("pod ").replace(" ", "-")
    return f"{PROJECTS_BY_KEY[key].prefix}-{slug}-r{round_number}-{number:03d}"


def calibration_records(
    *, seed: int, key: str, pod: str, round_number: int, size: int
) -> list[dict[str, Any]]:
    """One calibration round of a pod: `size` data points annotated by two
    specialists of the pod per modality, with the round's share of injected errors.
    On the round's share of stray items the second specialist gives the item-level
    tag another label and every attribute a neighbouring value."""
    project = PROJECTS_BY_KEY[key]
    salt = f":{key}:{pod}:round{round_number}"
    checks = plan(
        seed=seed, scenes=[key] * size, share=ROUND_ERROR_SHARES[round_number - 1], salt=salt
    )
    share = ROUND_STRAY_SHARES[round_number - 1]
    stray = set(random.Random(f"{seed}{salt}:stray").sample(range(size), round(share * size)))
    jitter = ROUND_JITTER_MS[round_number - 1]
    found = []
    for number, planned in enumerate(checks, start=1):
        strays = number - 1 in stray
        rng = random.Random(f"{seed}{salt}:{number}")
        external_id = calibration_external_id(key, pod, round_number, number)
        scene = SCENES[key](external_id, rng)
        injected = inject(
            scene,
            planned,
            vocabulary=VOCABULARIES[key],
            rules=project.rules,
            rng=random.Random(f"{seed}{salt}:{number}:errors"),
        )
        found.append(
            to_record(
                scene,
                annotators=_annotators(PODS_BY_NAME[pod], project.modalities, rng),
                injected=injected,
                pod=pod,
                rng=rng,
                vocabulary=VOCABULARIES[key],
                calibration_round=round_number,
                disagreement=Disagreement(
                    label=1.0 if strays else 0.0,
                    attribute=1.0 if strays else 0.0,
                    jitter_ms=jitter,
                ),
            )
        )
    return found


def _annotators(pod: PodSpec, modalities: Sequence[str], rng: random.Random) -> dict:
    """The pod's specialists of each modality in a random order: the first annotates,
    the second annotates too on calibration items."""
    annotators = {}
    for modality in modalities:
        names = list(pod.annotators(modality))
        rng.shuffle(names)
        annotators[modality] = names
    return annotators
