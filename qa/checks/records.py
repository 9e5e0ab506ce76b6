"""Plain records the checks read and write. No ORM: the service builds them from
`values_list()` rows, tests build them by hand.

Every time in an `AnnotationRecord` is on the data point's MASTER clock. The one
place that converts stream time to master time is `AnnotationRecord.on_stream`, used
by the loader and by the tests alike, so raw stream times never reach a check.
"""

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from types import MappingProxyType
from typing import Any

from qa.checks.codes import INTERVAL_KINDS, TRACK_KINDS

Matrix34 = tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True, slots=True)
class Cuboid:
    center: tuple[float, float, float]
    size: tuple[float, float, float]
    yaw: float = 0.0
    # (x, y, z, l, w, h, yaw): one row of the NumPy geometry arrays, built once.
    flat: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flat", (*self.center, *self.size, self.yaw))

    @classmethod
    def parse(cls, raw: Any) -> "Cuboid | None":
        """{"center": [x, y, z], "size": [l, w, h], "yaw": rad}; None when malformed."""
        try:
            center = tuple(map(float, raw["center"]))
            size = tuple(map(float, raw["size"]))
            yaw = float(raw.get("yaw") or 0.0)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if len(center) != 3 or len(size) != 3:
            return None
        return cls(center, size, yaw)  # type: ignore[arg-type]


def parse_bbox(raw: Any) -> tuple[float, float, float, float] | None:
    """[x, y, w, h] in pixels; None when malformed."""
    try:
        box = tuple(map(float, raw))
    except (TypeError, ValueError):
        return None
    return box if len(box) == 4 else None  # type: ignore[return-value]


def parse_projection(calibration: Any) -> Matrix34 | None:
    """The 3x4 camera matrix of a calibration, or None when absent or malformed."""
    if not isinstance(calibration, Mapping):
        return None
    raw = calibration.get("projection")
    try:
        rows = tuple(tuple(float(v) for v in row) for row in raw)
    except (TypeError, ValueError):
        return None
    if len(rows) != 3 or any(len(row) != 4 for row in rows):
        return None
    return rows  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class StreamRecord:
    key: str
    modality: str
    offset_ms: float = 0.0
    rate_hz: float | None = None
    calibration: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def projection(self) -> Matrix34 | None:
        return parse_projection(self.calibration)


