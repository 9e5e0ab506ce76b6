"""Pinhole camera maths over plain lists, so scenes can draw boxes that agree with
their cuboids (and injections can prove that they no longer do)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Matrix = list[list[float]]
Box = list[float]  # [x, y, w, h] in pixels


def matmul(a: Matrix, b: Matrix) -> Matrix:
    return [
        [sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
        for i in range(len(a))
    ]


def rotation_x(angle: float) -> Matrix:
    c, s = math.cos(angle), math.sin(angle)
    return [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]


def rotation_y(angle: float) -> Matrix:
    c, s = math.cos(angle), math.sin(angle)
    return [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]


def projection_matrix(
    intrinsics: Matrix, position: Sequence[float], pitch: float = 0.0, yaw: float = 0.0
) -> tuple[Matrix, Matrix, list[float]]:
    """P = K [R | t] for a forward-looking camera at `position` in the ego frame
    (x forward, y left, z up), tilted down by `pitch` and turned left by `yaw`.
    Returns (P, R, t); R maps ego axes to camera axes (x right, y down, z ahead)."""
    axes = [[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]
    rotation = matmul(matmul(rotation_x(-pitch), rotation_y(-yaw)), axes)
    translation = [-sum(rotation[i][k] * position[k] for k in range(3)) for i in range(3)]
    extrinsic = [[*rotation[i], translation[i]] for i in range(3)]
    return matmul(intrinsics, extrinsic), rotation, translation


def cuboid_corners(center: Sequence[float], size: Sequence[float], yaw: float) -> list[list[float]]:
    """The eight corners of a cuboid turned by `yaw` about the vertical axis."""
    length, width, height = size
    c, s = math.cos(yaw), math.sin(yaw)
    corners = []
    for dx in (-length / 2, length / 2):
        for dy in (-width / 2, width / 2):
            for dz in (-height / 2, height / 2):
                corners.append(
                    [center[0] + c * dx - s * dy, center[1] + s * dx + c * dy, center[2] + dz]
                )
    return corners


def project_point(projection: Matrix, point: Sequence[float]) -> tuple[float, float, float]:
    """Pixel (u, v) and depth of an ego-frame point."""
    u, v, w = (sum(row[k] * point[k] for k in range(3)) + row[3] for row in projection)
    return u / w, v / w, w


def project_cuboid(
    projection: Matrix, center: Sequence[float], size: Sequence[float], yaw: float
) -> Box:
    """The image box [x, y, w, h] enclosing the cuboid's projected corners."""
    points = [project_point(projection, corner) for corner in cuboid_corners(center, size, yaw)]
    if min(depth for _, _, depth in points) <= 0:
        raise ValueError("the cuboid is behind the camera")
    us = [u for u, _, _ in points]
    vs = [v for _, v, _ in points]
    return [min(us), min(vs), max(us) - min(us), max(vs) - min(vs)]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two [x, y, w, h] boxes."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0
