"""The master-clock timeline of one data point, as a plotly figure built from plain
records (no ORM), so it can be tested without a database or a browser.

Annotations are stored in stream time. Everything drawn here is on the data point's
master clock (stream time + the stream's `offset_ms`): drawing raw stream times side
by side is exactly the sync bug SyncPod exists to catch.

Layout: one row per stream, top to bottom in the order given. On each row,
- annotations with a start and a later end (segments, transcripts, timed spans) are
  bars from master start to master end;
- annotations at one instant (bboxes, cuboids) are markers at their master time;
- item-level annotations (tags, untimed spans) are markers stacked at the row's start.
Every stream gets exactly one bar trace (empty when it has no intervals) and at most
one marker trace, both carrying `meta.stream`, so a reader of the figure can tell
which row a trace belongs to. Colour is by entity, so the same real-world object
lines up in the same colour across modalities.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Tableau 10: distinct, readable on white, kind to the common colour-vision deficits.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#79706e",
)
NO_ENTITY_COLOUR = "#c4c9d1"
ROW_HEIGHT_PX = 58
BAR_THICKNESS = 0.56
SYMBOLS = {"bbox": "square", "cuboid": "diamond", "tag": "star", "span": "triangle-right"}
DEFAULT_SYMBOL = "circle"
DASH, TIMES, MINUS = "\u2013", "\u00d7", "\u2212"


@dataclass(frozen=True)
class StreamRecord:
    key: str
    modality: str
    offset_ms: float = 0.0
    rate_hz: float | None = None
    modality_label: str = ""
    uri: str = ""

    def to_master_ms(self, stream_ms: float) -> float:
        return stream_ms + self.offset_ms


@dataclass(frozen=True)
class AnnotationRecord:
    """One annotation as the timeline needs it; `annotator` is already the name the
    viewer may see (a pseudonym for client viewers)."""

    id: int
    stream_key: str
    kind: str
    label: str
    entity: str = ""
    start_ms: float | None = None
    end_ms: float | None = None
    annotator: str = ""
    text: str = ""
    speaker: str = ""
    bbox: Sequence[float] | None = None
    cuboid: dict[str, Any] | None = None
    char_start: int | None = None
    char_end: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def placement(self) -> str:
        """'interval', 'instant' or 'item': how the annotation sits in time."""
        if self.start_ms is None:
            return "item"
        if self.end_ms is not None and self.end_ms > self.start_ms:
            return "interval"
        return "instant"


@dataclass(frozen=True)
class TimedAnnotation:
    """An annotation with its times on the master clock, for tables."""

    record: AnnotationRecord
    master_start_ms: float | None
    master_end_ms: float | None
    colour: str
    detail: str


@dataclass(frozen=True)
class StreamAnnotations:
    stream: StreamRecord
    annotations: list[TimedAnnotation]


def entity_colours(annotations: Iterable[AnnotationRecord]) -> dict[str, str]:
    """Entity → colour, assigned in sorted entity order so a figure is deterministic
    and the first ten entities never share a colour."""
    entities = sorted({a.entity for a in annotations if a.entity})
    return {entity: PALETTE[index % len(PALETTE)] for index, entity in enumerate(entities)}


def master_span(
    stream: StreamRecord, annotation: AnnotationRecord
) -> tuple[float | None, float | None]:
    """The annotation's start and end on the master clock (None where it has none)."""
    start = None if annotation.start_ms is None else stream.to_master_ms(annotation.start_ms)
    end = None if annotation.end_ms is None else stream.to_master_ms(annotation.end_ms)
    return start, end


def describe_geometry(annotation: AnnotationRecord) -> str:
    """A short human reading of what the annotation carries besides its label."""
    if annotation.kind == "bbox" and annotation.bbox and len(annotation.bbox) == 4:
        x, y, w, h = (_num(v) for v in annotation.bbox)
        return f"box at ({x}, {y}), {w}{TIMES}{h} px"
    if annotation.kind == "cuboid" and annotation.cuboid:
        centre = ", ".join(_num(v) for v in annotation.cuboid.get("center") or [])
        size = TIMES.join(_num(v) for v in annotation.cuboid.get("size") or [])
        yaw = annotation.cuboid.get("yaw")
        text = f"centre ({centre}), size {size}"
        return f"{text}, yaw {_num(yaw)} rad" if yaw is not None else text
    if annotation.char_start is not None and annotation.char_end is not None:
        text = f"characters {annotation.char_start}{DASH}{annotation.char_end}"
        return f"{text}: “{annotation.text}”" if annotation.text else text
    if annotation.text:
        speaker = f"{annotation.speaker}: " if annotation.speaker else ""
        return f"{speaker}“{annotation.text}”"
    if annotation.attributes:
        return ", ".join(f"{k}={v}" for k, v in sorted(annotation.attributes.items()))
    return ""


