"""The one rule set for data points, streams and annotations.

Imports, the API, pages and sockets all validate through these functions, so an
annotation that can be imported can be drawn and the reverse. They are pure: plain
data in, `(clean, errors)` out, no database. Every error is `{field, reason}` with a
path such as `streams[1].offset_ms` or `annotations[3].end_ms`, so a person can find
the value at fault. Anything the database would refuse (lengths, NUL characters,
non-finite numbers, integer ranges) is refused here, because imports write in bulk
and one bad row must not sink its neighbours.

Labels are not checked against the ontology: an unknown label is kept and reported
later by validation as `unknown_term`, never refused here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from pods.models import Modality
from tasks.models import ANNOTATION_CONTENT_FIELDS, AnnotationKind

Error = dict[str, str]

MAX_EXTERNAL_ID = 200
MAX_KEY = 100
MAX_URI = 1000
MAX_LABEL = 100
MAX_TEXT = 1_000_000
MAX_INTEGER = 2**31 - 1
MAX_JSON_DEPTH = 20

KINDS = frozenset(AnnotationKind.values)
MODALITIES = frozenset(Modality.values)
TIMED_KINDS = frozenset({AnnotationKind.SEGMENT, AnnotationKind.TRANSCRIPT})

RECORD_FIELDS = frozenset({"external_id", "streams", "meta", "is_calibration", "annotations"})
STREAM_FIELDS = frozenset({"key", "modality", "uri", "offset_ms", "rate_hz", "calibration"})
ANNOTATION_FIELDS = frozenset({"stream", "annotator", *ANNOTATION_CONTENT_FIELDS})
CUBOID_FIELDS = frozenset({"center", "size", "yaw"})
# Geometry that belongs to one kind only; on another kind it is a mistake.
_KIND_ONLY = {"bbox": "bbox", "cuboid": "cuboid", "char_start": "span", "char_end": "span"}


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# A field is passed around as its path, or lazily as (prefix, name): most values are
# valid, and building 300,000 path strings that are never shown costs a fifth of the
# validation time of a large import.
Field = str | tuple[str, str]


def _name(field: Field) -> str:
    return field if type(field) is str else _path(*field)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def is_storable_text(text: str) -> bool:
    """False for text no database column can hold: NUL, or lone surrogates (which is
    what bytes that are not UTF-8 become when an upload is read)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _string(
    value: Any,
    field: Field,
    errors: list[Error],
    *,
    max_length: int,
    required: bool = False,
    blank: bool = True,
) -> str:
    """A string field; missing or null is '' unless required."""
    if value is None:
        if required:
            errors.append({"field": _name(field), "reason": "is required"})
        return ""
    if type(value) is not str:
        errors.append(
            {"field": _name(field), "reason": f"must be a string, not {_type_name(value)}"}
        )
        return ""
    if not blank and not value.strip():
        errors.append({"field": _name(field), "reason": "must not be empty"})
    elif len(value) > max_length:
        errors.append(
            {
                "field": _name(field),
                "reason": f"is {len(value)} characters long; the most is {max_length}",
            }
        )
    elif not is_storable_text(value):
        errors.append(
            {
                "field": _name(field),
                "reason": "contains a NUL character or bytes that are not UTF-8",
            }
        )
    return value