_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AnnotationRecord:
    id: int
    datapoint_id: int
    task_id: int
    annotator_id: int | None
    modality: str
    stream_key: str
    kind: str
    label: str
    entity: str = ""
    start_ms: float | None = None  # master clock
    end_ms: float | None = None  # master clock
    bbox: tuple[float, float, float, float] | None = None
    cuboid: Cuboid | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def on_stream(
        cls,
        stream: StreamRecord,
        *,
        id: int,
        datapoint_id: int,
        task_id: int,
        annotator_id: int | None,
        kind: str,
        label: str,
        entity: str = "",
        start_ms: float | None = None,
        end_ms: float | None = None,
        bbox: Any = None,
        cuboid: Any = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> "AnnotationRecord":
        """Build a record from stream-time values: times move to the master clock
        through the stream's offset, geometry is parsed from its JSON shape."""
        offset = stream.offset_ms
        return cls(
            id,
            datapoint_id,
            task_id,
            annotator_id,
            stream.modality,
            stream.key,
            kind,
            label,
            entity,
            None if start_ms is None else start_ms + offset,
            None if end_ms is None else end_ms + offset,
            None if bbox is None else parse_bbox(bbox),
            None if cuboid is None else Cuboid.parse(cuboid),
            attributes or {},
        )

    @classmethod
    def on_stream_parsed(
        cls,
        stream: StreamRecord,
        id: int,
        datapoint_id: int,
        task_id: int,
        annotator_id: int | None,
        kind: str,
        label: str,
        entity: str,
        start_ms: float | None,
        end_ms: float | None,
        bbox: tuple[float, float, float, float] | None,
        cuboid: "Cuboid | None",
    ) -> "AnnotationRecord":
        """`on_stream` for geometry already parsed (the loader's fast path on
        PostgreSQL): positional, and filling the slots directly, which is about
        twice as fast as a frozen dataclass's __init__ and gives an equal record."""
        offset = stream.offset_ms
        record = _new_object(cls)
        (s_id, s_dp, s_task, s_ann, s_mod, s_key, s_kind, s_label, s_entity) = _SETTERS[:9]
        (s_start, s_end, s_bbox, s_cuboid, s_attributes) = _SETTERS[9:]
        s_id(record, id)
        s_dp(record, datapoint_id)
        s_task(record, task_id)
        s_ann(record, annotator_id)
        s_mod(record, stream.modality)
        s_key(record, stream.key)
        s_kind(record, kind)
        s_label(record, label)
        s_entity(record, entity)
        s_start(record, None if start_ms is None else start_ms + offset)
        s_end(record, None if end_ms is None else end_ms + offset)
        s_bbox(record, bbox)
        s_cuboid(record, cuboid)
        s_attributes(record, _NO_ATTRIBUTES)
        return record

    @property
    def is_interval(self) -> bool:
        return self.kind in INTERVAL_KINDS and self.start_ms is not None and self.end_ms is not None

    @property
    def is_track_point(self) -> bool:
        return self.kind in TRACK_KINDS and self.start_ms is not None

    @property
    def is_item_level(self) -> bool:
        """A tag without time: says something about the whole item, nowhere in it."""
        return self.kind == "tag" and self.start_ms is None

    @property
    def last_ms(self) -> float | None:
        return self.end_ms if self.end_ms is not None else self.start_ms


_new_object = object.__new__
# The slot descriptors of every field, in field order: their __set__ bypasses the
# frozen __setattr__, for on_stream_parsed only.
_SETTERS = tuple(getattr(AnnotationRecord, f.name).__set__ for f in fields(AnnotationRecord))
assert len(_SETTERS) == 14


@dataclass(frozen=True, slots=True)
class Track:
    """One annotator's boxes or cuboids of one entity in one stream, in time order."""

    entity: str
    stream_key: str
    modality: str
    task_id: int
    kind: str
    items: tuple[AnnotationRecord, ...]

    @property
    def times(self) -> list[float]:
        return [item.start_ms for item in self.items]  # type: ignore[misc]


@dataclass(frozen=True)
class Scene:
    """One data point's streams and annotations, with the groupings every check
    needs computed once and cached."""

    datapoint_id: int
    streams: tuple[StreamRecord, ...]
    annotations: tuple[AnnotationRecord, ...]

    @cached_property
    def stream_by_key(self) -> dict[str, StreamRecord]:
        return {stream.key: stream for stream in self.streams}

    @cached_property
    def time_ordered(self) -> list[AnnotationRecord]:
        """Every annotation in master-time order (untimed last, then by id): sorted
        once, so the groupings below come out in that order without sorting again."""
        return sorted(self.annotations, key=_time_order)

    @cached_property
    def by_entity(self) -> dict[str, dict[str, list[AnnotationRecord]]]:
        """entity -> modality -> annotations in master-time order (untimed last)."""
        grouped: dict[str, dict[str, list[AnnotationRecord]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for annotation in self.time_ordered:
            if annotation.entity:
                grouped[annotation.entity][annotation.modality].append(annotation)
        return {entity: dict(modalities) for entity, modalities in grouped.items()}

    @cached_property
    def tracks(self) -> dict[str, list[Track]]:
        """entity -> its tracks (boxes or cuboids per stream, annotator and kind)."""
        grouped: dict[tuple, list[AnnotationRecord]] = defaultdict(list)
        for annotation in self.time_ordered:
            if annotation.entity and annotation.is_track_point:
                key = (
                    annotation.entity,
                    annotation.stream_key,
                    annotation.task_id,
                    annotation.kind,
                )
                grouped[key].append(annotation)
        tracks: dict[str, list[Track]] = defaultdict(list)
        for (entity, stream_key, task_id, kind), items in sorted(grouped.items()):
            tracks[entity].append(
                Track(entity, stream_key, items[0].modality, task_id, kind, tuple(items))
            )
        return dict(tracks)


def _time_order(annotation: AnnotationRecord) -> tuple:
    start = annotation.start_ms
    return (start is None, start if start is not None else 0.0, annotation.id)


@dataclass(frozen=True, slots=True)
class FindingDraft:
    """A sync error as a check reports it; the service turns drafts into findings and
    matches them with earlier ones by (datapoint_id, key)."""

    datapoint_id: int
    type: str
    check: str
    severity: str
    annotation_ids: tuple[int, ...]
    measured: float | None
    threshold: float | None
    message: str
    modality_a: str
    modality_b: str
    key: str
    entity: str = ""


KEY_MAX = 255


def finding_key(check: str, *parts: object) -> str:
    """A stable, readable key; hashed past the column's length."""
    key = ":".join([check, *(str(part) for part in parts)])
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"{key[: KEY_MAX - 41]}#{digest}"


def modality_pair(a: str, b: str = "") -> tuple[str, str]:
    """Pairs are stored in alphabetical order so filters need not know the direction."""
    if not b:
        return a, ""
    return (a, b) if a <= b else (b, a)


def seconds(ms: float | None) -> str:
    return "?" if ms is None else f"{ms / 1000:.2f} s"


def ids_of(annotations: Sequence[AnnotationRecord]) -> tuple[int, ...]:
    return tuple(sorted({annotation.id for annotation in annotations}))


def describe(annotation: AnnotationRecord) -> str:
    """'the audio segment at 12.42 s' / 'the text tag', for messages."""
    where = f" at {seconds(annotation.start_ms)}" if annotation.start_ms is not None else ""
    return f"the {annotation.modality} {annotation.kind}{where}"
