"""A project's consistency rules: `Project.rules` parsed into a typed, frozen object,
with DESIGN.md's defaults for every key left out.

    {"boundary_offset": {"tolerance_ms": 100}, "capture_time": {"tolerance_ms": 50},
     "track_gap": {"max_gap_ms": 500}, "projection_iou": {"min_iou": 0.5},
     "unmentioned_entity": {"pairs": [["image", "text"]]},
     "unmatched_event": {"pairs": [["audio", "video"]]},
     "resolution": {"pairs": [["video", "text"]]},
     "count_mismatch": {"ignore_modalities": []}, "label_conflict": {},
     "unknown_term": {}, "concept_level": {}}

Every check also takes "enabled" (bool) and "severity" (info, warning, error). Other
apps' sections (`routing`) are left alone. A pair
[a, b] reads "every entity annotated in a must also be annotated in b". A bad value
raises DomainError naming the field, e.g. `rules.boundary_offset.tolerance_ms`.
"""

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from common.errors import DomainError
from qa.checks.codes import Severity

Pair = tuple[str, str]


@dataclass(frozen=True, kw_only=True)
class CheckRule:
    enabled: bool = True
    severity: str = Severity.ERROR


@dataclass(frozen=True, kw_only=True)
class ToleranceRule(CheckRule):
    tolerance_ms: float


@dataclass(frozen=True, kw_only=True)
class GapRule(CheckRule):
    max_gap_ms: float = 500.0


@dataclass(frozen=True, kw_only=True)
class IouRule(CheckRule):
    min_iou: float = 0.5


@dataclass(frozen=True, kw_only=True)
class PairsRule(CheckRule):
    pairs: tuple[Pair, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CountRule(CheckRule):
    ignore_modalities: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Rules:
    boundary_offset: ToleranceRule = field(
        default_factory=lambda: ToleranceRule(tolerance_ms=100.0)
    )
    capture_time: ToleranceRule = field(default_factory=lambda: ToleranceRule(tolerance_ms=50.0))
    track_gap: GapRule = field(default_factory=lambda: GapRule(severity=Severity.WARNING))
    label_conflict: CheckRule = field(default_factory=CheckRule)
    unknown_term: CheckRule = field(default_factory=CheckRule)
    concept_level: CheckRule = field(default_factory=lambda: CheckRule(severity=Severity.WARNING))
    resolution: PairsRule = field(
        default_factory=lambda: PairsRule(pairs=(("video", "text"),), severity=Severity.WARNING)
    )
    unmentioned_entity: PairsRule = field(
        default_factory=lambda: PairsRule(pairs=(("image", "text"),))
    )
    unmatched_event: PairsRule = field(
        default_factory=lambda: PairsRule(pairs=(("audio", "video"),), severity=Severity.WARNING)
    )
    count_mismatch: CountRule = field(default_factory=lambda: CountRule(severity=Severity.WARNING))
    projection_iou: IouRule = field(default_factory=IouRule)

    def rule(self, check: str) -> CheckRule:
        return getattr(self, check)

    @property
    def enabled_checks(self) -> list[str]:
        return [name for name in CHECK_NAMES if self.rule(name).enabled]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """The effective rules, defaults filled in, as JSON."""
        out = {}
        for name in CHECK_NAMES:
            values = asdict(self.rule(name))
            if "pairs" in values:
                values["pairs"] = [list(pair) for pair in values["pairs"]]
            if "ignore_modalities" in values:
                values["ignore_modalities"] = list(values["ignore_modalities"])
            out[name] = values
        return out


DEFAULT_RULES = Rules()
CHECK_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Rules))
# Sections of `Project.rules` other apps own (tasks' routing reads `routing`); left
# to them, so they are neither checks nor an error.
OTHER_SECTIONS = frozenset({"routing"})


def _modalities() -> list[str]:
    from pods.models import Modality  # the source of truth; imported late, no ORM here

    return list(Modality.values)


def _number(value: Any, where: str, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainError("Give a number.", field=where)
    if not low <= value <= high:
        bounds = f"between {low:g} and {high:g}" if high < math.inf else f"at least {low:g}"
        raise DomainError(f"{value} is out of range; use a value {bounds}.", field=where)
    return float(value)


def _pairs(value: Any, where: str) -> tuple[Pair, ...]:
    if not isinstance(value, list | tuple):
        raise DomainError('Give a list of modality pairs, e.g. [["image", "text"]].', field=where)
    modalities = _modalities()
    pairs: list[Pair] = []
    for index, pair in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise DomainError("A pair is two modalities, e.g. ['image', 'text'].", field=at)
        for modality in pair:
            if modality not in modalities:
                raise DomainError(
                    f"'{modality}' is not a modality; use one of {', '.join(modalities)}.",
                    field=at,
                )
        if pair[0] == pair[1]:
            raise DomainError("A pair needs two different modalities.", field=at)
        if tuple(pair) not in pairs:
            pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _modality_list(value: Any, where: str) -> tuple[str, ...]:
    modalities = _modalities()
    if not isinstance(value, list | tuple):
        raise DomainError('Give a list of modalities, e.g. ["audio"].', field=where)
    for index, modality in enumerate(value):
        if modality not in modalities:
            raise DomainError(
                f"'{modality}' is not a modality; use one of {', '.join(modalities)}.",
                field=f"{where}[{index}]",
            )
    return tuple(dict.fromkeys(value))


def _setting(name: str, value: Any, where: str) -> Any:
    if name == "enabled":
        if not isinstance(value, bool):
            raise DomainError("Give true or false.", field=where)
        return value
    if name == "severity":
        if value not in Severity.values:
            raise DomainError(
                f"'{value}' is not a severity; use one of {', '.join(Severity.values)}.",
                field=where,
            )
        return value
    if name in ("tolerance_ms", "max_gap_ms"):
        return _number(value, where)
    if name == "min_iou":
        return _number(value, where, high=1.0)
    if name == "pairs":
        return _pairs(value, where)
    if name == "ignore_modalities":
        return _modality_list(value, where)
    raise AssertionError(name)


def rules_parse(raw: Mapping[str, Any] | None) -> Rules:
    """Parse and check `Project.rules`. Missing keys take DESIGN.md's defaults;
    anything unknown or out of range is a DomainError naming the field."""
    if raw is None:
        return DEFAULT_RULES
    if not isinstance(raw, Mapping):
        raise DomainError("Rules are an object of check names to settings.", field="rules")
    changes: dict[str, CheckRule] = {}
    for name, settings in raw.items():
        if name in OTHER_SECTIONS:
            continue
        if name not in CHECK_NAMES:
            raise DomainError(
                f"'{name}' is not a check; use one of {', '.join(CHECK_NAMES)}.",
                field=f"rules.{name}",
            )
        if not isinstance(settings, Mapping):
            raise DomainError("Give an object of settings.", field=f"rules.{name}")
        default = DEFAULT_RULES.rule(name)
        allowed = {f.name for f in fields(default)}
        values = {}
        for key, value in settings.items():
            where = f"rules.{name}.{key}"
            if key not in allowed:
                raise DomainError(
                    f"'{key}' is not a setting of {name}; use {', '.join(sorted(allowed))}.",
                    field=where,
                )
            values[key] = _setting(key, value, where)
        changes[name] = replace(default, **values)
    return replace(DEFAULT_RULES, **changes)
