"""Injected sync errors: how many, of which kinds, and that each one is exactly what
its record says, so validation can be scored per check."""

from collections import Counter

import pytest

from demo.errors import CHECK_TYPES, SCENE_CHECKS
from demo.scenes.cast import PROJECTS
from demo.scenes.plan import plan
from tests.demo.conftest import DATAPOINTS, context
from tests.demo.oracle import Reader, box_iou, cuboid_box, findings, nearest_box


def injected(records) -> list[dict]:
    return [item for _, record in records for item in record["meta"]["injected"]]


def with_check(records, check: str):
    for key, record in records:
        for item in record["meta"]["injected"]:
            if item["check"] == check:
                yield key, record, item


class TestShare:
    def test_about_a_third_of_everyday_data_points_carry_an_error(self, everyday):
        found = [record for records in everyday.values() for record in records]
        assert len(found) == DATAPOINTS
        spoiled = sum(1 for record in found if record["meta"]["injected"])
        assert spoiled / len(found) == pytest.approx(0.34, abs=0.02)

    def test_each_project_carries_about_a_third(self, everyday):
        for found in everyday.values():
            spoiled = sum(1 for record in found if record["meta"]["injected"])
            assert spoiled / len(found) == pytest.approx(0.34, abs=0.03)

    def test_every_check_appears(self, records):
        assert {item["check"] for item in injected(records)} == set(CHECK_TYPES)

    def test_errors_split_by_type_as_the_industry_reports(self, everyday):
        records = [(key, record) for key, found in everyday.items() for record in found]
        types = Counter(item["type"] for item in injected(records))
        industry = sum(n for kind, n in types.items() if kind != "spatial")
        expected = {"temporal": 0.4, "semantic": 0.3, "missing_reference": 0.2, "granularity": 0.1}
        for kind, share in expected.items():
            assert types[kind] / industry == pytest.approx(share, abs=0.04), kind
        assert 0 < types["spatial"] / sum(types.values()) < 0.1

    def test_the_plan_only_asks_a_scene_for_checks_it_can_hold(self):
        scenes = ["driving"] * 50 + ["retail"] * 50 + ["support"] * 50
        for scene, checks in zip(scenes, plan(seed=3, scenes=scenes), strict=True):
            assert set(checks) <= set(SCENE_CHECKS[scene])
            assert len(checks) == len(set(checks)) <= 2


class TestEachInjection:
    def test_each_record_trips_exactly_the_checks_it_says_were_injected(self, records):
        for key, record in records:
            said = {item["check"] for item in record["meta"]["injected"]}
            assert findings(record, *context(key)) == said, record["external_id"]

    def test_each_injection_names_its_type_entity_modalities_and_detail(self, records):
        for item in injected(records):
            assert set(item) == {"type", "check", "entity", "modalities", "detail"}
            assert item["type"] == CHECK_TYPES[item["check"]]
            assert item["modalities"] and item["detail"]
            assert item["entity"] or item["check"] == "unknown_term"

    def test_boundary_offsets_are_far_outside_the_tolerance_on_the_master_clock(self, records):
        for key, record, item in with_check(records, "boundary_offset"):
            reader = Reader(record, *context(key))
            segments = [
                i
                for i in reader.by_entity()[item["entity"]]
                if i["kind"] in ("segment", "transcript")
            ]
            worst = max(
                abs(reader.master(a, name) - reader.master(b, name))
                for a in segments
                for b in segments
                for name in ("start_ms", "end_ms")
                if reader.modality(a) != reader.modality(b)
            )
            assert worst >= 2 * reader.rules["boundary_offset"]["tolerance_ms"]

    def test_projection_errors_overlap_their_boxes_well_under_half(self, records):
        for key, record, item in with_check(records, "projection_iou"):
            reader = Reader(record, *context(key))
            camera = next(s for s in record["streams"] if s["modality"] == "video")
            cuboids = [
                i
                for i in record["annotations"]
                if i["kind"] == "cuboid" and i["entity"] == item["entity"]
            ]
            for cuboid in cuboids:
                projected = cuboid_box(camera["calibration"]["projection"], cuboid["cuboid"])
                assert box_iou(projected, nearest_box(reader, cuboid)["bbox"]) < 0.35

    def test_an_unmatched_sound_overlaps_no_visual_annotation_at_all(self, records):
        for key, record, item in with_check(records, "unmatched_event"):
            reader = Reader(record, *context(key))
            sounds = [i for i in record["annotations"] if i["entity"] == item["entity"]]
            assert {reader.modality(sound) for sound in sounds} == {"audio"}
            for sound in sounds:
                start, end = reader.master(sound), reader.master(sound, "end_ms")
                for other in record["annotations"]:
                    if reader.modality(other) in ("video", "pointcloud"):
                        other_end = reader.master(
                            other, "end_ms" if "end_ms" in other else "start_ms"
                        )
                        assert other_end < start or reader.master(other) > end


def test_every_project_sets_every_rule_explicitly():
    for project in PROJECTS:
        assert set(project.rules) == set(CHECK_TYPES)
        for pair in project.rules["unmentioned_entity"]["pairs"]:
            assert set(pair) <= set(project.modalities)
