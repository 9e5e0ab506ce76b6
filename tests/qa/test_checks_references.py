from qa.checks.codes import FindingType
from tests.qa.scenes import SceneBuilder, run


class TestUnmentionedEntity:
    def _scene(self) -> SceneBuilder:
        return SceneBuilder().stream("photo", "image").stream("caption", "text")

    def test_an_image_object_missing_from_the_caption_is_reported(self):
        scene = self._scene()
        box = scene.add("photo", "bbox", "dog", entity="dog-2", start=0, bbox=[0, 0, 5, 5])
        scene.add("photo", "bbox", "dog", entity="dog-1", start=0, bbox=[9, 9, 5, 5])
        scene.add("caption", "span", "puppy", entity="dog-1")

        [finding] = run("unmentioned_entity", scene.build())

        assert finding.type == FindingType.MISSING_REFERENCE
        assert finding.annotation_ids == (box.id,)
        assert finding.key == "unmentioned_entity:dog-2:image>text"
        assert "dog-2 is annotated in image" in finding.message

    def test_the_rule_is_one_way(self):
        scene = self._scene()
        scene.add("caption", "span", "dog", entity="dog-1")

        assert run("unmentioned_entity", scene.build()) == []

    def test_no_partner_stream_means_nothing_to_mention_it_in(self):
        scene = SceneBuilder().stream("photo", "image")
        scene.add("photo", "bbox", "dog", entity="dog-1", start=0, bbox=[0, 0, 5, 5])

        assert run("unmentioned_entity", scene.build()) == []


class TestUnmatchedEvent:
    def _scene(self, audio_offset=0.0) -> SceneBuilder:
        return SceneBuilder().stream("cam", "video").stream("mic", "audio", offset_ms=audio_offset)

    def test_an_audio_event_with_no_visual_annotation_at_its_time_is_reported(self):
        scene = self._scene()
        for t in range(0, 2000, 100):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5])
        bark = scene.add("mic", "segment", "dog", start=5000, end=5400)

        [finding] = run("unmatched_event", scene.build())

        assert finding.annotation_ids == (bark.id,)
        assert finding.measured == 3100  # from the last box at 1.9 s to 5.0 s
        assert finding.key == f"unmatched_event:audio>video:{bark.id}"

    def test_an_event_during_a_visual_track_is_matched(self):
        scene = self._scene()
        for t in range(0, 2000, 100):
            scene.add("cam", "bbox", "car", entity="car-1", start=t, bbox=[0, 0, 5, 5])
        scene.add("mic", "segment", "car", start=1020, end=1070)

        assert run("unmatched_event", scene.build()) == []

    def test_master_time_decides_not_stream_time(self):
        on_time = self._scene(audio_offset=4000)
        late = self._scene(audio_offset=0)
        for scene in (on_time, late):
            scene.add("cam", "segment", "dog", start=5000, end=5500)
            scene.add("mic", "segment", "dog", start=1000, end=1400)

        assert run("unmatched_event", on_time.build()) == []
        assert len(run("unmatched_event", late.build())) == 1

    def test_an_event_whose_entity_is_annotated_in_the_partner_is_not_unmatched(self):
        scene = self._scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=500)
        scene.add("mic", "segment", "dog", entity="dog-1", start=5000, end=5400)

        assert run("unmatched_event", scene.build()) == []


class TestCountMismatch:
    def _scene(self) -> SceneBuilder:
        return (
            SceneBuilder().stream("cam", "video").stream("caption", "text").stream("mic", "audio")
        )

    def test_three_dogs_in_video_and_two_in_text_is_reported(self):
        scene = self._scene()
        for n in (1, 2, 3):
            scene.add("cam", "segment", "dog", entity=f"dog-{n}", start=0, end=100)
        for n in (1, 2):
            scene.add("caption", "span", "dog", entity=f"dog-{n}")

        [finding] = run("count_mismatch", scene.build())

        assert finding.key == "count_mismatch:dog:text|video"
        assert finding.measured == 1
        assert "video has 3 'dog' entities but text has 2 (dog-3 not in text)" in finding.message

    def test_coarser_labels_explain_the_difference(self):
        scene = self._scene()
        scene.add("cam", "segment", "dog", entity="d1", start=0, end=100)
        scene.add("cam", "segment", "dog", entity="d2", start=0, end=100)
        scene.add("caption", "span", "dog", entity="t1")
        scene.add("caption", "span", "animal", entity="t2")

        assert run("count_mismatch", scene.build()) == []

    def test_a_relabelled_entity_is_a_label_problem_not_a_count_problem(self):
        scene = self._scene()
        scene.add("cam", "segment", "dog", entity="pet-1", start=0, end=100)
        scene.add("cam", "segment", "dog", entity="pet-2", start=0, end=100)
        scene.add("caption", "span", "dog", entity="pet-1")
        scene.add("caption", "span", "cat", entity="pet-2")

        assert run("count_mismatch", scene.build()) == []

    def test_a_concept_only_one_modality_annotates_is_not_compared(self):
        scene = self._scene()
        scene.add("cam", "segment", "dog", entity="dog-1", start=0, end=100)
        scene.add("caption", "span", "car", entity="car-1")

        assert run("count_mismatch", scene.build()) == []

    def test_synonyms_count_as_their_concept_and_ignored_modalities_are_skipped(self):
        scene = self._scene()
        scene.add("cam", "segment", "car", entity="car-1", start=0, end=100)
        scene.add("cam", "segment", "car", entity="car-2", start=0, end=100)
        scene.add("mic", "segment", "engine", entity="car-1", start=0, end=100)

        [finding] = run("count_mismatch", scene.build())
        assert finding.key == "count_mismatch:car:audio|video"
        rules = {"count_mismatch": {"ignore_modalities": ["audio"]}}
        assert run("count_mismatch", scene.build(), rules=rules) == []

    def test_what_unmentioned_entity_reports_is_not_counted_twice(self):
        scene = SceneBuilder().stream("photo", "image").stream("caption", "text")
        for n in (1, 2):
            scene.add("photo", "bbox", "dog", entity=f"dog-{n}", start=0, bbox=[0, 0, 1, 1])
        scene.add("caption", "span", "dog", entity="dog-1")

        assert run("count_mismatch", scene.build()) == []
        assert len(run("unmentioned_entity", scene.build())) == 1
