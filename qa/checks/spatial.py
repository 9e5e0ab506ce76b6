"""Spatial correspondence: projection_iou. A cuboid's 8 corners go through the camera
stream's 3x4 matrix P (pixels ~ P @ [X, Y, Z, 1]); the 2D bounding rectangle of the
corners in front of the camera is compared with the same entity's box. P maps the
cuboid's frame (the data point's reference frame) straight to pixels, as K[R|t]
does; a calibration's `pose` is not applied again. The geometry runs vectorised in
NumPy over every matched pair of the batch at once."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from qa.checks.codes import Check
from qa.checks.context import CheckContext
from qa.checks.records import AnnotationRecord, FindingDraft, Scene, seconds
from qa.checks.temporal import EPSILON_MS, cuboid_camera_tracks, track_pairs

_UNIT_CORNERS = np.array(
    [[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
)  # (8, 3)
MIN_DEPTH = 1e-6


def cuboid_corners(centers: np.ndarray, sizes: np.ndarray, yaws: np.ndarray) -> np.ndarray:
    """(N, 3) centres, (N, 3) sizes (l, w, h), (N,) yaw about z → (N, 8, 3) corners."""
    local = _UNIT_CORNERS[None, :, :] * sizes[:, None, :]
    cos, sin = np.cos(yaws)[:, None], np.sin(yaws)[:, None]
    x, y = local[..., 0], local[..., 1]
    rotated = np.stack([cos * x - sin * y, sin * x + cos * y, local[..., 2]], axis=-1)
    return rotated + centers[:, None, :]


def project_rectangles(
    corners: np.ndarray, projections: np.ndarray, image_sizes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(N, 8, 3) corners through (N, 3, 4) matrices → (N, 4) rectangles [x0, y0, x1,
    y1] of the corners in front of the camera, clipped to the image where its size
    (N, 2) is known (NaN where not), and a mask of the rectangles that exist."""
    homogeneous = np.concatenate([corners, np.ones((*corners.shape[:2], 1))], axis=-1)
    image = homogeneous @ projections.transpose(0, 2, 1)  # (N, 8, 3)
    depth = image[..., 2]
    in_front = depth > MIN_DEPTH
    safe = np.where(in_front, depth, 1.0)
    u, v = image[..., 0] / safe, image[..., 1] / safe
    rects = np.stack(
        [
            np.where(in_front, u, np.inf).min(axis=1),
            np.where(in_front, v, np.inf).min(axis=1),
            np.where(in_front, u, -np.inf).max(axis=1),
            np.where(in_front, v, -np.inf).max(axis=1),
        ],
        axis=1,
    )
    if image_sizes is not None:
        width, height = image_sizes[:, 0], image_sizes[:, 1]
        known = ~np.isnan(width)
        rects[:, 0] = np.where(known, np.clip(rects[:, 0], 0, width), rects[:, 0])
        rects[:, 2] = np.where(known, np.clip(rects[:, 2], 0, width), rects[:, 2])
        known = ~np.isnan(height)
        rects[:, 1] = np.where(known, np.clip(rects[:, 1], 0, height), rects[:, 1])
        rects[:, 3] = np.where(known, np.clip(rects[:, 3], 0, height), rects[:, 3])
    valid = in_front.any(axis=1)
    return rects, valid


