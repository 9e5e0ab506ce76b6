"""Cross-modal sync checks: pure functions over plain records (records.py), one
module per family. Each takes a batch of scenes and a CheckContext and returns
FindingDrafts; `run_checks` runs every check the rules enable."""

from collections.abc import Callable, Sequence

from qa.checks import granularity, references, semantic, spatial, temporal
from qa.checks.codes import Check
from qa.checks.context import CheckContext
from qa.checks.records import FindingDraft, Scene

CheckFunction = Callable[[Sequence[Scene], CheckContext], list[FindingDraft]]

CHECKS: dict[str, CheckFunction] = {
    Check.BOUNDARY_OFFSET: temporal.boundary_offset,
    Check.CAPTURE_TIME: temporal.capture_time,
    Check.TRACK_GAP: temporal.track_gap,
    Check.LABEL_CONFLICT: semantic.label_conflict,
    Check.UNKNOWN_TERM: semantic.unknown_term,
    Check.CONCEPT_LEVEL: granularity.concept_level,
    Check.RESOLUTION: granularity.resolution,
    Check.UNMENTIONED_ENTITY: references.unmentioned_entity,
    Check.UNMATCHED_EVENT: references.unmatched_event,
    Check.COUNT_MISMATCH: references.count_mismatch,
    Check.PROJECTION_IOU: spatial.projection_iou,
}


def run_checks(scenes: Sequence[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Every enabled check over the whole batch; the per-data-point call is this with
    one scene."""
    drafts: list[FindingDraft] = []
    for name in ctx.rules.enabled_checks:
        drafts.extend(CHECKS[name](scenes, ctx))
    return drafts
