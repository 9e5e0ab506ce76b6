"""Sync errors injected into clean scenes, so validation can be scored per check
(`demo.scenes.plan` decides how many and where).

Every injection is chosen to trip exactly its own check as DESIGN.md defines it, and
nothing else:
- relabels and drops target an entity that is the only one of its concept, so
  per-concept counts stay comparable; new concepts are ones the scene does not use;
- a count mismatch drops an entity from a modality no rule pair requires it in;
- times move by 250-600 ms against a 100 ms tolerance; projections fall under IoU 0.3.
Each returns what it did as {type, check, entity, modalities, detail}.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from demo.scenes.base import TIMED_KINDS, Scene, annotation, ms
from demo.scenes.geometry import iou, project_cuboid
from demo.scenes.ontologies import Vocabulary

CHECK_TYPES = {
    "boundary_offset": "temporal",
    "capture_time": "temporal",
    "track_gap": "temporal",
    "label_conflict": "semantic",
    "unknown_term": "semantic",
    "unmentioned_entity": "missing_reference",
    "unmatched_event": "missing_reference",
    "count_mismatch": "missing_reference",
    "concept_level": "granularity",
    "resolution": "granularity",
    "projection_iou": "spatial",
}
SCENE_CHECKS = {
    "driving": tuple(CHECK_TYPES),
    "retail": (
        "label_conflict",
        "unknown_term",
        "unmentioned_entity",
        "count_mismatch",
        "concept_level",
        "resolution",
    ),
    "support": (
        "boundary_offset",
        "label_conflict",
        "unknown_term",
        "unmentioned_entity",
        "count_mismatch",
        "concept_level",
        "resolution",
    ),
}
# Within a data point the most constrained injections go first, so they never lose
# the one entity that suits them to a more flexible one.
PRIORITY = (
    "capture_time",
    "resolution",
    "unmentioned_entity",
    "projection_iou",
    "track_gap",
    "count_mismatch",
    "unmatched_event",
    "boundary_offset",
    "label_conflict",
    "concept_level",
    "unknown_term",
)
UNKNOWN_WORDS = {
    "driving": ["conversation", "talking", "speach"],
    "retail": ["gondola", "end_cap", "shelf_unit"],
    "support": ["billing_issue", "internet_down", "cancel"],
}


def checks_of(scene: str, error_type: str) -> list[str]:
    """The checks of a type that a scene can hold."""
    return [check for check in SCENE_CHECKS[scene] if CHECK_TYPES[check] == error_type]


@dataclass
class Context:
    """One scene being spoiled, with what earlier injections already took."""

    scene: Scene
    vocabulary: Vocabulary
    rules: dict[str, Any]
    rng: random.Random
    claimed: list[str] = field(default_factory=list)
    introduced: list[str] = field(default_factory=list)

    def concept(self, item: dict[str, Any]) -> str | None:
        return self.vocabulary.concept(item["label"], self.scene.modality(item["stream"]))

    def entity_concepts(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for item in self.scene.annotations:
            concept = self.concept(item)
            if item["entity"] and concept:
                found.setdefault(item["entity"], concept)
        return found

    def used_concepts(self) -> list[str]:
        concepts = [self.concept(item) for item in self.scene.annotations]
        return [c for c in concepts if c] + self.introduced

    def free(self, entities: Sequence[str]) -> list[str]:
        return [entity for entity in entities if entity not in self.claimed]

    def unique_entities(self, min_modalities: int = 1) -> list[str]:
        """Unclaimed entities that are the only one of their concept in the scene."""
        concepts = self.entity_concepts()
        modalities = self.scene.entity_modalities()
        values = list(concepts.values())
        return self.free(
            [
                entity
                for entity, concept in concepts.items()
                if values.count(concept) == 1 and len(modalities[entity]) >= min_modalities
            ]
        )

    def pairs(self, check: str) -> list[list[str]]:
        return self.rules[check]["pairs"]

    def record(self, check: str, entity: str, modalities: list[str], detail: str) -> dict:
        if entity:
            self.claimed.append(entity)
        return {
            "type": CHECK_TYPES[check],
            "check": check,
            "entity": entity,
            "modalities": modalities,
            "detail": detail,
        }


Injection = dict[str, Any]
Injector = Callable[[Context], Injection | None]


def _boundary_offset(ctx: Context) -> Injection | None:
    scene, rng = ctx.scene, ctx.rng
    timed = {
        entity: [
            m for m in modalities if scene.select(entity=entity, modality=m, kinds=TIMED_KINDS)
        ]
        for entity, modalities in scene.entity_modalities().items()
    }
    candidates = ctx.free([entity for entity, found in timed.items() if len(found) >= 2])
    if not candidates:
        return None
    entity = rng.choice(candidates)
    moved = rng.choice([m for m in timed[entity] if m != "video"])
    partner = next(m for m in timed[entity] if m != moved)
    (item,) = scene.select(entity=entity, modality=moved, kinds=TIMED_KINDS)
    shift = round(rng.uniform(250, 600))
    edge = rng.choice(["start", "end", "both"])
    # Segments are at least 1.5 s long, so a 600 ms shrink still leaves a segment.
    later = rng.random() < 0.5 or (edge != "end" and item["start_ms"] < shift)
    signed = shift if later else -shift
    if edge in ("start", "both"):
        item["start_ms"] = ms(item["start_ms"] + signed)
    if edge in ("end", "both"):
        item["end_ms"] = ms(item["end_ms"] + signed)
    what = {"start": "starts", "end": "ends", "both": "starts and ends"}[edge]
    tolerance = ctx.rules["boundary_offset"]["tolerance_ms"]
    detail = (
        f"the {moved} segment of {entity} {what} {shift} ms "
        f"{'later' if later else 'earlier'} than in {partner} on the master clock "
        f"(tolerance {tolerance} ms)"
    )
    return ctx.record("boundary_offset", entity, [moved, partner], detail)


def _capture_time(ctx: Context) -> Injection | None:
    """Cuboids of a motionless object stamped a few sweeps late: the geometry still
    matches the boxes, only the scan times disagree with the camera frames."""
    candidates = ctx.free([e for e in ctx.scene.hints.get("static", []) if _cuboids(ctx, e)])
    if not candidates:
        return None
    entity = ctx.rng.choice(candidates)
    shift = 100 * ctx.rng.choice([3, 4, 5])
    for item in _cuboids(ctx, entity):
        item["start_ms"] = ms(item["start_ms"] + shift)
    tolerance = ctx.rules["capture_time"]["tolerance_ms"]
    detail = (
        f"the LiDAR cuboids of {entity} are stamped {shift} ms after the camera frames "
        f"that show them (tolerance {tolerance} ms)"
    )
    return ctx.record("capture_time", entity, ["pointcloud", "video"], detail)


def _cuboids(ctx: Context, entity: str) -> list[dict[str, Any]]:
    return ctx.scene.select(entity=entity, kinds=["cuboid"])


def _track_gap(ctx: Context) -> Injection | None:
    candidates = ctx.free([e for e in ctx.scene.entity_modalities() if len(_cuboids(ctx, e)) >= 13])
    if not candidates:
        return None
    entity = ctx.rng.choice(candidates)
    track = _cuboids(ctx, entity)
    missing = ctx.rng.choice([4, 5])
    first = ctx.rng.randint(4, len(track) - missing - 4)
    before, after = track[first - 1], track[first + missing]
    for item in track[first : first + missing]:
        ctx.scene.annotations.remove(item)
    gap = round(after["start_ms"] - before["start_ms"])
    limit = ctx.rules["track_gap"]["max_gap_ms"]
    detail = f"the LiDAR track of {entity} has a {gap} ms gap (limit {limit} ms)"
    return ctx.record("track_gap", entity, ["pointcloud"], detail)


def _relabel(
    ctx: Context, check: str, choose: Callable[[str], list[list[str]]]
) -> Injection | None:
    """Relabel one modality's annotations of a unique entity to a concept the scene
    does not use yet, from the first of the groups `choose` offers that has one."""
    concepts = ctx.entity_concepts()
    used = ctx.used_concepts()
    for entity in ctx.rng.sample(ctx.unique_entities(2), len(ctx.unique_entities(2))):
        groups = [[c for c in group if c not in used] for group in choose(concepts[entity])]
        options = next((group for group in groups if group), None)
        if not options:
            continue
        new = ctx.rng.choice(options)
        modalities = ctx.scene.entity_modalities()[entity]
        modality = ctx.rng.choice(modalities)
        for item in ctx.scene.select(entity=entity, modality=modality):
            item["label"] = new
        ctx.introduced.append(new)
        others = [m for m in modalities if m != modality]
        relation = "is-a neither way" if check == "label_conflict" else "is its ancestor"
        detail = (
            f"{entity} is '{new}' in {modality} but '{concepts[entity]}' in "
            f"{', '.join(others)}; '{new}' {relation}"
        )
        return ctx.record(check, entity, [modality, *others], detail)
    return None


def _label_conflict(ctx: Context) -> Injection | None:
    vocabulary = ctx.vocabulary

    def unrelated(concept: str) -> list[list[str]]:
        """Siblings first, then cousins (leaves under the grandparent)."""
        ancestors = vocabulary.ancestors(concept)
        grandparent = ancestors[1] if len(ancestors) > 1 else None
        leaves = [k for k in vocabulary.parents if k not in vocabulary.parents.values()]
        cousins = [
            leaf
            for leaf in leaves
            if grandparent in vocabulary.ancestors(leaf) and not vocabulary.related(leaf, concept)
        ]
        return [vocabulary.siblings(concept), cousins]

    return _relabel(ctx, "label_conflict", unrelated)


def _concept_level(ctx: Context) -> Injection | None:
    return _relabel(ctx, "concept_level", lambda concept: [ctx.vocabulary.ancestors(concept)[:1]])


def _unknown_term(ctx: Context) -> Injection | None:
    targets = [item for item in ctx.scene.annotations if not item["entity"]]
    words = [w for w in UNKNOWN_WORDS[ctx.scene.kind] if not ctx.vocabulary.is_word_anywhere(w)]
    if not targets or not words:
        return None
    item, word = ctx.rng.choice(targets), ctx.rng.choice(words)
    modality = ctx.scene.modality(item["stream"])
    detail = f"a {modality} {item['kind']} is labelled '{word}' (meant '{item['label']}')"
    item["label"] = word
    return ctx.record("unknown_term", "", [modality], detail)


def _resolution(ctx: Context) -> Injection | None:
    """A partner modality labels the entity once for the whole item instead of where it
    occurs (a tag instead of a span or a timed line)."""
    for fine, coarse in ctx.pairs("resolution"):
        candidates = ctx.free(
            [
                entity
                for entity in ctx.scene.hints.get("resolution", [])
                if ctx.scene.select(entity=entity, modality=fine)
                and ctx.scene.select(entity=entity, modality=coarse)
            ]
        )
        if not candidates:
            continue
        entity = ctx.rng.choice(candidates)
        items = ctx.scene.select(entity=entity, modality=coarse)
        for item in items:
            ctx.scene.annotations.remove(item)
        tag = annotation(items[0]["stream"], "tag", items[0]["label"], entity=entity)
        ctx.scene.add(tag)
        detail = f"{entity} is located in {fine} but only tagged for the whole item in {coarse}"
        return ctx.record("resolution", entity, [fine, coarse], detail)
    return None


def _unmentioned_entity(ctx: Context) -> Injection | None:
    for source, partner in ctx.rng.sample(
        ctx.pairs("unmentioned_entity"), len(ctx.pairs("unmentioned_entity"))
    ):
        modalities = ctx.scene.entity_modalities()
        candidates = [
            e
            for e in ctx.unique_entities(2)
            if source in modalities[e] and partner in modalities[e]
        ]
        if not candidates:
            continue
        entity = ctx.rng.choice(candidates)
        for item in ctx.scene.select(entity=entity, modality=partner):
            ctx.scene.annotations.remove(item)
        detail = f"{entity} is annotated in {source} but nowhere in {partner}"
        return ctx.record("unmentioned_entity", entity, [source, partner], detail)
    return None


def _unmatched_event(ctx: Context) -> Injection | None:
    """A short sound in the clip's quiet tail, where nothing at all is visible."""
    quiet = ctx.scene.hints.get("quiet_from_ms")
    if quiet is None or not ctx.pairs("unmatched_event"):
        return None
    source, partner = ctx.pairs("unmatched_event")[0]
    stream = ctx.scene.stream_key(source)
    start = quiet + ctx.rng.uniform(0, 100)
    end = start + ctx.rng.uniform(300, 450)
    entity = f"horn-{len(ctx.scene.entity_modalities()) + 1}"
    label = ctx.rng.choice(["horn", "honk"])
    ctx.scene.add(
        annotation(
            stream,
            "segment",
            label,
            entity=entity,
            start_ms=ctx.scene.to_stream(stream, start),
            end_ms=ctx.scene.to_stream(stream, end),
            attributes={"loudness": "loud"},
        )
    )
    ctx.introduced.append("horn")
    detail = (
        f"a {label} in {source} at {start / 1000:.2f}-{end / 1000:.2f} s (master clock) "
        f"overlaps nothing in {partner}"
    )
    return ctx.record("unmatched_event", entity, [source, partner], detail)


