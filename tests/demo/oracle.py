"""A deliberately plain reading of DESIGN.md's sync-error checks, over one import
record, for scoring the demo generator: clean records must trip nothing and injected
ones exactly what they say. Independent of demo code (it has its own pinhole), so a
shared mistake cannot hide. Where the table leaves room, the strict reading is used:
- times are compared on the master clock (stream time + offset_ms);
- the matching frame of a cuboid is the same-entity box nearest to it in time;
- counts are distinct entities per (synonym-resolved) concept, compared across the
  modalities that annotate that concept at all.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations, pairwise
from typing import Any

TIMED = ("segment", "transcript")


class Reader:
    """Lookups over one record and its project's ontology and rules."""

    def __init__(self, record: dict, ontology: dict, rules: dict) -> None:
        self.record, self.rules = record, rules
        self.streams = {stream["key"]: stream for stream in record["streams"]}
        self.parents = {term["key"]: term.get("parent") for term in ontology["terms"]}
        self.synonyms: dict[str, dict[str, str]] = defaultdict(dict)
        for term in ontology["terms"]:
            for modality, words in term.get("synonyms", {}).items():
                for word in words:
                    self.synonyms[modality][word] = term["key"]
        self.annotations = record["annotations"]

    def modality(self, item: dict) -> str:
        return self.streams[item["stream"]]["modality"]

    def master(self, item: dict, name: str = "start_ms") -> float:
        return item[name] + self.streams[item["stream"]]["offset_ms"]

    def concept(self, item: dict) -> str | None:
        label = item["label"]
        return label if label in self.parents else self.synonyms[self.modality(item)].get(label)

    def ancestors(self, key: str) -> set[str]:
        found, node = set(), self.parents.get(key)
        while node:
            found.add(node)
            node = self.parents.get(node)
        return found

    def by_entity(self) -> dict[str, list[dict]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for item in self.annotations:
            if item.get("entity"):
                groups[item["entity"]].append(item)
        return groups


def project(matrix: list[list[float]], point: list[float]) -> tuple[float, float]:
    u, v, w = (sum(row[i] * point[i] for i in range(3)) + row[3] for row in matrix)
    return u / w, v / w


def cuboid_box(matrix: list[list[float]], cuboid: dict[str, Any]) -> list[float]:
    (x, y, z), (length, width, height), yaw = cuboid["center"], cuboid["size"], cuboid["yaw"]
    c, s = math.cos(yaw), math.sin(yaw)
    pixels = [
        project(matrix, [x + c * dx - s * dy, y + s * dx + c * dy, z + dz])
        for dx in (-length / 2, length / 2)
        for dy in (-width / 2, width / 2)
        for dz in (-height / 2, height / 2)
    ]
    us, vs = [p[0] for p in pixels], [p[1] for p in pixels]
    return [min(us), min(vs), max(us) - min(us), max(vs) - min(vs)]


def box_iou(a: list[float], b: list[float]) -> float:
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - w * h
    return w * h / union if union else 0.0


def nearest_box(reader: Reader, cuboid: dict) -> dict | None:
    boxes = [
        item
        for item in reader.annotations
        if item["kind"] == "bbox" and item.get("entity") == cuboid["entity"]
    ]
    when = reader.master(cuboid)
    return min(boxes, key=lambda box: abs(reader.master(box) - when), default=None)


def findings(record: dict, ontology: dict, rules: dict) -> set[str]:
    """The checks this record trips."""
    reader = Reader(record, ontology, rules)
    fired: set[str] = set()
    fired |= _semantic(reader)
    fired |= _temporal(reader)
    fired |= _spatial(reader)
    fired |= _missing(reader)
    return fired


def _semantic(reader: Reader) -> set[str]:
    fired = set()
    if any(reader.concept(item) is None for item in reader.annotations):
        fired.add("unknown_term")
    for items in reader.by_entity().values():
        labelled = {(reader.modality(i), reader.concept(i)) for i in items if reader.concept(i)}
        for (m1, c1), (m2, c2) in combinations(labelled, 2):
            if m1 == m2 or c1 == c2:
                continue
            related = c1 in reader.ancestors(c2) or c2 in reader.ancestors(c1)
            fired.add("concept_level" if related else "label_conflict")
    return fired


def _temporal(reader: Reader) -> set[str]:
    fired = set()
    tolerance = reader.rules["boundary_offset"]["tolerance_ms"]
    for items in reader.by_entity().values():
        timed = [i for i in items if i["kind"] in TIMED]
        for a, b in combinations(timed, 2):
            if reader.modality(a) == reader.modality(b):
                continue
            for name in ("start_ms", "end_ms"):
                if abs(reader.master(a, name) - reader.master(b, name)) > tolerance:
                    fired.add("boundary_offset")
    capture = reader.rules["capture_time"]["tolerance_ms"]
    for item in reader.annotations:
        box = nearest_box(reader, item) if item["kind"] == "cuboid" else None
        if box and abs(reader.master(box) - reader.master(item)) > capture:
            fired.add("capture_time")
    tracks: dict[tuple, list[float]] = defaultdict(list)
    for item in reader.annotations:
        if item["kind"] in ("bbox", "cuboid") and item.get("entity"):
            key = (item["stream"], item["entity"], item["annotator"])
            tracks[key].append(item["start_ms"])
    limit = reader.rules["track_gap"]["max_gap_ms"]
    for times in tracks.values():
        times.sort()
        if any(b - a > limit for a, b in pairwise(times)):
            fired.add("track_gap")
    return fired


def _spatial(reader: Reader) -> set[str]:
    cameras = [s for s in reader.streams.values() if (s.get("calibration") or {}).get("projection")]
    if not cameras:
        return set()
    matrix = cameras[0]["calibration"]["projection"]
    minimum = reader.rules["projection_iou"]["min_iou"]
    for item in reader.annotations:
        box = nearest_box(reader, item) if item["kind"] == "cuboid" else None
        if box and box_iou(cuboid_box(matrix, item["cuboid"]), box["bbox"]) < minimum:
            return {"projection_iou"}
    return set()


def _missing(reader: Reader) -> set[str]:
    fired = set()
    for items in reader.by_entity().values():
        modalities = {reader.modality(i) for i in items}
        for a, b in reader.rules["unmentioned_entity"]["pairs"]:
            if a in modalities and b not in modalities:
                fired.add("unmentioned_entity")
        for a, b in reader.rules["resolution"]["pairs"]:
            kinds = {m: {i["kind"] for i in items if reader.modality(i) == m} for m in (a, b)}
            for fine, coarse in ((a, b), (b, a)):
                if kinds[fine] - {"tag"} and kinds[coarse] == {"tag"}:
                    fired.add("resolution")
        for a, b in reader.rules["unmatched_event"]["pairs"]:
            for event in (i for i in items if reader.modality(i) == a and i["kind"] in TIMED):
                start, end = reader.master(event), reader.master(event, "end_ms")
                partners = [i for i in items if reader.modality(i) == b and "start_ms" in i]
                if not any(
                    reader.master(p) <= end
                    and reader.master(p, "end_ms" if "end_ms" in p else "start_ms") >= start
                    for p in partners
                ):
                    fired.add("unmatched_event")
    counts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for item in reader.annotations:
        concept = reader.concept(item)
        if item.get("entity") and concept:
            counts[concept][reader.modality(item)].add(item["entity"])
    for per_modality in counts.values():
        if len({len(entities) for entities in per_modality.values()}) > 1:
            fired.add("count_mismatch")
    return fired
