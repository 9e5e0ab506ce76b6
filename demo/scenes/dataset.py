"""The whole demo dataset as import records, generated from one seed.

Pure: plain dicts, no ORM, every random draw from a `random.Random` seeded with the
seed and the data point's place, so the same seed gives byte-identical records and one
data point does not change when another project gets more of them."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from demo.errors import inject
from demo.scenes.base import Scene, to_record
from demo.scenes.cast import PODS_BY_NAME, PROJECTS, PROJECTS_BY_KEY
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
CALIBRATION_SHARE = 0.15


def split(datapoints: int) -> dict[str, int]:
    """Spread the data points over the projects as evenly as possible."""
    base, extra = divmod(datapoints, len(PROJECTS))
    return {project.key: base + (index < extra) for index, project in enumerate(PROJECTS)}


def build_dataset(*, seed: int, datapoints: int) -> dict[str, list[dict[str, Any]]]:
    """Import records per project key, with about a third carrying injected errors."""
    places = [
        (key, number) for key, count in split(datapoints).items() for number in range(1, count + 1)
    ]
    checks = plan(seed=seed, scenes=[key for key, _ in places])
    records: dict[str, list[dict[str, Any]]] = {project.key: [] for project in PROJECTS}
    for (key, number), planned in zip(places, checks, strict=True):
        records[key].append(build_record(seed=seed, key=key, number=number, checks=planned))
    return records


def build_record(*, seed: int, key: str, number: int, checks: list[str]) -> dict[str, Any]:
    """One data point of project `key`: its clean scene, the planned errors, annotators
    from one of the project's pods (two per modality on calibration items)."""
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
    annotators = {}
    for modality in project.modalities:
        names = list(pod.annotators(modality))
        rng.shuffle(names)
        annotators[modality] = names
    return to_record(
        scene,
        annotators=annotators,
        is_calibration=rng.random() < CALIBRATION_SHARE,
        injected=injected,
        pod=pod.name,
        rng=rng,
        vocabulary=VOCABULARIES[key],
    )