def _count_mismatch(ctx: Context) -> Injection | None:
    """Drop one entity of a concept with several from a modality no rule requires it in,
    so only the per-concept counts disagree."""
    required = ctx.pairs("unmentioned_entity") + ctx.pairs("unmatched_event")
    concepts = ctx.entity_concepts()
    modalities = ctx.scene.entity_modalities()
    options = []
    for entity in ctx.free(list(concepts)):
        peers = [e for e, c in concepts.items() if c == concepts[entity] and e != entity]
        for modality in modalities[entity]:
            needed = any(b == modality and a in modalities[entity] for a, b in required)
            shared = any(modality in modalities[peer] for peer in peers)
            if not needed and shared and len(modalities[entity]) >= 2:
                options.append((entity, modality))
    if not options:
        return None
    entity, modality = ctx.rng.choice(options)
    for item in ctx.scene.select(entity=entity, modality=modality):
        ctx.scene.annotations.remove(item)
    concept = concepts[entity]
    others = [m for m in modalities[entity] if m != modality]
    detail = f"{modality} has one '{concept}' fewer than {', '.join(others)} ({entity} missing)"
    return ctx.record("count_mismatch", entity, [modality, *others], detail)


def _projection_iou(ctx: Context) -> Injection | None:
    """Move an object's cuboids sideways (the neighbouring LiDAR cluster), far enough
    that their projections overlap the object's boxes with IoU under 0.3."""
    projection = ctx.scene.hints.get("projection")
    candidates = ctx.free([e for e in ctx.scene.entity_modalities() if _cuboids(ctx, e)])
    if projection is None or not candidates:
        return None
    entity = ctx.rng.choice(candidates)
    cuboids = _cuboids(ctx, entity)
    boxes = ctx.scene.select(entity=entity, kinds=["bbox"])
    lateral = cuboids[0]["cuboid"]["center"][1]
    direction = -1.0 if lateral > 1.0 else 1.0 if lateral < -1.0 else ctx.rng.choice([-1.0, 1.0])
    shift = min(cuboids[0]["cuboid"]["size"][:2]) + ctx.rng.uniform(0.5, 1.0)
    for _ in range(80):
        if _worst_iou(ctx, cuboids, boxes, projection, direction * shift) < 0.3:
            break
        shift += 0.25
    for item in cuboids:
        item["cuboid"]["center"][1] = round(item["cuboid"]["center"][1] + direction * shift, 3)
    worst = _worst_iou(ctx, cuboids, boxes, projection, 0.0)
    minimum = ctx.rules["projection_iou"]["min_iou"]
    detail = (
        f"the cuboids of {entity} sit {shift:.1f} m to the side; projected, they overlap "
        f"its boxes with IoU at most {worst:.2f} (minimum {minimum})"
    )
    return ctx.record("projection_iou", entity, ["pointcloud", "video"], detail)