def _number(value: Any, field: Field, errors: list[Error]) -> float | None:
    """A finite number (booleans are not numbers here), as a float; None stays None."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
    elif kind is int:
        try:
            return float(value)
        except OverflowError:
            pass
    elif value is None:
        return None
    else:
        errors.append(
            {"field": _name(field), "reason": f"must be a number, not {_type_name(value)}"}
        )
        return None
    errors.append({"field": _name(field), "reason": "must be a finite number"})
    return None


def _integer(value: Any, field: Field, errors: list[Error]) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        errors.append(
            {"field": _name(field), "reason": f"must be an integer, not {_type_name(value)}"}
        )
        return None
    if not 0 <= value <= MAX_INTEGER:
        errors.append({"field": _name(field), "reason": f"must be between 0 and {MAX_INTEGER}"})
        return None
    return value


def _numbers(value: Any, field: str, errors: list[Error], count: int) -> list[float] | None:
    if type(value) is not list or len(value) != count:
        errors.append({"field": field, "reason": f"must be an array of {count} numbers"})
        return None
    numbers = []
    for index, item in enumerate(value):
        kind = type(item)
        if kind is float:
            if math.isfinite(item):
                numbers.append(item)
                continue
        elif kind is int:
            try:
                numbers.append(float(item))
                continue
            except OverflowError:
                pass
        else:
            reason = f"must be a number, not {_type_name(item)}"
            errors.append({"field": f"{field}[{index}]", "reason": reason})
            return None
        errors.append({"field": f"{field}[{index}]", "reason": "must be a finite number"})
        return None
    return numbers


def json_object(value: Any, field: str, errors: list[Error]) -> dict:
    """A free-form JSON object (meta, attributes, calibration) that every database can
    store: string keys, finite numbers, storable text, bounded nesting."""
    if type(value) is not dict:
        errors.append({"field": field, "reason": f"must be an object, not {_type_name(value)}"})
        return {}
    if value:
        _check_json(value, field, errors, 0)
    return value


def _check_json(value: Any, field: str, errors: list[Error], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        errors.append({"field": field, "reason": f"is nested more than {MAX_JSON_DEPTH} deep"})
        return
    kind = type(value)
    if kind is dict:
        items = value.items()
    elif kind is list:
        items = enumerate(value)
    else:
        reason = _json_scalar_problem(value)
        if reason:
            errors.append({"field": field, "reason": reason})
        return
    for key, item in items:
        item_kind = type(item)
        if kind is dict and (type(key) is not str or not is_storable_text(key)):
            errors.append({"field": field, "reason": f"has a key that cannot be stored: {key!r}"})
            continue
        if item_kind is dict or item_kind is list:
            path = f"{field}.{key}" if kind is dict else f"{field}[{key}]"
            _check_json(item, path, errors, depth + 1)
        elif item_kind is not bool and item is not None:
            reason = _json_scalar_problem(item)
            if reason:
                path = f"{field}.{key}" if kind is dict else f"{field}[{key}]"
                errors.append({"field": path, "reason": reason})


def _json_scalar_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        if not is_storable_text(value):
            return "contains a NUL character or bytes that are not UTF-8"
    elif kind is float:
        if not math.isfinite(value):
            return "must be a finite number"
    elif kind is int:
        if not -(2**63) <= value < 2**63:
            return "is too large a number"
    elif value is not None and kind is not bool:
        return f"cannot hold {_type_name(value)}"
    return None


def _unknown_fields(data: dict, allowed: frozenset[str], prefix: str, errors: list[Error]) -> None:
    for name in data.keys() - allowed:
        errors.append(
            {
                "field": _path(prefix, str(name)),
                "reason": f"is not a field here; use {', '.join(sorted(allowed))}",
            }
        )


def validate_calibration(value: Any, field: str, errors: list[Error]) -> dict | None:
    """Null, or an object whose optional `projection` is a 3x4 camera matrix and whose
    optional `pose` is an object; other sensor parameters are kept as given."""
    if value is None:
        return None
    calibration = json_object(value, field, errors)
    if "projection" in calibration:
        projection = calibration["projection"]
        if type(projection) is not list or len(projection) != 3:
            errors.append(
                {"field": f"{field}.projection", "reason": "must be a 3x4 matrix of numbers"}
            )
        else:
            for row_index, row in enumerate(projection):
                _numbers(row, f"{field}.projection[{row_index}]", errors, 4)
    if "pose" in calibration and type(calibration["pose"]) is not dict:
        errors.append({"field": f"{field}.pose", "reason": "must be an object"})
    return calibration


def validate_stream(
    data: Any, *, modalities: Collection[str], field_prefix: str = ""
) -> tuple[dict, list[Error]]:
    """Validate one stream of a data point against the project's modalities."""
    errors: list[Error] = []
    if type(data) is not dict:
        errors.append(
            {
                "field": field_prefix or "stream",
                "reason": f"must be an object, not {_type_name(data)}",
            }
        )
        return {}, errors
    _unknown_fields(data, STREAM_FIELDS, field_prefix, errors)
    clean = {
        "key": _string(
            data.get("key"),
            (field_prefix, "key"),
            errors,
            max_length=MAX_KEY,
            required=True,
            blank=False,
        ),
        "modality": data.get("modality"),
        "uri": _string(data.get("uri"), (field_prefix, "uri"), errors, max_length=MAX_URI),
        "offset_ms": 0.0,
        "rate_hz": None,
        "calibration": None,
    }
    modality = clean["modality"]
    if type(modality) is not str or modality not in modalities:
        allowed = ", ".join(modalities)
        errors.append(
            {
                "field": _path(field_prefix, "modality"),
                "reason": f"{modality!r} is not a modality of this project ({allowed})",
            }
        )
    offset = _number(data.get("offset_ms"), (field_prefix, "offset_ms"), errors)
    if offset is not None:
        clean["offset_ms"] = offset
    rate = _number(data.get("rate_hz"), (field_prefix, "rate_hz"), errors)
    if rate is not None and rate <= 0:
        errors.append(
            {"field": _path(field_prefix, "rate_hz"), "reason": "must be positive or null"}
        )
    clean["rate_hz"] = rate
    clean["calibration"] = validate_calibration(
        data.get("calibration"), _path(field_prefix, "calibration"), errors
    )
    return clean, errors


