"""A driving clip: front camera (30 fps, calibrated), cabin microphone (48 kHz), roof
LiDAR (10 Hz) and the spoken transcript. Objects move in the ego frame; boxes are
their cuboids projected through the camera's P at the nearest frame, so clean data
agrees spatially as well as on the master clock."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from demo.scenes.base import Scene, annotation, ms
from demo.scenes.geometry import project_cuboid, projection_matrix

CAMERA, MIC, LIDAR, TRANSCRIPT = "camera_front", "mic_cabin", "lidar_top", "transcript"
FPS, SWEEP_MS, KEYFRAME_MS = 30.0, 100.0, 200.0
WIDTH, HEIGHT = 1600, 900
INTRINSICS = [[1266.417, 0.0, 816.267], [0.0, 1266.417, 491.507], [0.0, 0.0, 1.0]]
CAMERA_POSITION = [1.70, 0.0, 1.54]
LIDAR_POSITION = [0.94, 0.0, 1.84]
# Every visual annotation ends this long before the clip does, leaving a quiet tail.
QUIET_TAIL_MS = 2000.0


@dataclass(frozen=True)
class Actor:
    entity: str
    label: str
    size: tuple[float, float, float]
    origin: tuple[float, float]  # ego-frame x, y at the window's start
    velocity: tuple[float, float]  # m/s
    yaw: float
    window: tuple[float, float]  # master ms
    sound: str | None = None  # the cabin-audio label, a term or an audio synonym

    def center(self, master_ms: float) -> list[float]:
        seconds = (master_ms - self.window[0]) / 1000.0
        return [
            self.origin[0] + self.velocity[0] * seconds,
            self.origin[1] + self.velocity[1] * seconds,
            self.size[2] / 2,
        ]

    @property
    def moving(self) -> bool:
        return self.velocity != (0.0, 0.0)


def _window(rng: random.Random, low: float, high: float, duration: float) -> tuple[float, float]:
    start = rng.uniform(low, high - duration)
    return ms(start), ms(start + duration)


def _actors(rng: random.Random, duration_ms: float) -> list[Actor]:
    low, high = 1500.0, duration_ms - QUIET_TAIL_MS
    span = high - low
    u = rng.uniform
    car_window = (ms(low + u(0, 700)), ms(high - u(0, 800)))
    oncoming = _window(rng, low, high, u(2600, min(4000, span)))
    overtaking = _window(rng, low, high, u(2600, min(4000, span)))

    def speed(window: tuple[float, float], distance: float) -> float:
        return distance / ((window[1] - window[0]) / 1000.0)

    x3, x4 = u(40, 45), u(14, 16)
    actors = [
        Actor(
            "car-1",
            "car",
            size=(u(4.2, 4.8), u(1.78, 1.92), u(1.42, 1.58)),
            origin=(u(14, 20), u(-0.3, 0.3)),
            velocity=(rng.choice([0.0, u(0.5, 1.2)]), 0.0),
            yaw=u(-0.03, 0.03),
            window=car_window,
            sound="engine",
        ),
        Actor(
            "pedestrian-2",
            "pedestrian",
            size=(0.5, 0.6, u(1.65, 1.85)),
            origin=(u(13, 19), u(-4.6, -3.6)),
            velocity=(0.0, 0.0),
            yaw=u(1.3, 1.8),
            window=(ms(low + u(0, 500)), ms(high - u(0, 500))),
        ),
        Actor(
            "car-3",
            "car",
            size=(u(4.2, 4.8), u(1.78, 1.92), u(1.42, 1.58)),
            origin=(x3, u(5.6, 6.2)),
            velocity=(-speed(oncoming, x3 - u(20, 24)), 0.0),
            yaw=math.pi + u(-0.03, 0.03),
            window=oncoming,
            sound="engine",
        ),
        Actor(
            "ambulance-4",
            "ambulance",
            size=(u(5.8, 6.2), u(2.1, 2.3), u(2.6, 2.8)),
            origin=(x4, u(2.8, 3.3)),
            velocity=(speed(overtaking, u(34, 40) - x4), 0.0),
            yaw=u(-0.03, 0.03),
            window=overtaking,
            sound="siren",
        ),
    ]
    if rng.random() < 0.4:
        crossing = _window(rng, low, high, u(2600, 3400))
        actors.append(
            Actor(
                "dog-5",
                "dog",
                size=(0.9, 0.35, 0.6),
                origin=(u(13, 17), -3.0),
                velocity=(0.0, speed(crossing, 4.5)),
                yaw=math.pi / 2,
                window=crossing,
                sound="bark",
            )
        )
    return actors


def _streams(external_id: str, rng: random.Random) -> tuple[list[dict], list[list[float]]]:
    video = rng.randint(40, 160)
    audio = video + rng.randint(280, 420)
    lidar = video + rng.randint(60, 140)
    text = audio + rng.randint(150, 300)
    pitch, yaw = rng.uniform(0.005, 0.02), rng.uniform(-0.01, 0.01)
    projection, rotation, translation = projection_matrix(INTRINSICS, CAMERA_POSITION, pitch, yaw)
    projection = [[round(value, 4) for value in row] for row in projection]
    camera = {
        "projection": projection,
        "intrinsics": INTRINSICS,
        "rotation": [[round(value, 6) for value in row] for row in rotation],
        "translation": [round(value, 6) for value in translation],
        "image_size": [WIDTH, HEIGHT],
        "frame": "ego",
        "pose": {"translation": CAMERA_POSITION, "rpy": [0.0, round(pitch, 5), round(yaw, 5)]},
    }
    lidar_calibration = {"frame": "ego", "pose": {"translation": LIDAR_POSITION, "rpy": [0.0] * 3}}
    streams = [
        _stream(external_id, CAMERA, "video", "mp4", video, FPS, camera),
        _stream(external_id, MIC, "audio", "wav", audio, 48000.0),
        _stream(external_id, LIDAR, "pointcloud", "pcd", lidar, 1000 / SWEEP_MS, lidar_calibration),
        _stream(external_id, TRANSCRIPT, "text", "txt", text),
    ]
    return streams, projection


def _stream(
    external_id: str,
    key: str,
    modality: str,
    extension: str,
    offset_ms: int,
    rate_hz: float | None = None,
    calibration: dict | None = None,
) -> dict:
    return {
        "key": key,
        "modality": modality,
        "uri": f"demo://driving/{external_id}/{key}.{extension}",
        "offset_ms": float(offset_ms),
        "rate_hz": rate_hz,
        "calibration": calibration,
    }


def _track(scene: Scene, actor: Actor, projection: list[list[float]], rng: random.Random) -> None:
    """Keyframe cuboids (every other sweep) and boxes at the frames nearest them, a
    visible-interval segment on the camera, and a matching sound on the microphone."""
    lidar_offset = scene.stream(LIDAR)["offset_ms"]
    video_offset = scene.stream(CAMERA)["offset_ms"]
    first = math.ceil((actor.window[0] - lidar_offset) / KEYFRAME_MS)
    last = math.floor((actor.window[1] - lidar_offset) / KEYFRAME_MS)
    occlusion = rng.choice(["none", "none", "partial"])
    frames: list[float] = []
    for index in range(first, last + 1):
        sweep_master = lidar_offset + index * KEYFRAME_MS
        frame = round((sweep_master - video_offset) * FPS / 1000.0)
        frame_stream = frame * 1000.0 / FPS
        center = actor.center(sweep_master)
        scene.add(
            annotation(
                LIDAR,
                "cuboid",
                actor.label,
                entity=actor.entity,
                start_ms=ms(index * KEYFRAME_MS),
                cuboid={
                    "center": [round(v, 3) for v in center],
                    "size": [round(v, 3) for v in actor.size],
                    "yaw": round(actor.yaw, 4),
                },
            )
        )
        box = project_cuboid(
            projection, actor.center(video_offset + frame_stream), actor.size, actor.yaw
        )
        box = [round(v + rng.uniform(-1.5, 1.5), 1) for v in box]
        if box[0] < 0 or box[1] < 0 or box[0] + box[2] > WIDTH or box[1] + box[3] > HEIGHT:
            raise AssertionError(f"{actor.entity} leaves the image in {scene.external_id}")
        scene.add(
            annotation(
                CAMERA,
                "bbox",
                actor.label,
                entity=actor.entity,
                start_ms=ms(frame_stream),
                bbox=box,
                attributes={"occlusion": occlusion},
            )
        )
        frames.append(video_offset + frame_stream)
    motion = {"motion": "moving" if actor.moving else "stopped"}
    scene.add(
        annotation(
            CAMERA,
            "segment",
            actor.label,
            entity=actor.entity,
            start_ms=scene.to_stream(CAMERA, frames[0]),
            end_ms=scene.to_stream(CAMERA, frames[-1]),
            attributes=motion,
        )
    )
    if actor.sound:
        scene.add(
            annotation(
                MIC,
                "segment",
                actor.sound,
                entity=actor.entity,
                start_ms=scene.to_stream(MIC, frames[0] + rng.uniform(-25, 25)),
                end_ms=scene.to_stream(MIC, frames[-1] + rng.uniform(-25, 25)),
                attributes={"loudness": rng.choice(["clear", "loud"])},
            )
        )


MENTIONS = {
    "ambulance-4": [
        ("There's an ambulance behind us, pull over.", "ambulance", "ambulance"),
        ("Ambulance coming through on the left.", "Ambulance", "ambulance"),
        ("Let the ambulance pass first.", "ambulance", "ambulance"),
    ],
    "pedestrian-2": [
        ("Careful, there's a pedestrian at the crossing.", "pedestrian", "pedestrian"),
        ("Mind the walker on the right.", "walker", "walker"),
    ],
    "dog-5": [
        ("Oh look, a puppy on the road!", "puppy", "puppy"),
        ("Slow down, there's a dog crossing.", "dog", "dog"),
    ],
}
FILLERS = [
    "Traffic is terrible today.",
    "Did you send the report?",
    "Turn the radio down a bit.",
    "We should be there in ten minutes.",
    "Is that our exit?",
]


def _transcript(scene: Scene, entities: list[str], rng: random.Random) -> None:
    """Two to four spoken lines; those that mention a road user carry a span (text
    spans have no times, so nothing here is compared on the clock)."""
    lines: list[tuple[str, str | None, str, str]] = []
    for entity in entities:
        if entity in MENTIONS and (entity == "ambulance-4" or rng.random() < 0.5):
            sentence, words, label = rng.choice(MENTIONS[entity])
            lines.append((sentence, entity, words, label))
    fillers = rng.sample(FILLERS, 2)
    for sentence in fillers[: rng.randint(1, 2) if len(lines) < 3 else 1]:
        lines.insert(rng.randint(0, len(lines)), (sentence, None, "", ""))
    speakers = ["driver", "passenger"]
    rng.shuffle(speakers)
    clock = scene.stream(TRANSCRIPT)["offset_ms"] + rng.uniform(300, 900)
    document, cursor = [], 0
    for index, (sentence, entity, words, label) in enumerate(lines):
        length = 250.0 * len(sentence.split()) + rng.uniform(200, 400)
        scene.add(
            annotation(
                TRANSCRIPT,
                "transcript",
                "speech",
                start_ms=scene.to_stream(TRANSCRIPT, clock),
                end_ms=scene.to_stream(TRANSCRIPT, clock + length),
                text=sentence,
                speaker=speakers[index % 2],
            )
        )
        if entity:
            at = cursor + sentence.index(words)
            scene.add(
                annotation(
                    TRANSCRIPT,
                    "span",
                    label,
                    entity=entity,
                    char_start=at,
                    char_end=at + len(words),
                    text=words,
                )
            )
        document.append(sentence)
        cursor += len(sentence) + 1
        clock += length + rng.uniform(200, 600)
    scene.documents[TRANSCRIPT] = "\n".join(document)
    scene.duration_ms = max(scene.duration_ms, float(round(clock)))


def driving_scene(external_id: str, rng: random.Random) -> Scene:
    duration = float(rng.randint(9000, 12000))
    streams, projection = _streams(external_id, rng)
    scene = Scene("driving", external_id, duration, streams)
    actors = _actors(rng, duration)
    for actor in actors:
        _track(scene, actor, projection, rng)
    _transcript(scene, [actor.entity for actor in actors], rng)
    scene.hints = {
        "projection": projection,
        "static": [actor.entity for actor in actors if not actor.moving],
        "quiet_from_ms": duration - QUIET_TAIL_MS / 2,
        "resolution": [item["entity"] for item in scene.select(kinds=["span"])],
    }
    return scene