def _worst_iou(
    ctx: Context,
    cuboids: list[dict[str, Any]],
    boxes: list[dict[str, Any]],
    projection: list[list[float]],
    shift: float,
) -> float:
    """The highest IoU of any cuboid (moved sideways by `shift`) with its nearest box."""
    best = 0.0
    for item in cuboids:
        when = ctx.scene.master(item)
        box = min(boxes, key=lambda b: abs(ctx.scene.master(b) - when))
        cuboid = item["cuboid"]
        center = [cuboid["center"][0], cuboid["center"][1] + shift, cuboid["center"][2]]
        best = max(
            best,
            iou(project_cuboid(projection, center, cuboid["size"], cuboid["yaw"]), box["bbox"]),
        )
    return best


INJECTORS: dict[str, Injector] = {
    "boundary_offset": _boundary_offset,
    "capture_time": _capture_time,
    "track_gap": _track_gap,
    "label_conflict": _label_conflict,
    "unknown_term": _unknown_term,
    "unmentioned_entity": _unmentioned_entity,
    "unmatched_event": _unmatched_event,
    "count_mismatch": _count_mismatch,
    "concept_level": _concept_level,
    "resolution": _resolution,
    "projection_iou": _projection_iou,
}


def inject(
    scene: Scene,
    checks: Sequence[str],
    *,
    vocabulary: Vocabulary,
    rules: dict[str, Any],
    rng: random.Random,
) -> list[Injection]:
    """Spoil the scene with the planned checks (in order); when one finds no target,
    another check of the same type that fits this scene stands in."""
    ctx = Context(scene, vocabulary, rules, rng)
    done: list[Injection] = []
    for check in checks:
        stand_ins = [c for c in checks_of(scene.kind, CHECK_TYPES[check]) if c != check]
        for candidate in [check, *stand_ins]:
            if any(item["check"] == candidate for item in done):
                continue
            result = INJECTORS[candidate](ctx)
            if result:
                done.append(result)
                break
    return done
