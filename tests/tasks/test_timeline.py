"""The master-clock timeline figure, built from plain records: no database."""

from types import SimpleNamespace

import plotly.graph_objects as go

from tasks.timeline import (
    NO_ENTITY_COLOUR,
    AnnotationRecord,
    StreamRecord,
    annotations_by_stream,
    build_figure,
    entity_colours,
)

VIDEO = StreamRecord(key="cam-front", modality="video", offset_ms=0.0, rate_hz=30.0)
AUDIO = StreamRecord(key="mic", modality="audio", offset_ms=320.0, rate_hz=16000.0)
TEXT = StreamRecord(key="transcript", modality="text", offset_ms=-40.0)
STREAMS = [VIDEO, AUDIO, TEXT]


def segment(id: int, stream: StreamRecord, start: float, end: float, entity: str = "dog-1"):
    return AnnotationRecord(
        id=id, stream_key=stream.key, kind="segment", label="dog", entity=entity,
        start_ms=start, end_ms=end, annotator="alice",
    )  # fmt: skip


def traces_of(figure: dict, stream: StreamRecord) -> list[dict]:
    return [trace for trace in figure["data"] if trace["meta"]["stream"] == stream.key]


def bar_of(figure: dict, stream: StreamRecord) -> dict:
    (bar,) = [t for t in traces_of(figure, stream) if t["type"] == "bar"]
    return bar


class TestMasterClock:
    def test_a_segment_is_drawn_at_stream_time_plus_the_stream_offset(self):
        figure = build_figure(STREAMS, [segment(1, AUDIO, 1000.0, 2000.0)])

        bar = bar_of(figure, AUDIO)
        assert bar["base"] == [1320.0]
        assert [bar["base"][0] + bar["x"][0]] == [2320.0]

    def test_a_negative_offset_moves_the_segment_earlier(self):
        figure = build_figure(STREAMS, [segment(1, TEXT, 1000.0, 1500.0)])

        bar = bar_of(figure, TEXT)
        assert (bar["base"][0], bar["base"][0] + bar["x"][0]) == (960.0, 1460.0)

    def test_a_box_is_a_marker_at_its_master_time(self):
        box = AnnotationRecord(
            id=7, stream_key=AUDIO.key, kind="bbox", label="dog", entity="dog-1",
            start_ms=500.0, bbox=[1, 2, 3, 4],
        )  # fmt: skip
        figure = build_figure(STREAMS, [box])

        (points,) = [t for t in traces_of(figure, AUDIO) if t["type"] == "scatter"]
        assert points["x"] == [820.0]
        assert points["marker"]["symbol"] == ["square"]
        assert points["customdata"] == [7]

    def test_a_tag_is_an_item_level_marker_at_its_stream_start(self):
        tag = AnnotationRecord(id=3, stream_key=AUDIO.key, kind="tag", label="animal")
        figure = build_figure(STREAMS, [tag])

        (points,) = [t for t in traces_of(figure, AUDIO) if t["type"] == "scatter"]
        assert points["x"] == [320.0]
        assert "item-level" in points["hovertext"][0]

    def test_tables_list_master_and_stream_times_in_master_order(self):
        late = segment(1, AUDIO, 3000.0, 3500.0)
        early = segment(2, AUDIO, 100.0, 200.0)
        tag = AnnotationRecord(id=3, stream_key=AUDIO.key, kind="tag", label="animal")

        groups = annotations_by_stream(STREAMS, [late, tag, early])

        assert [g.stream.key for g in groups] == ["cam-front", "mic", "transcript"]
        rows = groups[1].annotations
        assert [row.record.id for row in rows] == [2, 1, 3]
        assert (rows[0].master_start_ms, rows[0].master_end_ms) == (420.0, 520.0)
        assert rows[2].master_start_ms is None


