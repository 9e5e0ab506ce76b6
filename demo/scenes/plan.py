"""How many sync errors the demo carries and where: about a third of each project's
data points, split by type as the industry reports them (40% temporal, 30% semantic,
20% missing references, 10% granularity) plus a few spatial ones for sensor data."""

from __future__ import annotations

import random
from collections.abc import Sequence

from demo.errors import CHECK_TYPES, PRIORITY, SCENE_CHECKS

TYPE_WEIGHTS = {
    "temporal": 0.38,
    "semantic": 0.285,
    "missing_reference": 0.19,
    "granularity": 0.095,
    "spatial": 0.05,
}
# How a type's errors divide between its checks.
CHECK_SHARE_OF_TYPE = {
    "boundary_offset": 0.5,
    "capture_time": 0.25,
    "track_gap": 0.25,
    "label_conflict": 0.55,
    "unknown_term": 0.45,
    "unmentioned_entity": 0.4,
    "count_mismatch": 0.35,
    "unmatched_event": 0.25,
    "concept_level": 0.5,
    "resolution": 0.5,
    "projection_iou": 1.0,
}
ERROR_SHARE = 0.34
SECOND_ERROR_SHARE = 0.15


def _quotas(weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` by weight, largest remainder first."""
    exact = {key: weight * total / sum(weights.values()) for key, weight in weights.items()}
    quotas = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: exact[key] - quotas[key], reverse=True)
    for key in by_remainder[: total - sum(quotas.values())]:
        quotas[key] += 1
    return quotas


def plan(
    *, seed: int, scenes: Sequence[str], share: float = ERROR_SHARE, salt: str = ""
) -> list[list[str]]:
    """The checks to inject into each data point, given by its scene kind: `share`
    (ERROR_SHARE unless a calibration round asks for less) of each project's data
    points get one, SECOND_ERROR_SHARE of those a second. Each check has a quota; the
    checks fewest scenes can hold are placed first. `salt` tells apart plans of the
    same length (the calibration rounds)."""
    rng = random.Random(f"{seed}:plan:{len(scenes)}{salt}")
    erroneous = []
    for kind in dict.fromkeys(scenes):
        places = [index for index, scene in enumerate(scenes) if scene == kind]
        erroneous += rng.sample(places, round(share * len(places)))
    erroneous.sort()
    doubles = set(rng.sample(erroneous, round(SECOND_ERROR_SHARE * len(erroneous))))
    slots = [index for index in erroneous for _ in range(2 if index in doubles else 1)]
    rng.shuffle(slots)
    weights = {c: TYPE_WEIGHTS[t] * CHECK_SHARE_OF_TYPE[c] for c, t in CHECK_TYPES.items()}
    quotas = _quotas(weights, len(slots))
    checks: list[list[str]] = [[] for _ in scenes]
    free = list(slots)
    for check in sorted(CHECK_TYPES, key=lambda c: sum(c in s for s in SCENE_CHECKS.values())):
        for index in list(free):
            if quotas[check] == 0:
                break
            if check in SCENE_CHECKS[scenes[index]] and check not in checks[index]:
                checks[index].append(check)
                quotas[check] -= 1
                free.remove(index)
    for index in free:  # only when the sensor checks ask for more than driving holds
        options = [c for c in SCENE_CHECKS[scenes[index]] if c not in checks[index]]
        check = max(options, key=lambda c: (quotas[c], -PRIORITY.index(c)))
        checks[index].append(check)
        quotas[check] -= 1
    return [sorted(found, key=PRIORITY.index) for found in checks]