def validate_annotation(
    data: Any,
    *,
    streams: Mapping[str, str],
    annotators: Collection[str] | None = None,
    modality: str | None = None,
    field_prefix: str = "",
) -> tuple[dict, list[Error]]:
    """Validate one annotation. `streams` maps the data point's stream keys to their
    modality; `modality`, when given, is the task's and the stream must have it.
    With `annotators` (imports) the record names its annotator, who must be one of
    them; without (services) the annotator is the task's assignee and is not sent."""
    errors: list[Error] = []
    if type(data) is not dict:
        errors.append(
            {
                "field": field_prefix or "annotation",
                "reason": f"must be an object, not {_type_name(data)}",
            }
        )
        return {}, errors
    p = field_prefix
    if not data.keys() <= ANNOTATION_FIELDS:
        _unknown_fields(data, ANNOTATION_FIELDS, p, errors)

    stream = data.get("stream")
    if type(stream) is not str or stream not in streams:
        known = ", ".join(sorted(streams)) or "none"
        errors.append(
            {
                "field": _path(p, "stream"),
                "reason": f"{stream!r} is not a stream of this data point (streams: {known})",
            }
        )
    elif modality is not None and streams[stream] != modality:
        errors.append(
            {
                "field": _path(p, "stream"),
                "reason": f"'{stream}' carries {streams[stream]}, but this task is {modality}",
            }
        )

    annotator = data.get("annotator")
    if annotators is not None:
        if type(annotator) is not str or annotator not in annotators:
            errors.append(
                {"field": _path(p, "annotator"), "reason": f"{annotator!r} is not a known username"}
            )
    elif annotator is not None:
        errors.append(
            {
                "field": _path(p, "annotator"),
                "reason": "is the task's assignee and cannot be set",
            }
        )

    kind = data.get("kind")
    if type(kind) is not str or kind not in KINDS:
        errors.append(
            {
                "field": _path(p, "kind"),
                "reason": f"{kind!r} is not a kind; use {', '.join(sorted(KINDS))}",
            }
        )
        kind = None

    start_ms = _number(data.get("start_ms"), (p, "start_ms"), errors)
    end_ms = _number(data.get("end_ms"), (p, "end_ms"), errors)
    clean = {
        "stream": stream,
        "annotator": annotator,
        "kind": kind,
        "label": _string(
            data.get("label"),
            (p, "label"),
            errors,
            max_length=MAX_LABEL,
            required=True,
            blank=False,
        ),
        "entity": _string(data.get("entity"), (p, "entity"), errors, max_length=MAX_KEY),
        "start_ms": start_ms,
        "end_ms": end_ms,
        "bbox": None,
        "cuboid": None,
        "char_start": None,
        "char_end": None,
        "text": _string(data.get("text"), (p, "text"), errors, max_length=MAX_TEXT),
        "speaker": _string(data.get("speaker"), (p, "speaker"), errors, max_length=MAX_KEY),
        "attributes": {},
    }
    attributes = data.get("attributes")
    if attributes is not None:
        clean["attributes"] = json_object(attributes, _path(p, "attributes"), errors)

    if kind is not None:
        for name, owner in _KIND_ONLY.items():
            if owner != kind and data.get(name) is not None:
                errors.append(
                    {"field": _path(p, name), "reason": f"only {owner} annotations have one"}
                )
    if kind in TIMED_KINDS:
        if start_ms is None and "start_ms" not in _fields(errors, p):
            errors.append({"field": _path(p, "start_ms"), "reason": f"a {kind} needs a start"})
        if end_ms is None and "end_ms" not in _fields(errors, p):
            errors.append({"field": _path(p, "end_ms"), "reason": f"a {kind} needs an end"})
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        errors.append(
            {
                "field": _path(p, "end_ms"),
                "reason": f"ends at {end_ms:g} ms, before its start at {start_ms:g} ms",
            }
        )
    if kind == "transcript" and not clean["text"].strip() and "text" not in _fields(errors, p):
        errors.append({"field": _path(p, "text"), "reason": "a transcript needs its text"})
    elif kind == "bbox":
        _validate_bbox(data.get("bbox"), start_ms, clean, p, errors)
    elif kind == "cuboid":
        _validate_cuboid(data.get("cuboid"), start_ms, clean, p, errors)
    elif kind == "span":
        char_start = _integer(data.get("char_start"), (p, "char_start"), errors)
        char_end = _integer(data.get("char_end"), (p, "char_end"), errors)
        if char_start is None or char_end is None:
            if not {"char_start", "char_end"} & _fields(errors, p):
                errors.append(
                    {
                        "field": _path(p, "char_start" if char_start is None else "char_end"),
                        "reason": "a span needs char_start and char_end",
                    }
                )
        elif char_end < char_start:
            errors.append(
                {
                    "field": _path(p, "char_end"),
                    "reason": f"ends at character {char_end}, before its start at {char_start}",
                }
            )
        clean["char_start"], clean["char_end"] = char_start, char_end
    return clean, errors


