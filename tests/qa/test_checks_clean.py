"""A consistent multimodal scene trips no check at all: every stream at its own
offset, overlap copies, synonyms, a calibrated camera and a LiDAR track."""

import numpy as np

from qa.checks import CHECKS, run_checks
from qa.checks.spatial import cuboid_corners, project_rectangles
from tests.qa.scenes import SceneBuilder, context
from tests.qa.test_checks_spatial import CUBOID, P

OFFSETS = {"cam": 120.0, "mic": 430.0, "caption": 260.0, "lidar": 85.0, "photo": 0.0}


def _box() -> list[float]:
    corners = cuboid_corners(
        np.array([CUBOID["center"]], dtype=float),
        np.array([CUBOID["size"]], dtype=float),
        np.array([CUBOID["yaw"]]),
    )
    rects, _ = project_rectangles(corners, np.array([P]))
    x0, y0, x1, y1 = rects[0]
    return [x0, y0, x1 - x0, y1 - y0]


def clean_scene():
    scene = (
        SceneBuilder()
        .stream("cam", "video", offset_ms=OFFSETS["cam"], calibration={"projection": P})
        .stream("mic", "audio", offset_ms=OFFSETS["mic"])
        .stream("caption", "text", offset_ms=OFFSETS["caption"])
        .stream("lidar", "pointcloud", offset_ms=OFFSETS["lidar"])
        .stream("photo", "image")
    )

    def at(stream: str, master: float) -> float:
        return master - OFFSETS[stream]

    box = _box()
    for copy in (1, 2):  # two annotators per modality
        for t in range(1000, 4001, 200):
            scene.add(
                "lidar",
                "cuboid",
                "car",
                entity="car-1",
                start=at("lidar", t),
                cuboid=CUBOID,
                task=50 + copy,
            )
            scene.add(
                "cam",
                "bbox",
                "car",
                entity="car-1",
                start=at("cam", t + 10),
                bbox=box,
                task=10 + copy,
            )
        scene.add(
            "cam",
            "segment",
            "car",
            entity="car-1",
            start=at("cam", 1000),
            end=at("cam", 4000),
            task=10 + copy,
        )
        scene.add(
            "mic",
            "segment",
            "engine",
            entity="car-1",
            start=at("mic", 1030 + copy),
            end=at("mic", 3980),
            task=20 + copy,
        )
        scene.add(
            "cam",
            "segment",
            "dog",
            entity="dog-1",
            start=at("cam", 5000),
            end=at("cam", 6000),
            task=10 + copy,
        )
        scene.add(
            "mic",
            "segment",
            "dog",
            entity="dog-1",
            start=at("mic", 5040),
            end=at("mic", 5950),
            task=20 + copy,
        )
        scene.add("caption", "span", "puppy", entity="dog-1", task=30 + copy)
        scene.add("caption", "span", "car", entity="car-1", task=30 + copy)
        scene.add(
            "photo", "bbox", "dog", entity="dog-1", start=0, bbox=[5, 5, 50, 50], task=40 + copy
        )
        scene.add(
            "caption",
            "transcript",
            "speech",
            start=at("caption", 7000),
            end=at("caption", 8000),
            task=30 + copy,
        )
    return scene.build()


def test_a_consistent_scene_trips_no_check():
    scene = clean_scene()

    assert run_checks([scene], context()) == []
    assert len(CHECKS) == 11


def test_the_batch_call_is_the_one_item_call_repeated():
    from tests.qa.test_checks_temporal import _av

    spoiled = _av(audio_offset=420)
    spoiled.add("cam", "segment", "car", entity="car-1", start=0, end=1000)
    spoiled.add("mic", "segment", "car", entity="car-1", start=0, end=1000)
    spoiled.datapoint_id = 2
    scenes = [clean_scene(), spoiled.build()]

    batch = run_checks(scenes, context())

    assert batch == [d for s in scenes for d in run_checks([s], context())]
    assert [d.datapoint_id for d in batch] == [2]