def annotations_by_stream(
    streams: Sequence[StreamRecord], annotations: Iterable[AnnotationRecord]
) -> list[StreamAnnotations]:
    """Every stream with its annotations in master-time order (item-level last)."""
    colours = entity_colours(annotations := list(annotations))
    grouped: dict[str, list[TimedAnnotation]] = defaultdict(list)
    by_key = {stream.key: stream for stream in streams}
    for annotation in annotations:
        stream = by_key.get(annotation.stream_key)
        if stream is None:
            continue
        start, end = master_span(stream, annotation)
        grouped[stream.key].append(
            TimedAnnotation(
                record=annotation,
                master_start_ms=start,
                master_end_ms=end,
                colour=colours.get(annotation.entity, NO_ENTITY_COLOUR),
                detail=describe_geometry(annotation),
            )
        )
    for rows in grouped.values():
        rows.sort(key=lambda row: (row.master_start_ms is None, row.master_start_ms or 0.0))
    return [StreamAnnotations(stream=s, annotations=grouped.get(s.key, [])) for s in streams]


def build_figure(
    streams: Sequence[StreamRecord],
    annotations: Iterable[AnnotationRecord],
    *,
    highlights: Sequence[Any] = (),
) -> dict[str, Any]:
    """The plotly figure (a JSON-ready dict with `data` and `layout`). `highlights`
    (objects with start_ms, end_ms, label, severity on the master clock) are shaded
    across every row, so a finding shows where on the clock it is."""
    annotations = list(annotations)
    colours = entity_colours(annotations)
    by_stream: dict[str, list[AnnotationRecord]] = defaultdict(list)
    for annotation in annotations:
        by_stream[annotation.stream_key].append(annotation)

    left, right = _master_extent(streams, annotations)
    item_step = (right - left) * 0.012
    traces: list[dict[str, Any]] = []
    for row, stream in enumerate(streams):
        bars = _interval_trace(row, stream, by_stream[stream.key], colours)
        traces.append(bars)
        points = _point_trace(row, stream, by_stream[stream.key], colours, item_step)
        if points is not None:
            traces.append(points)

    layout = _layout(streams, left, right)
    layout["shapes"] += [_highlight_shape(highlight) for highlight in highlights]
    return {"data": traces, "layout": layout}


HIGHLIGHT_COLOURS = {"error": "rgba(164, 38, 44, 0.14)", "warning": "rgba(138, 75, 0, 0.12)"}


def _highlight_shape(highlight: Any) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": highlight.start_ms,
        "x1": max(highlight.end_ms, highlight.start_ms + 1),
        "y0": 0,
        "y1": 1,
        "line": {"width": 0},
        "fillcolor": HIGHLIGHT_COLOURS.get(highlight.severity, "rgba(52, 81, 178, 0.10)"),
        "layer": "below",
        "name": highlight.label,
    }


def _interval_trace(
    row: int, stream: StreamRecord, annotations: list[AnnotationRecord], colours: dict[str, str]
) -> dict[str, Any]:
    intervals = [a for a in annotations if a.placement == "interval"]
    starts, lengths, texts = [], [], []
    for annotation in intervals:
        start, end = master_span(stream, annotation)
        starts.append(start)
        lengths.append(end - start)
        texts.append(_hover(stream, annotation))
    return {
        "type": "bar",
        "orientation": "h",
        "name": stream.key,
        "meta": {"stream": stream.key, "placement": "interval"},
        "y": [row] * len(intervals),
        "base": starts,
        "x": lengths,
        "width": BAR_THICKNESS,
        "customdata": [a.id for a in intervals],
        "hovertext": texts,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "marker": {
            "color": [colours.get(a.entity, NO_ENTITY_COLOUR) for a in intervals],
            "line": {"color": "#ffffff", "width": 1},
        },
        "showlegend": False,
    }


