"""Temporal checks: boundary_offset, capture_time, track_gap. All times are master
times; a record never carries a raw stream time (see records.AnnotationRecord)."""

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations, pairwise

from qa.checks.codes import CAMERA_MODALITIES, Check
from qa.checks.context import CheckContext
from qa.checks.matching import IntervalIndex, mutual_nearest
from qa.checks.ontology import Relation
from qa.checks.records import AnnotationRecord, FindingDraft, Scene, Track, seconds

# Float noise from offset arithmetic must not turn "exactly at tolerance" into an error.
EPSILON_MS = 1e-6


def boundary_offset(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Same-entity segments of two modalities whose start or end differ by more than
    the tolerance. Each segment is compared with its best match in the partner
    modality (so overlap copies are not compared pairwise); one finding per entity
    and modality pair, measured as the worst pair."""
    tolerance = ctx.rules.boundary_offset.tolerance_ms
    drafts = []
    for scene in scenes:
        for entity, per_modality in scene.by_entity.items():
            intervals = {
                modality: [a for a in annotations if a.is_interval]
                for modality, annotations in per_modality.items()
            }
            present = sorted(m for m, items in intervals.items() if items)
            for mod_a, mod_b in combinations(present, 2):
                bad = _boundary_mismatches(intervals[mod_a], intervals[mod_b], tolerance)
                if bad:
                    drafts.append(_boundary_draft(ctx, scene, entity, bad, tolerance))
    return drafts


def _boundary_mismatches(
    side_a: list[AnnotationRecord], side_b: list[AnnotationRecord], tolerance: float
) -> dict[tuple[int, int], tuple[float, AnnotationRecord, AnnotationRecord]]:
    bad = {}
    for mine, theirs, mine_is_a in ((side_a, side_b, True), (side_b, side_a, False)):
        index = IntervalIndex(theirs)
        for annotation in mine:
            match, cost = index.best(annotation.start_ms, annotation.end_ms)
            if match is not None and cost > tolerance + EPSILON_MS:
                a, b = (annotation, match) if mine_is_a else (match, annotation)
                bad[(a.id, b.id)] = (cost, a, b)
    return bad


def _boundary_draft(ctx, scene, entity, bad, tolerance) -> FindingDraft:
    cost, a, b = max(bad.values(), key=lambda item: (item[0], item[1].id))
    d_start, d_end = b.start_ms - a.start_ms, b.end_ms - a.end_ms
    boundary, delta = ("starts", d_start) if abs(d_start) >= abs(d_end) else ("ends", d_end)
    # Phrase it from the side that is later, and point at that segment.
    late, early = (b, a) if delta > 0 else (a, b)
    message = (
        f"{entity} {boundary} {abs(delta):.0f} ms later in {late.modality} than in "
        f"{early.modality} (tolerance {tolerance:g} ms) — check the {late.modality} "
        f"{late.kind} at {seconds(late.start_ms)} against the {early.modality} one at "
        f"{seconds(early.start_ms)}"
    )
    if len(bad) > 1:
        message += f"; {len(bad)} segment pairs of {entity} are out of tolerance"
    annotations = [x for _, first, second in bad.values() for x in (first, second)]
    return ctx.draft(
        Check.BOUNDARY_OFFSET,
        scene.datapoint_id,
        annotations=annotations,
        message=message + ".",
        key=(entity, f"{a.modality}|{b.modality}"),
        modalities=(a.modality, b.modality),
        entity=entity,
        measured=cost,
        threshold=tolerance,
    )


def track_pairs(
    tracks_a: Iterable[Track], tracks_b: Iterable[Track]
) -> list[tuple[AnnotationRecord, AnnotationRecord]]:
    """Corresponding (a, b) items of two sets of tracks of one entity, within each
    pair of tracks (one annotator each). Tracks of equal length pair by order: each
    keyframe cuboid has its box, so a track stamped 400 ms late is caught even where
    a neighbouring frame happens to sit at its time. Otherwise (a track with a gap,
    sparse keyframes in one stream) items pair with their mutual nearest in time."""
    pairs = []
    tracks_b = list(tracks_b)
    for track_a in tracks_a:
        for track_b in tracks_b:
            if len(track_a.items) == len(track_b.items):
                pairs.extend(zip(track_a.items, track_b.items, strict=True))
                continue
            for i, j in mutual_nearest(track_a.times, track_b.times):
                pairs.append((track_a.items[i], track_b.items[j]))
    return pairs


def cuboid_camera_tracks(scene: Scene, entity: str) -> tuple[list[Track], dict[str, list[Track]]]:
    """An entity's cuboid tracks, and its box tracks per camera stream."""
    cuboids, cameras = [], defaultdict(list)
    for track in scene.tracks.get(entity, ()):
        if track.kind == "cuboid":
            cuboids.append(track)
        elif track.kind == "bbox" and track.modality in CAMERA_MODALITIES:
            cameras[track.stream_key].append(track)
    return cuboids, cameras


def capture_time(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """A cuboid's scan time against the frame time of its matching camera box (same
    entity; see track_pairs). One finding per entity, point-cloud stream and camera
    stream, measured as the largest difference."""
    tolerance = ctx.rules.capture_time.tolerance_ms
    drafts = []
    for scene in scenes:
        for entity in scene.tracks:
            cuboids, cameras = cuboid_camera_tracks(scene, entity)
            if not cuboids:
                continue
            for camera_key, boxes in sorted(cameras.items()):
                by_lidar = defaultdict(list)
                for cuboid, box in track_pairs(cuboids, boxes):
                    delta = box.start_ms - cuboid.start_ms
                    if abs(delta) > tolerance + EPSILON_MS:
                        by_lidar[cuboid.stream_key].append((abs(delta), cuboid, box))
                for lidar_key, bad in sorted(by_lidar.items()):
                    drafts.append(
                        _capture_draft(ctx, scene, entity, lidar_key, camera_key, bad, tolerance)
                    )
    return drafts


def _capture_draft(ctx, scene, entity, lidar_key, camera_key, bad, tolerance) -> FindingDraft:
    worst, cuboid, box = max(bad, key=lambda item: (item[0], item[1].id))
    message = (
        f"{entity}'s cuboid scanned at {seconds(cuboid.start_ms)} in {lidar_key} and its "
        f"box in {camera_key} at {seconds(box.start_ms)} are {worst:.0f} ms apart "
        f"(tolerance {tolerance:g} ms) — check the {camera_key} frame the box was drawn "
        f"on, or the offset of {lidar_key}"
    )
    if len(bad) > 1:
        message += f"; {len(bad)} cuboid/box pairs are out of tolerance"
    return ctx.draft(
        Check.CAPTURE_TIME,
        scene.datapoint_id,
        annotations=[x for _, c, b in bad for x in (c, b)],
        message=message + ".",
        key=(entity, f"{lidar_key}|{camera_key}"),
        modalities=(cuboid.modality, box.modality),
        entity=entity,
        measured=worst,
        threshold=tolerance,
    )


def track_gap(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Within one annotator's box or cuboid track: a gap between consecutive items
    longer than the rule's max, or an ID switch (consecutive labels naming unrelated
    concepts; a refinement like vehicle → car is not a switch). Segments are not
    tracks: a speaker pausing is not a gap. One finding per entity, stream and kind
    of problem."""
    max_gap = ctx.rules.track_gap.max_gap_ms
    drafts = []
    for scene in scenes:
        for entity, tracks in scene.tracks.items():
            gaps, switches = defaultdict(list), defaultdict(list)
            for track in tracks:
                for before, after in pairwise(track.items):
                    gap = after.start_ms - before.last_ms
                    if gap > max_gap + EPSILON_MS:
                        gaps[track.stream_key].append((gap, before, after))
                    if _switches(ctx, before, after):
                        switches[track.stream_key].append((0.0, before, after))
            for stream_key, found in sorted(gaps.items()):
                drafts.append(_gap_draft(ctx, scene, entity, stream_key, found, max_gap))
            for stream_key, found in sorted(switches.items()):
                drafts.append(_switch_draft(ctx, scene, entity, stream_key, found))
    return drafts


def _switches(ctx: CheckContext, before: AnnotationRecord, after: AnnotationRecord) -> bool:
    if before.label == after.label:
        return False
    a, b = ctx.concept(before), ctx.concept(after)
    # Unknown labels are unknown_term's finding, not a switch.
    return a is not None and b is not None and ctx.ontology.relation(a, b) is Relation.UNRELATED


def _gap_draft(ctx, scene, entity, stream_key, found, max_gap) -> FindingDraft:
    gap, before, after = max(found, key=lambda item: (item[0], item[1].id))
    message = (
        f"{entity}'s track in {stream_key} has no annotation for {gap:.0f} ms between "
        f"{seconds(before.last_ms)} and {seconds(after.start_ms)} (max gap {max_gap:g} ms) "
        f"— fill the missing frames or end the track and start a new entity"
    )
    if len(found) > 1:
        message += f"; the track has {len(found)} such gaps"
    return ctx.draft(
        Check.TRACK_GAP,
        scene.datapoint_id,
        annotations=[x for _, b, a in found for x in (b, a)],
        message=message + ".",
        key=(entity, stream_key, "gap"),
        modalities=(before.modality,),
        entity=entity,
        measured=gap,
        threshold=max_gap,
    )


def _switch_draft(ctx, scene, entity, stream_key, found) -> FindingDraft:
    _, before, after = found[0]
    message = (
        f"{entity}'s track in {stream_key} switches from '{before.label}' to "
        f"'{after.label}' at {seconds(after.start_ms)} — an ID switch: give the other "
        f"object its own entity, or correct the label"
    )
    if len(found) > 1:
        message += f"; the track switches {len(found)} times"
    return ctx.draft(
        Check.TRACK_GAP,
        scene.datapoint_id,
        annotations=[x for _, b, a in found for x in (b, a)],
        message=message + ".",
        key=(entity, stream_key, "switch"),
        modalities=(before.modality,),
        entity=entity,
        measured=float(len(found)),
        threshold=0.0,
    )