def _fields(errors: list[Error], prefix: str) -> set[str]:
    """Field names (without prefix) that already have an error, to report one problem
    once."""
    cut = len(prefix) + 1 if prefix else 0
    return {error["field"][cut:] for error in errors}


def _validate_bbox(
    value: Any, start_ms: float | None, clean: dict, prefix: str, errors: list[Error]
) -> None:
    if start_ms is None and "start_ms" not in _fields(errors, prefix):
        errors.append({"field": _path(prefix, "start_ms"), "reason": "a bbox needs its time"})
    field = _path(prefix, "bbox")
    box = _numbers(value, field, errors, 4)
    if box is None:
        return
    if box[2] < 0 or box[3] < 0:
        errors.append({"field": field, "reason": "width and height must not be negative"})
        return
    clean["bbox"] = box


def _validate_cuboid(
    value: Any, start_ms: float | None, clean: dict, prefix: str, errors: list[Error]
) -> None:
    if start_ms is None and "start_ms" not in _fields(errors, prefix):
        errors.append(
            {"field": _path(prefix, "start_ms"), "reason": "a cuboid needs its scan time"}
        )
    field = _path(prefix, "cuboid")
    if type(value) is not dict:
        errors.append(
            {
                "field": field,
                "reason": "must be an object {center: [x, y, z], size: [l, w, h], yaw}",
            }
        )
        return
    before = len(errors)
    _unknown_fields(value, CUBOID_FIELDS, field, errors)
    center = _numbers(value.get("center"), f"{field}.center", errors, 3)
    size = _numbers(value.get("size"), f"{field}.size", errors, 3)
    if size is not None and min(size) < 0:
        errors.append({"field": f"{field}.size", "reason": "must not be negative"})
    if value.get("yaw") is None:
        errors.append({"field": f"{field}.yaw", "reason": "is required (radians)"})
    yaw = _number(value.get("yaw"), f"{field}.yaw", errors)
    if len(errors) == before:
        clean["cuboid"] = {"center": center, "size": size, "yaw": yaw}


def validate_datapoint(
    record: Any, *, modalities: Collection[str], annotators: Collection[str]
) -> tuple[dict, list[Error]]:
    """Validate one import record: the data point, its streams and its annotations.
    `annotators` are the usernames that may be named as annotators."""
    errors: list[Error] = []
    if type(record) is not dict:
        errors.append({"field": "record", "reason": f"must be an object, not {_type_name(record)}"})
        return {}, errors
    if not record.keys() <= RECORD_FIELDS:
        _unknown_fields(record, RECORD_FIELDS, "", errors)
    clean: dict[str, Any] = {
        "external_id": _string(
            record.get("external_id"),
            "external_id",
            errors,
            max_length=MAX_EXTERNAL_ID,
            required=True,
            blank=False,
        ),
        "is_calibration": False,
        "meta": {},
        "streams": [],
        "annotations": [],
    }
    is_calibration = record.get("is_calibration")
    if is_calibration is not None:
        if type(is_calibration) is not bool:
            errors.append(
                {
                    "field": "is_calibration",
                    "reason": f"must be true or false, not {_type_name(is_calibration)}",
                }
            )
        else:
            clean["is_calibration"] = is_calibration
    meta = record.get("meta")
    if meta is not None:
        clean["meta"] = json_object(meta, "meta", errors)

    streams = record.get("streams")
    stream_modalities: dict[str, str] = {}
    if type(streams) is not list or not streams:
        errors.append({"field": "streams", "reason": "must be a non-empty array of streams"})
        streams = []
    first_index: dict[str, int] = {}
    for index, data in enumerate(streams):
        stream, stream_errors = validate_stream(
            data, modalities=modalities, field_prefix=f"streams[{index}]"
        )
        errors.extend(stream_errors)
        key = stream.get("key")
        if key:
            if key in first_index:
                errors.append(
                    {
                        "field": f"streams[{index}].key",
                        "reason": f"'{key}' repeats streams[{first_index[key]}].key",
                    }
                )
            else:
                first_index[key] = index
                stream_modalities[key] = stream["modality"]
        clean["streams"].append(stream)

    annotations = record.get("annotations")
    if annotations is None:
        annotations = []
    elif type(annotations) is not list:
        errors.append(
            {"field": "annotations", "reason": f"must be an array, not {_type_name(annotations)}"}
        )
        annotations = []
    for index, data in enumerate(annotations):
        annotation, annotation_errors = validate_annotation(
            data,
            streams=stream_modalities,
            annotators=annotators,
            field_prefix=f"annotations[{index}]",
        )
        if annotation_errors:
            errors.extend(annotation_errors)
        clean["annotations"].append(annotation)
    return clean, errors
