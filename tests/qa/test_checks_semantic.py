"""label_conflict, unknown_term and concept_level: labels compared as concepts."""

from qa.checks.codes import FindingType
from tests.qa.scenes import SceneBuilder, run


def _scene() -> SceneBuilder:
    return SceneBuilder().stream("cam", "video").stream("mic", "audio").stream("caption", "text")


class TestLabelConflict:
    def test_synonyms_of_their_own_modality_are_not_conflicts(self):
        scene = _scene()
        scene.add("cam", "segment", "car", entity="car-1", start=0, end=1000)
        scene.add("mic", "segment", "engine", entity="car-1", start=0, end=1000)
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("caption", "tag", "puppy", entity="dog-1")

        assert run("label_conflict", scene.build()) == []
        assert run("unknown_term", scene.build()) == []

    def test_unrelated_concepts_of_one_entity_are_a_semantic_conflict(self):
        scene = _scene()
        video = scene.add("cam", "segment", "dog", entity="pet-1", start=0, end=1000)
        audio = scene.add("mic", "segment", "cat", entity="pet-1", start=0, end=1000)

        [finding] = run("label_conflict", scene.build())

        assert finding.type == FindingType.SEMANTIC
        assert finding.annotation_ids == (video.id, audio.id)
        assert finding.key == "label_conflict:pet-1:audio|video"
        assert "pet-1 is 'cat' (cat) in audio but 'dog' (dog) in video" in finding.message

    def test_ancestor_and_descendant_are_granularity_not_a_conflict(self):
        scene = _scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("caption", "tag", "animal", entity="dog-1")

        assert run("label_conflict", scene.build()) == []
        [finding] = run("concept_level", scene.build())
        assert finding.type == FindingType.GRANULARITY
        assert "broader 'animal' in text but the more specific 'dog' in video" in finding.message

    def test_one_agreeing_overlap_copy_is_enough(self):
        scene = _scene()
        scene.add("cam", "segment", "car", entity="car-1", start=0, end=1000, task=1)
        scene.add("cam", "segment", "car", entity="car-1", start=0, end=1000, task=2)
        scene.add("mic", "segment", "car", entity="car-1", start=0, end=1000, task=3)

        assert run("label_conflict", scene.build()) == []

    def test_a_synonym_of_another_modality_is_an_unknown_term_not_a_conflict(self):
        scene = _scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=1000)
        scene.add("mic", "segment", "puppy", entity="dog-1", start=0, end=1000)

        assert run("label_conflict", scene.build()) == []
        [finding] = run("unknown_term", scene.build())
        assert finding.key == "unknown_term:audio:puppy"


class TestUnknownTerm:
    def test_a_label_outside_the_ontology_is_reported_once_per_label_and_modality(self):
        scene = _scene()
        first = scene.add("cam", "bbox", "kar", entity="car-1", start=0, bbox=[0, 0, 1, 1])
        second = scene.add("cam", "bbox", "kar", entity="car-1", start=100, bbox=[0, 0, 1, 1])
        scene.add("cam", "bbox", "car", entity="car-2", start=0, bbox=[0, 0, 1, 1])

        [finding] = run("unknown_term", scene.build())

        assert finding.annotation_ids == (first.id, second.id)
        assert finding.entity == "car-1"
        assert finding.message.startswith("'kar' is not a term of animals v1")

    def test_keys_written_another_way_are_known(self):
        scene = _scene()
        scene.add("cam", "tag", "Dog")
        scene.add("cam", "tag", " CAR ")

        assert run("unknown_term", scene.build()) == []


class TestSharedLabelResolution:
    def test_label_conflict_and_concept_level_compare_the_labels_of_a_scene_once(self):
        from qa.checks import granularity, semantic
        from tests.qa.scenes import context

        scene = _scene()
        scene.add("cam", "segment", "dog", entity="pet-1", start=0, end=1000)
        scene.add("mic", "segment", "cat", entity="pet-1", start=0, end=1000)
        scene.add("caption", "tag", "animal", entity="pet-1")
        built, ctx = scene.build(), context()

        conflicts = semantic.label_conflict([built], ctx)
        levels = granularity.concept_level([built], ctx)

        assert semantic.label_mismatches(built, ctx) is semantic.label_mismatches(built, ctx)
        assert [d.check for d in conflicts] == ["label_conflict"]
        assert {d.check for d in levels} == {"concept_level"}
        # another context (other rules or ontology) never reuses this one's result
        assert semantic.label_mismatches(built, context()) is not semantic.label_mismatches(
            built, ctx
        )
