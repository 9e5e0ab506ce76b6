from qa.checks.codes import FindingType
from tests.qa.scenes import SceneBuilder, run


def _scene() -> SceneBuilder:
    return SceneBuilder().stream("cam", "video").stream("caption", "text")


class TestConceptLevel:
    def test_same_concept_or_synonym_is_silent(self):
        scene = _scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("caption", "span", "hound", entity="dog-1")

        assert run("concept_level", scene.build()) == []

    def test_reported_once_per_entity_and_pair_whichever_side_is_broader(self):
        scene = _scene()
        scene.add("cam", "segment", "vehicle", entity="car-1", start=0, end=1000)
        scene.add("caption", "span", "car", entity="car-1")

        [finding] = run("concept_level", scene.build())

        assert finding.key == "concept_level:car-1:text|video"
        assert "broader 'vehicle' in video" in finding.message


class TestResolution:
    def test_timed_in_video_but_only_tagged_in_text_is_reported(self):
        scene = _scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("cam", "segment", "dog", entity="dog-1", start=3000, end=4000)
        tag = scene.add("caption", "tag", "dog", entity="dog-1")

        [finding] = run("resolution", scene.build())

        assert finding.type == FindingType.GRANULARITY
        assert tag.id in finding.annotation_ids
        assert len(finding.annotation_ids) == 3

    def test_a_text_span_counts_as_resolved(self):
        scene = _scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("caption", "span", "dog", entity="dog-1")

        assert run("resolution", scene.build()) == []

    def test_only_the_rule_pairs_are_compared(self):
        scene = SceneBuilder().stream("mic", "audio").stream("caption", "text")
        scene.add("mic", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("caption", "tag", "dog", entity="dog-1")

        assert run("resolution", scene.build()) == []
        assert run(
            "resolution", scene.build(), rules={"resolution": {"pairs": [["audio", "text"]]}}
        )
