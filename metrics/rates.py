"""Sync-error rates as DESIGN.md defines them, over plain records.

rate = validated data points with at least one finding that is not dismissed
       ÷ validated data points.

Splits (by type, check, modality pair, pod) divide the data points with a finding of
that kind by all validated data points, so they do not add up to the rate when a data
point has findings of several kinds; `stack_by_type` splits the rate itself in
proportion to the findings of each type, for stacked charts. Per annotator the
denominator is the validated data points the annotator worked on, and the numerator
those where a finding involves one of the annotator's annotations. Dismissed findings
never count; fixed ones do (the error was there).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FindingRecord:
    datapoint_id: int
    type: str
    check: str
    modality_pair: str
    status: str
    annotator_ids: frozenset[int] = frozenset()


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def sync_error_figures(
    *,
    validated: Iterable[int],
    findings: Iterable[FindingRecord],
    pod_of: Mapping[int, int | None] | None = None,
    annotators_of: Mapping[int, Iterable[int]] | None = None,
    annotations_total: int | None = None,
    annotations_involved: int | None = None,
) -> dict:
    """The rate and its splits. `validated` are the validated data point ids;
    `pod_of` maps a data point to its pod; `annotators_of` maps a data point to the
    people who worked on it. Findings of unvalidated data points are ignored."""
    validated_set = set(validated)
    all_findings = [f for f in findings if f.datapoint_id in validated_set]
    counting = [f for f in all_findings if f.status != "dismissed"]
    erroneous = {f.datapoint_id for f in counting}
    n = len(validated_set)

    def split(key) -> dict[str, float | None]:
        points: dict[str, set[int]] = defaultdict(set)
        for finding in counting:
            points[key(finding)].add(finding.datapoint_id)
        return {k: _ratio(len(v), n) for k, v in sorted(points.items())}

    rate = _ratio(len(erroneous), n)
    type_counts = Counter(f.type for f in counting)
    total_findings = sum(type_counts.values())
    stack = {
        t: round(rate * c / total_findings, 4) if rate is not None else None
        for t, c in sorted(type_counts.items())
    }

    checks_all = Counter(f.check for f in all_findings)
    checks_dismissed = Counter(f.check for f in all_findings if f.status == "dismissed")
    dismissal = {
        check: {
            "findings": total,
            "dismissed": checks_dismissed[check],
            "rate": _ratio(checks_dismissed[check], total),
        }
        for check, total in sorted(checks_all.items())
    }

    by_pod: dict[str, float | None] = {}
    if pod_of is not None:
        pod_points: dict[str, set[int]] = defaultdict(set)
        for dp in validated_set:
            pod_points[str(pod_of.get(dp))].add(dp)
        by_pod = {
            pod: _ratio(len(points & erroneous), len(points))
            for pod, points in sorted(pod_points.items())
        }

    by_annotator: dict[str, dict] = {}
    if annotators_of is not None:
        worked: dict[int, set[int]] = defaultdict(set)
        for dp in validated_set:
            for person in annotators_of.get(dp, ()):
                worked[person].add(dp)
        involved: dict[int, set[int]] = defaultdict(set)
        for finding in counting:
            for person in finding.annotator_ids:
                involved[person].add(finding.datapoint_id)
        by_annotator = {
            str(person): {
                "datapoints": len(points),
                "with_findings": len(involved[person] & points),
                "rate": _ratio(len(involved[person] & points), len(points)),
            }
            for person, points in sorted(worked.items())
        }

    return {
        "validated": n,
        "with_findings": len(erroneous),
        "rate": rate,
        "findings": total_findings,
        "by_type": split(lambda f: f.type),
        "stack_by_type": stack,
        "by_check": split(lambda f: f.check),
        "by_modality_pair": split(lambda f: f.modality_pair),
        "by_pod": by_pod,
        "by_annotator": by_annotator,
        "dismissal_by_check": dismissal,
        "annotation_share": (
            _ratio(annotations_involved, annotations_total)
            if annotations_total is not None and annotations_involved is not None
            else None
        ),
    }
