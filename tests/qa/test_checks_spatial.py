"""projection_iou through a real pinhole camera. World: x forward, y left, z up.
The camera sits 1.5 m up at the origin looking along +x, so world→camera is
R = [[0,-1,0],[0,0,-1],[1,0,0]], t = -R·C = (0, 1.5, 0), and P = K[R|t] with
K = [[1000,0,640],[0,1000,360],[0,0,1]]."""

import math

import numpy as np
import pytest

from qa.checks.codes import FindingType
from qa.checks.spatial import cuboid_corners, project_rectangles, rectangle_iou
from tests.qa.scenes import SceneBuilder, run

K = np.array([[1000.0, 0, 640], [0, 1000.0, 360], [0, 0, 1]])
R = np.array([[0.0, -1, 0], [0, 0, -1], [1, 0, 0]])
T = -R @ np.array([0.0, 0, 1.5])
P = (K @ np.hstack([R, T[:, None]])).tolist()

# A 4 m x 2 m x 2 m box 10 m ahead at camera height, turned 90°: its 4 m side runs
# across the view. Camera-frame corners: x in [-2, 2], y in [-1, 1], depth in [9, 11].
# The nearest face (depth 9) bounds the image box: u = 640 ± 1000·2/9, v = 360 ± 1000/9.
CUBOID = {"center": [10, 0, 1.5], "size": [4, 2, 2], "yaw": math.pi / 2}
EXPECTED = [640 - 2000 / 9, 360 - 1000 / 9, 640 + 2000 / 9, 360 + 1000 / 9]
W, H = EXPECTED[2] - EXPECTED[0], EXPECTED[3] - EXPECTED[1]


def _project(cuboid) -> tuple[np.ndarray, np.ndarray]:
    corners = cuboid_corners(
        np.array([cuboid["center"]], dtype=float),
        np.array([cuboid["size"]], dtype=float),
        np.array([cuboid["yaw"]], dtype=float),
    )
    return project_rectangles(corners, np.array([P]))


def _scene(box, *, cuboid=CUBOID, camera_offset=0.0) -> SceneBuilder:
    scene = (
        SceneBuilder()
        .stream("lidar", "pointcloud")
        .stream("cam", "video", offset_ms=camera_offset, calibration={"projection": P})
    )
    scene.add("lidar", "cuboid", "car", entity="car-1", start=1000, cuboid=cuboid)
    scene.add("cam", "bbox", "car", entity="car-1", start=1000, bbox=box)
    return scene


class TestProjectionGeometry:
    def test_a_cuboid_projects_to_the_hand_computed_box(self):
        rects, valid = _project(CUBOID)

        assert valid.tolist() == [True]
        assert rects[0] == pytest.approx(EXPECTED)

    def test_a_cuboid_behind_the_camera_has_no_box(self):
        _, valid = _project({**CUBOID, "center": [-10, 0, 1.5]})

        assert valid.tolist() == [False]

    def test_iou_of_a_box_shifted_by_half_its_width_is_one_third(self):
        a = np.array([[0.0, 0, 2, 1]])
        b = np.array([[1.0, 0, 3, 1]])

        assert rectangle_iou(a, b)[0] == pytest.approx(1 / 3)


class TestProjectionIou:
    def test_the_box_the_cuboid_projects_to_is_fine(self):
        scene = _scene([EXPECTED[0], EXPECTED[1], W, H])

        assert run("projection_iou", scene.build()) == []

    def test_a_box_shifted_by_half_its_width_is_reported_with_its_iou(self):
        scene = _scene([EXPECTED[0] + W / 2, EXPECTED[1], W, H])

        [finding] = run("projection_iou", scene.build())

        assert finding.type == FindingType.SPATIAL
        assert finding.measured == pytest.approx(1 / 3, abs=1e-4)
        assert finding.threshold == 0.5
        assert finding.key == "projection_iou:car-1:lidar|cam"
        assert "IoU 0.33 (minimum 0.5)" in finding.message

    def test_a_cuboid_behind_the_camera_has_iou_zero(self):
        scene = _scene([EXPECTED[0], EXPECTED[1], W, H], cuboid={**CUBOID, "center": [-10, 0, 1.5]})

        [finding] = run("projection_iou", scene.build())

        assert finding.measured == 0

    def test_a_pair_out_of_sync_in_time_is_left_to_capture_time(self):
        scene = _scene([0, 0, 10, 10], camera_offset=300)

        assert run("projection_iou", scene.build()) == []
        assert len(run("capture_time", scene.build())) == 1

    def test_a_camera_without_calibration_is_skipped(self):
        scene = SceneBuilder().stream("lidar", "pointcloud").stream("cam", "video")
        scene.add("lidar", "cuboid", "car", entity="car-1", start=0, cuboid=CUBOID)
        scene.add("cam", "bbox", "car", entity="car-1", start=0, bbox=[0, 0, 1, 1])

        assert run("projection_iou", scene.build()) == []