class TestRows:
    def test_every_stream_has_one_row_and_one_bar_trace_even_without_annotations(self):
        figure = build_figure(STREAMS, [segment(1, VIDEO, 0.0, 100.0)])

        assert figure["layout"]["yaxis"]["tickvals"] == [0, 1, 2]
        assert [len([t for t in traces_of(figure, s) if t["type"] == "bar"]) for s in STREAMS] == [
            1,
            1,
            1,
        ]
        assert "cam-front" in figure["layout"]["yaxis"]["ticktext"][0]

    def test_each_trace_sits_on_its_streams_row(self):
        annotations = [segment(1, VIDEO, 0, 100), segment(2, AUDIO, 0, 100)]
        annotations.append(AnnotationRecord(id=3, stream_key=TEXT.key, kind="tag", label="x"))
        figure = build_figure(STREAMS, annotations)

        for row, stream in enumerate(STREAMS):
            for trace in traces_of(figure, stream):
                assert set(trace["y"]) <= {row}

    def test_no_streams_gives_an_empty_but_valid_figure(self):
        figure = build_figure([], [])

        assert figure["data"] == []
        go.Figure(figure)


class TestColours:
    def test_the_same_entity_has_the_same_colour_in_every_modality(self):
        figure = build_figure(
            STREAMS,
            [
                segment(1, VIDEO, 1000, 2000, entity="dog-1"),
                segment(2, AUDIO, 1000, 2000, entity="dog-1"),
                segment(3, TEXT, 1000, 2000, entity="dog-1"),
                segment(4, AUDIO, 3000, 3500, entity="car-1"),
            ],
        )

        dog = {bar_of(figure, s)["marker"]["color"][0] for s in STREAMS}
        car = bar_of(figure, AUDIO)["marker"]["color"][1]
        assert len(dog) == 1
        assert car not in dog

    def test_colours_do_not_depend_on_annotation_order(self):
        a = [segment(1, VIDEO, 0, 1, entity="b"), segment(2, VIDEO, 0, 1, entity="a")]

        assert entity_colours(a) == entity_colours(reversed(a))

    def test_annotations_without_an_entity_are_grey(self):
        figure = build_figure(STREAMS, [segment(1, VIDEO, 0, 100, entity="")])

        assert bar_of(figure, VIDEO)["marker"]["color"] == [NO_ENTITY_COLOUR]


class TestHover:
    def test_hover_names_label_entity_annotator_kind_and_both_clocks(self):
        figure = build_figure(STREAMS, [segment(1, AUDIO, 1000.0, 2000.0)])

        text = bar_of(figure, AUDIO)["hovertext"][0]
        for part in ("dog", "segment", "dog-1", "alice", "1320", "2320", "stream 1000"):
            assert part in text

    def test_hover_escapes_imported_labels(self):
        hostile = AnnotationRecord(
            id=1, stream_key=VIDEO.key, kind="segment", label="<img src=x onerror=alert(1)>",
            start_ms=0.0, end_ms=10.0,
        )  # fmt: skip
        figure = build_figure(STREAMS, [hostile])

        assert "<img" not in bar_of(figure, VIDEO)["hovertext"][0]


def test_the_figure_is_valid_for_plotly():
    annotations = [
        segment(1, VIDEO, 1000, 2000),
        AnnotationRecord(id=2, stream_key=VIDEO.key, kind="bbox", label="dog", start_ms=1500.0),
        AnnotationRecord(id=3, stream_key=AUDIO.key, kind="tag", label="speech"),
        AnnotationRecord(
            id=4, stream_key=TEXT.key, kind="cuboid", label="car", start_ms=10.0,
            cuboid={"center": [1, 2, 0], "size": [4, 2, 1.5], "yaw": 0.1},
        ),
    ]  # fmt: skip

    go.Figure(build_figure(STREAMS, annotations))  # raises on any invalid property


def test_highlights_shade_the_clock_and_keep_the_row_separators():
    finding = SimpleNamespace(start_ms=1320.0, end_ms=2320.0, label="offset", severity="error")

    shapes = build_figure(STREAMS, [], highlights=[finding])["layout"]["shapes"]

    assert [s["type"] for s in shapes] == ["line", "line", "rect"]
    assert (shapes[-1]["x0"], shapes[-1]["x1"]) == (1320.0, 2320.0)
