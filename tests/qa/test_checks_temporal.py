"""Temporal checks on hand-built scenes. Times passed to SceneBuilder.add are stream
times; the checks see master times (stream time + offset)."""

from qa.checks.codes import FindingType
from tests.qa.scenes import SceneBuilder, run


def _av(video_offset=0.0, audio_offset=0.0) -> SceneBuilder:
    return (
        SceneBuilder()
        .stream("cam", "video", offset_ms=video_offset)
        .stream("mic", "audio", offset_ms=audio_offset)
    )


class TestBoundaryOffset:
    def test_raw_times_that_agree_are_an_error_when_master_times_do_not(self):
        scene = _av(audio_offset=420)
        video = scene.add("cam", "segment", "car", entity="car-1", start=12000, end=13000)
        audio = scene.add("mic", "segment", "engine", entity="car-1", start=12000, end=13000)

        [finding] = run("boundary_offset", scene.build())

        assert finding.type == FindingType.TEMPORAL
        assert finding.measured == 420
        assert finding.threshold == 100
        assert finding.annotation_ids == (video.id, audio.id)
        assert (finding.modality_a, finding.modality_b) == ("audio", "video")
        assert finding.message.startswith(
            "car-1 starts 420 ms later in audio than in video (tolerance 100 ms) — "
            "check the audio segment at 12.42 s"
        )

    def test_raw_times_that_differ_are_fine_when_master_times_agree(self):
        scene = _av(video_offset=1000, audio_offset=-500)
        scene.add("cam", "segment", "car", entity="car-1", start=11000, end=12000)
        scene.add("mic", "segment", "engine", entity="car-1", start=12500, end=13500)

        assert run("boundary_offset", scene.build()) == []

    def test_an_offset_within_the_tolerance_or_exactly_at_it_is_fine(self):
        scene = _av(audio_offset=0.1)
        scene.add("cam", "segment", "dog", entity="dog-1", start=1000, end=2000)
        scene.add("mic", "segment", "dog", entity="dog-1", start=1099.9, end=2080)

        assert run("boundary_offset", scene.build()) == []
        assert run(
            "boundary_offset", scene.build(), rules={"boundary_offset": {"tolerance_ms": 80}}
        )

    def test_a_late_end_is_reported_as_such(self):
        scene = _av()
        scene.add("cam", "segment", "dog", entity="dog-1", start=1000, end=2000)
        scene.add("mic", "segment", "dog", entity="dog-1", start=1000, end=2300)

        [finding] = run("boundary_offset", scene.build())

        assert "dog-1 ends 300 ms later in audio than in video" in finding.message

    def test_each_segment_is_matched_with_its_own_counterpart(self):
        scene = _av()
        for start in (0, 5000, 10000):
            scene.add("cam", "segment", "speech", entity="spk-1", start=start, end=start + 900)
            scene.add("mic", "segment", "speech", entity="spk-1", start=start + 30, end=start + 950)

        assert run("boundary_offset", scene.build()) == []

    def test_overlap_copies_compare_with_their_best_match_not_every_pair(self):
        scene = _av()
        scene.add("cam", "segment", "car", entity="car-1", start=1000, end=2000, task=1)
        nearest = scene.add("cam", "segment", "car", entity="car-1", start=1020, end=2010, task=2)
        scene.add("mic", "segment", "car", entity="car-1", start=990, end=1990, task=3)
        late = scene.add("mic", "segment", "car", entity="car-1", start=1600, end=2600, task=4)

        [finding] = run("boundary_offset", scene.build())

        assert finding.annotation_ids == (nearest.id, late.id)
        assert finding.measured == 590  # max(|1600 - 1020|, |2600 - 2010|)

    def test_other_entities_and_other_modalities_never_meet(self):
        scene = _av()
        scene.add("cam", "segment", "car", entity="car-1", start=0, end=1000)
        scene.add("mic", "segment", "car", entity="car-2", start=5000, end=6000)

        assert run("boundary_offset", scene.build()) == []


def _lidar_camera(camera_offset=0.0) -> SceneBuilder:
    return (
        SceneBuilder()
        .stream("lidar", "pointcloud")
        .stream("cam-front", "video", offset_ms=camera_offset)
    )


CUBOID = {"center": [10, 0, 0], "size": [4, 2, 1.5], "yaw": 0}