def _point_trace(
    row: int,
    stream: StreamRecord,
    annotations: list[AnnotationRecord],
    colours: dict[str, str],
    item_step: float,
) -> dict[str, Any] | None:
    points = [a for a in annotations if a.placement != "interval"]
    if not points:
        return None
    xs: list[float] = []
    item_index = 0
    for annotation in points:
        if annotation.placement == "instant":
            xs.append(stream.to_master_ms(annotation.start_ms))
        else:
            # Item-level: no time of its own; stacked like badges at the stream's start.
            xs.append(stream.offset_ms + item_index * item_step)
            item_index += 1
    return {
        "type": "scatter",
        "mode": "markers",
        "name": stream.key,
        "meta": {"stream": stream.key, "placement": "point"},
        "x": xs,
        "y": [row] * len(points),
        "customdata": [a.id for a in points],
        "hovertext": [_hover(stream, a) for a in points],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "marker": {
            "color": [colours.get(a.entity, NO_ENTITY_COLOUR) for a in points],
            "symbol": [SYMBOLS.get(a.kind, DEFAULT_SYMBOL) for a in points],
            "size": 13,
            "line": {"color": "#1f2937", "width": 1},
        },
        "showlegend": False,
    }


def _hover(stream: StreamRecord, annotation: AnnotationRecord) -> str:
    """Hover text; every value is escaped because labels come from imported files."""
    esc = html.escape
    lines = [f"<b>{esc(annotation.label)}</b> · {esc(annotation.kind)}"]
    lines.append(f"entity: {esc(annotation.entity) if annotation.entity else '—'}")
    if annotation.annotator:
        lines.append(f"annotator: {esc(annotation.annotator)}")
    start, end = master_span(stream, annotation)
    if annotation.placement == "interval":
        lines.append(
            f"master {_num(start)}{DASH}{_num(end)} ms "
            f"(stream {_num(annotation.start_ms)}{DASH}{_num(annotation.end_ms)} ms)"
        )
    elif annotation.placement == "instant":
        lines.append(f"master {_num(start)} ms (stream {_num(annotation.start_ms)} ms)")
    else:
        lines.append("item-level (no time)")
    if annotation.text:
        text = annotation.text if len(annotation.text) <= 80 else annotation.text[:79] + "…"
        lines.append(f"“{esc(text)}”")
    return "<br>".join(lines)


def _master_extent(
    streams: Sequence[StreamRecord], annotations: list[AnnotationRecord]
) -> tuple[float, float]:
    by_key = {stream.key: stream for stream in streams}
    times = [stream.offset_ms for stream in streams]
    for annotation in annotations:
        stream = by_key.get(annotation.stream_key)
        if stream is not None:
            times.extend(t for t in master_span(stream, annotation) if t is not None)
    if not times:
        return 0.0, 1000.0
    left, right = min(times), max(times)
    if right - left < 1000.0:
        right = left + 1000.0
    return left, right


def _layout(streams: Sequence[StreamRecord], left: float, right: float) -> dict[str, Any]:
    pad = (right - left) * 0.03
    ticktext = [
        f"<b>{html.escape(s.key)}</b><br>"
        f"<span style='font-size:11px'>{html.escape(s.modality_label or s.modality)}"
        f" · {_signed(s.offset_ms)} ms</span>"
        for s in streams
    ]
    return {
        "height": max(ROW_HEIGHT_PX * len(streams), 120) + 90,
        "margin": {"l": _left_margin(streams), "r": 24, "t": 16, "b": 56},
        "barmode": "overlay",
        "hovermode": "closest",
        "showlegend": False,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "size": 12,
            "color": "#1f2937",
        },
        "hoverlabel": {
            "bgcolor": "#ffffff",
            "bordercolor": "#94a3b8",
            "align": "left",
            "font": {"color": "#1f2937", "size": 12},
        },
        "xaxis": {
            "title": {"text": "Master clock (ms)"},
            "range": [left - pad, right + pad],
            "zeroline": True,
            "zerolinecolor": "#94a3b8",
            "gridcolor": "#e5e7eb",
            "tickformat": ",d",
            "showline": True,
            "linecolor": "#cbd5e1",
        },
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(range(len(streams))),
            "ticktext": ticktext,
            "range": [len(streams) - 0.5, -0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
        "shapes": [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": row + 0.5,
                "y1": row + 0.5,
                "line": {"color": "#eef0f3", "width": 1},
                "layer": "below",
            }
            for row in range(len(streams) - 1)
        ],
    }


def _left_margin(streams: Sequence[StreamRecord]) -> int:
    """Room for the longest row label (plotly clips, it does not wrap)."""
    widest = 0
    for s in streams:
        detail = len(s.modality_label or s.modality) + len(_signed(s.offset_ms)) + 6
        widest = max(widest, len(s.key) * 7.5, detail * 6.4)
    return int(min(max(widest + 28, 110), 320))


def _num(value: Any) -> str:
    """Numbers without a trailing '.0', so hover text reads like a person wrote it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _signed(value: float) -> str:
    return ("+" if value >= 0 else MINUS) + _num(abs(value))
