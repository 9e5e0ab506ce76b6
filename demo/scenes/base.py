"""What every scene shares: the scene under construction (streams, ground-truth
annotations in stream time, hints for the injectors) and the last step that hands
the annotations to one or two specialists and returns an import record."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from demo.scenes.ontologies import Vocabulary

TIMED_KINDS = ("segment", "transcript")
TRACK_KINDS = ("bbox", "cuboid")


def ms(value: float) -> float:
    return round(value, 1)


def annotation(
    stream: str,
    kind: str,
    label: str,
    *,
    entity: str = "",
    start_ms: float | None = None,
    end_ms: float | None = None,
    bbox: Sequence[float] | None = None,
    cuboid: Mapping[str, Any] | None = None,
    char_start: int | None = None,
    char_end: int | None = None,
    text: str = "",
    speaker: str = "",
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One annotation in the import format, with only the fields its kind uses."""
    data: dict[str, Any] = {"stream": stream, "kind": kind, "label": label, "entity": entity}
    optional = {
        "start_ms": start_ms,
        "end_ms": end_ms,
        "bbox": list(bbox) if bbox is not None else None,
        "cuboid": dict(cuboid) if cuboid is not None else None,
        "char_start": char_start,
        "char_end": char_end,
        "text": text or None,
        "speaker": speaker or None,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    data["attributes"] = dict(attributes or {})
    return data


@dataclass
class Scene:
    """One data point under construction. Annotation times are stream times; the
    helpers convert from and to the master clock so scenes can think in master time."""

    kind: str
    external_id: str
    duration_ms: float
    streams: list[dict[str, Any]]
    annotations: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)

    def stream(self, key: str) -> dict[str, Any]:
        return next(stream for stream in self.streams if stream["key"] == key)

    def stream_key(self, modality: str) -> str:
        return next(stream["key"] for stream in self.streams if stream["modality"] == modality)

    def modality(self, stream_key: str) -> str:
        return self.stream(stream_key)["modality"]

    def to_stream(self, stream_key: str, master_ms: float) -> float:
        return ms(master_ms - self.stream(stream_key)["offset_ms"])

    def master(self, item: Mapping[str, Any], name: str = "start_ms") -> float | None:
        value = item.get(name)
        return None if value is None else value + self.stream(item["stream"])["offset_ms"]

    def add(self, item: dict[str, Any]) -> dict[str, Any]:
        self.annotations.append(item)
        return item

    def select(
        self,
        *,
        entity: str | None = None,
        modality: str | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        kinds = tuple(kinds) if kinds is not None else None
        return [
            item
            for item in self.annotations
            if (entity is None or item["entity"] == entity)
            and (modality is None or self.modality(item["stream"]) == modality)
            and (kinds is None or item["kind"] in kinds)
        ]

    def entity_modalities(self) -> dict[str, list[str]]:
        """Every entity with the modalities that annotate it, in first-seen order."""
        found: dict[str, list[str]] = {}
        for item in self.annotations:
            if item["entity"]:
                modalities = found.setdefault(item["entity"], [])
                modality = self.modality(item["stream"])
                if modality not in modalities:
                    modalities.append(modality)
        return found


@dataclass(frozen=True)
class Disagreement:
    """How far a second specialist strays from the first on a calibration item: the
    share of item-level tags without an entity given a sibling label, the share of
    attribute values moved to a neighbouring value, and the time jitter (ms, well
    inside every tolerance). Label changes stay off entities, so they lower
    agreement without tripping any cross-modal check."""

    label: float = 0.0
    attribute: float = 0.15
    jitter_ms: float = 10.0


def _jitter(
    item: dict[str, Any],
    rng: random.Random,
    vocabulary: Vocabulary,
    modality: str,
    disagreement: Disagreement,
) -> dict[str, Any]:
    """A second specialist's version of the same annotation: slightly different
    geometry and times, and now and then a different tag label or attribute value, so
    agreement is high but not perfect."""
    copy = {key: (list(value) if isinstance(value, list) else value) for key, value in item.items()}
    if item["kind"] in TIMED_KINDS:
        spread = disagreement.jitter_ms
        start = ms(item["start_ms"] + rng.uniform(-spread, spread))
        end = ms(item["end_ms"] + rng.uniform(-spread, spread))
        copy["start_ms"], copy["end_ms"] = start, max(end, ms(start + 50))
    if "bbox" in item:
        x, y, w, h = item["bbox"]
        copy["bbox"] = [
            round(x + rng.uniform(-2, 2), 1),
            round(y + rng.uniform(-2, 2), 1),
            round(max(4.0, w + rng.uniform(-2, 2)), 1),
            round(max(4.0, h + rng.uniform(-2, 2)), 1),
        ]
    if "cuboid" in item:
        cuboid = item["cuboid"]
        copy["cuboid"] = {
            "center": [round(v + rng.uniform(-0.04, 0.04), 3) for v in cuboid["center"]],
            "size": [round(v + rng.uniform(-0.03, 0.03), 3) for v in cuboid["size"]],
            "yaw": round(cuboid["yaw"] + rng.uniform(-0.02, 0.02), 4),
        }
    if item["kind"] == "tag" and not item["entity"]:
        concept = vocabulary.concept(item["label"], modality)
        siblings = vocabulary.siblings(concept) if concept else []
        if siblings and rng.random() < disagreement.label:
            copy["label"] = rng.choice(siblings)
    attributes = dict(item["attributes"])
    for key, value in item["attributes"].items():
        values = vocabulary.attributes.get(key, [])
        if value in values and len(values) > 1 and rng.random() < disagreement.attribute:
            index = values.index(value)
            neighbour = index + 1 if index == 0 else index - 1
            attributes[key] = values[neighbour]
    copy["attributes"] = attributes
    return copy


def to_record(
    scene: Scene,
    *,
    annotators: Mapping[str, Sequence[str]],
    injected: list[dict[str, Any]],
    pod: str,
    rng: random.Random,
    vocabulary: Vocabulary,
    calibration_round: int | None = None,
    disagreement: Disagreement | None = None,
) -> dict[str, Any]:
    """The import record: every ground-truth annotation by the modality's first
    annotator, and on calibration items (those of a `calibration_round`) a copy by
    the second as well, as far off as `disagreement` says."""
    is_calibration = calibration_round is not None
    disagreement = disagreement or Disagreement()
    annotations = []
    for item in scene.annotations:
        modality = scene.modality(item["stream"])
        names = annotators[modality]
        for index, username in enumerate(names if is_calibration else names[:1]):
            copy = item if index == 0 else _jitter(item, rng, vocabulary, modality, disagreement)
            annotations.append({"stream": copy["stream"], "annotator": username, **copy})
    meta: dict[str, Any] = {
        "scene": scene.kind,
        "injected": injected,
        "duration_ms": scene.duration_ms,
        "pod": pod,
    }
    if is_calibration:
        meta["calibration_round"] = calibration_round
    if scene.documents:
        meta["documents"] = dict(scene.documents)
    return {
        "external_id": scene.external_id,
        "is_calibration": is_calibration,
        "meta": meta,
        "streams": scene.streams,
        "annotations": annotations,
    }