class TestCaptureTime:
    def test_a_camera_frame_80_ms_off_on_the_master_clock_is_an_error(self):
        scene = _lidar_camera(camera_offset=80)
        scene.add("lidar", "cuboid", "car", entity="car-1", start=1000, cuboid=CUBOID)
        scene.add("cam-front", "bbox", "car", entity="car-1", start=1000, bbox=[0, 0, 10, 10])

        [finding] = run("capture_time", scene.build())

        assert finding.measured == 80
        assert finding.threshold == 50
        assert finding.key == "capture_time:car-1:lidar|cam-front"
        assert (finding.modality_a, finding.modality_b) == ("pointcloud", "video")

    def test_raw_times_that_differ_are_fine_when_master_times_agree(self):
        scene = _lidar_camera(camera_offset=80)
        scene.add("lidar", "cuboid", "car", entity="car-1", start=1000, cuboid=CUBOID)
        scene.add("cam-front", "bbox", "car", entity="car-1", start=920, bbox=[0, 0, 10, 10])

        assert run("capture_time", scene.build()) == []

    def test_sparse_keyframes_pair_only_with_the_scan_they_belong_to(self):
        scene = _lidar_camera()
        for t in range(0, 3000, 100):
            scene.add("lidar", "cuboid", "car", entity="car-1", start=t, cuboid=CUBOID)
        for t in (0, 1000, 2000):
            scene.add("cam-front", "bbox", "car", entity="car-1", start=t + 10, bbox=[0, 0, 9, 9])

        assert run("capture_time", scene.build()) == []


class TestTrackGap:
    def test_a_gap_longer_than_the_tolerance_is_reported(self):
        scene = SceneBuilder().stream("cam", "video")
        for t in (0, 100, 200, 1000, 1100):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5])

        [finding] = run("track_gap", scene.build())

        assert finding.measured == 800
        assert finding.threshold == 500
        assert finding.key == "track_gap:car-1:cam:gap"
        assert finding.modality_b == ""

    def test_a_dense_track_has_no_gap(self):
        scene = SceneBuilder().stream("cam", "video")
        for t in range(0, 2000, 100):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5])

        assert run("track_gap", scene.build()) == []

    def test_an_id_switch_is_reported_but_a_refinement_is_not(self):
        switched = SceneBuilder().stream("cam", "video")
        refined = SceneBuilder().stream("cam", "video")
        for t, label in ((0, "car"), (100, "car"), (200, "cat"), (300, "cat")):
            switched.add("cam", "bbox", label, entity="car-1", start=t, bbox=[0, 0, 5, 5])
        for t, label in ((0, "vehicle"), (100, "car"), (200, "car")):
            refined.add("cam", "bbox", label, entity="car-1", start=t, bbox=[0, 0, 5, 5])

        [finding] = run("track_gap", switched.build())

        assert finding.key == "track_gap:car-1:cam:switch"
        assert "switches from 'car' to 'cat' at 0.20 s" in finding.message
        assert run("track_gap", refined.build()) == []

    def test_pauses_between_segments_are_not_gaps(self):
        scene = SceneBuilder().stream("mic", "audio")
        scene.add("mic", "segment", "speech", entity="spk-1", start=0, end=1000)
        scene.add("mic", "segment", "speech", entity="spk-1", start=5000, end=6000)

        assert run("track_gap", scene.build()) == []

    def test_two_annotators_tracks_are_checked_apart(self):
        scene = SceneBuilder().stream("cam", "video")
        for t in (0, 200, 400, 600):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5], task=1)
        for t in (100, 700):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5], task=2)

        [finding] = run("track_gap", scene.build())

        assert finding.measured == 600


class TestCaptureTimeOnKeyframeTracks:
    def test_a_track_stamped_two_keyframes_late_is_caught_though_frames_sit_there(self):
        scene = _lidar_camera()
        for t in range(0, 2000, 200):
            scene.add("lidar", "cuboid", "car", entity="car-1", start=t + 400, cuboid=CUBOID)
            scene.add("cam-front", "bbox", "car", entity="car-1", start=t + 7, bbox=[0, 0, 9, 9])

        [finding] = run("capture_time", scene.build())

        assert finding.measured == 393  # 400 - 7

    def test_a_gap_in_one_track_does_not_shift_the_pairing(self):
        scene = _lidar_camera()
        for t in range(0, 3000, 200):
            if t not in (1000, 1200, 1400):
                scene.add("lidar", "cuboid", "car", entity="car-1", start=t, cuboid=CUBOID)
            scene.add("cam-front", "bbox", "car", entity="car-1", start=t + 12, bbox=[0, 0, 9, 9])

        assert run("capture_time", scene.build()) == []
        assert len(run("track_gap", scene.build())) == 1
