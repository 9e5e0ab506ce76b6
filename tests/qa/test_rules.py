import pytest

from common.errors import DomainError
from qa.checks.codes import Check
from qa.rules import CHECK_NAMES, DEFAULT_RULES, rules_parse


class TestRulesParse:
    def test_every_check_has_a_rule(self):
        assert set(CHECK_NAMES) == set(Check.values)

    def test_missing_keys_take_the_defaults_of_the_design(self):
        rules = rules_parse({})

        assert rules == DEFAULT_RULES
        assert rules.boundary_offset.tolerance_ms == 100
        assert rules.capture_time.tolerance_ms == 50
        assert rules.track_gap.max_gap_ms == 500
        assert rules.projection_iou.min_iou == 0.5
        assert rules.unmentioned_entity.pairs == (("image", "text"),)
        assert rules.unmatched_event.pairs == (("audio", "video"),)
        assert rules.resolution.pairs == (("video", "text"),)
        assert all(rules.rule(name).enabled for name in CHECK_NAMES)

    def test_given_values_override_only_their_key(self):
        rules = rules_parse(
            {
                "boundary_offset": {"tolerance_ms": 250, "severity": "warning"},
                "label_conflict": {"enabled": False},
                "unmentioned_entity": {"pairs": [["video", "text"], ["video", "text"]]},
            }
        )

        assert rules.boundary_offset.tolerance_ms == 250
        assert rules.boundary_offset.severity == "warning"
        assert rules.capture_time == DEFAULT_RULES.capture_time
        assert "label_conflict" not in rules.enabled_checks
        assert rules.unmentioned_entity.pairs == (("video", "text"),)

    def test_other_apps_sections_are_left_to_them(self):
        assert rules_parse({"routing": {"min_level": {"pointcloud": "expert"}}}) == DEFAULT_RULES

    def test_none_means_defaults_and_the_result_is_frozen(self):
        rules = rules_parse(None)

        with pytest.raises(AttributeError):
            rules.boundary_offset.tolerance_ms = 1  # type: ignore[misc]

    def test_as_dict_round_trips(self):
        raw = {"resolution": {"pairs": [["audio", "text"]]}, "projection_iou": {"min_iou": 0.7}}

        assert rules_parse(rules_parse(raw).as_dict()) == rules_parse(raw)

    @pytest.mark.parametrize(
        "raw, field",
        [
            ({"boundary_offset": {"tolerance_ms": -1}}, "rules.boundary_offset.tolerance_ms"),
            ({"capture_time": {"tolerance_ms": "50"}}, "rules.capture_time.tolerance_ms"),
            ({"track_gap": {"max_gap_ms": True}}, "rules.track_gap.max_gap_ms"),
            ({"projection_iou": {"min_iou": 1.5}}, "rules.projection_iou.min_iou"),
            ({"projection_iou": {"min_iou": -0.1}}, "rules.projection_iou.min_iou"),
            ({"sync_magic": {}}, "rules.sync_magic"),
            ({"boundary_offset": {"tolerance": 5}}, "rules.boundary_offset.tolerance"),
            ({"boundary_offset": 100}, "rules.boundary_offset"),
            ({"label_conflict": {"enabled": "yes"}}, "rules.label_conflict.enabled"),
            ({"label_conflict": {"severity": "fatal"}}, "rules.label_conflict.severity"),
            (
                {"unmentioned_entity": {"pairs": [["image", "smell"]]}},
                "rules.unmentioned_entity.pairs[0]",
            ),
            (
                {"unmatched_event": {"pairs": [["audio", "audio"]]}},
                "rules.unmatched_event.pairs[0]",
            ),
            ({"resolution": {"pairs": [["video"]]}}, "rules.resolution.pairs[0]"),
            ({"resolution": {"pairs": "video,text"}}, "rules.resolution.pairs"),
            (
                {"count_mismatch": {"ignore_modalities": ["sound"]}},
                "rules.count_mismatch.ignore_modalities[0]",
            ),
            (["boundary_offset"], "rules"),
        ],
    )
    def test_a_bad_value_is_a_domain_error_naming_the_field(self, raw, field):
        with pytest.raises(DomainError) as error:
            rules_parse(raw)

        assert error.value.field == field
        assert error.value.message