def rectangle_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (N, 4) rectangles [x0, y0, x1, y1], row by row; 0 when either is empty."""
    width = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    height = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = width * height
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _image_size(calibration: Mapping[str, Any] | None) -> tuple[float, float]:
    if not calibration:
        return np.nan, np.nan
    size = calibration.get("image_size") or (calibration.get("width"), calibration.get("height"))
    try:
        return float(size[0]), float(size[1])
    except (TypeError, ValueError, IndexError):
        return np.nan, np.nan


def projection_ious(
    pairs: list[tuple[AnnotationRecord, AnnotationRecord]],
    cameras: list[int],
    projections: list,
    image_sizes: list[tuple[float, float]],
) -> np.ndarray:
    """IoU of each (cuboid, box) pair through its camera's matrix, in one NumPy pass.
    `cameras[i]` indexes pair i's camera in `projections` and `image_sizes`."""
    if not pairs:
        return np.zeros(0)
    geometry = np.array([c.cuboid.flat for c, _ in pairs])
    corners = cuboid_corners(geometry[:, 0:3], geometry[:, 3:6], geometry[:, 6])
    index = np.array(cameras)
    rects, valid = project_rectangles(
        corners,
        np.array(projections, dtype=float)[index],
        np.array(image_sizes, dtype=float)[index],
    )
    x, y, w, h = np.array([b.bbox for _, b in pairs], dtype=float).T
    boxes = np.stack([x, y, x + w, y + h], axis=1)
    return np.where(valid, rectangle_iou(np.where(valid[:, None], rects, 0.0), boxes), 0.0)


def projection_iou(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Cuboids projected into each calibrated camera against the same entity's
    matching box in that camera (temporal.track_pairs). Pairs further apart in time than
    capture_time's tolerance are capture_time's finding, not a spatial one. One
    finding per entity, point-cloud stream and camera, measured as the lowest IoU."""
    min_iou = ctx.rules.projection_iou.min_iou
    capture = ctx.rules.capture_time
    max_dt = capture.tolerance_ms + EPSILON_MS if capture.enabled else np.inf
    pairs, cameras, where = [], [], []
    projections, sizes = [], []
    for scene in scenes:
        calibrated: dict[str, int] = {}
        for entity in scene.tracks:
            cuboids, boxes_by_camera = cuboid_camera_tracks(scene, entity)
            cuboids = [t for t in cuboids if t.items[0].cuboid is not None]
            for camera_key, boxes in sorted(boxes_by_camera.items()):
                if not cuboids:
                    continue
                if camera_key not in calibrated:
                    camera = scene.stream_by_key.get(camera_key)
                    projection = camera.projection if camera else None
                    calibrated[camera_key] = -1 if projection is None else len(projections)
                    if projection is not None:
                        projections.append(projection)
                        sizes.append(_image_size(camera.calibration))
                camera_index = calibrated[camera_key]
                if camera_index < 0:
                    continue
                for cuboid, box in track_pairs(cuboids, boxes):
                    if cuboid.cuboid is None or box.bbox is None:
                        continue
                    if abs(box.start_ms - cuboid.start_ms) > max_dt:
                        continue
                    pairs.append((cuboid, box))
                    cameras.append(camera_index)
                    where.append((scene.datapoint_id, entity, cuboid.stream_key, camera_key))
    ious = projection_ious(pairs, cameras, projections, sizes)
    low: dict[tuple, list] = defaultdict(list)
    for i in np.flatnonzero(ious < min_iou).tolist():
        cuboid, box = pairs[i]
        low[where[i]].append((float(ious[i]), cuboid, box))
    return [_projection_draft(ctx, place, found, min_iou) for place, found in sorted(low.items())]


def _projection_draft(ctx, place, found, min_iou) -> FindingDraft:
    datapoint_id, entity, lidar_key, camera_key = place
    worst, cuboid, box = min(found, key=lambda item: (item[0], item[1].id))
    message = (
        f"{entity}'s cuboid at {seconds(cuboid.start_ms)} in {lidar_key}, projected into "
        f"{camera_key}, overlaps its box there with IoU {worst:.2f} (minimum {min_iou:g}) "
        f"— check the cuboid's position and size, the box, or {camera_key}'s calibration"
    )
    if len(found) > 1:
        message += f"; {len(found)} cuboid/box pairs are below the minimum"
    return ctx.draft(
        Check.PROJECTION_IOU,
        datapoint_id,
        annotations=[x for _, c, b in found for x in (c, b)],
        message=message + ".",
        key=(entity, f"{lidar_key}|{camera_key}"),
        modalities=(cuboid.modality, box.modality),
        entity=entity,
        measured=worst,
        threshold=min_iou,
    )
