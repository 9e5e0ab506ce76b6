"""The demo's calibration story, run through the product's own services: after the
import, every pod of every project runs its four rounds in order. Each round
publishes the next guideline version (motivated by the previous round's most
frequent checks), opens an iteration on the round's batch with overlap 2 and closes
it, which snapshots its figures. A round already closed is skipped, so seeding
again opens nothing new."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from demo.scenes.dataset import CALIBRATION_ROUNDS
from metrics.models import CalibrationIteration, IterationStatus
from metrics.services import guideline_publish, iteration_close, iteration_open
from pods.models import Pod
from qa.models import DataPointValidation, Finding
from qa.services.validation import datapoints_validate
from tasks.models import DataPoint, Project

VALIDATE_CHUNK = 200
MOTIVATING_CHECKS = 2

# What a guideline says about a check, once that check's findings have motivated it.
GUIDANCE = {
    "boundary_offset": "Set segment boundaries on the master-clock timeline, never on the "
    "stream's own clock; snap to the partner modality's segment within 100 ms.",
    "capture_time": "Stamp a cuboid with its sweep's time; check it against the camera "
    "frame shown beside it before submitting.",
    "track_gap": "Keep one track per object: no ID switches, and no sweep skipped "
    "while the object is visible.",
    "label_conflict": "Label the same entity with the same concept in every modality; "
    "when unsure, look at the partner modality first.",
    "unknown_term": "Use only ontology terms or the synonyms listed for your modality; "
    "ask the pod lead to add a missing term instead of typing a new one.",
    "unmentioned_entity": "Every object boxed in the image or video must be annotated in "
    "the partner modality the rules name.",
    "unmatched_event": "Every sound event needs a visible partner; mark off-screen "
    "sources as such instead of leaving them unmatched.",
    "count_mismatch": "Count the objects of each concept in every modality before "
    "submitting; the counts must agree.",
    "concept_level": "Label at the most specific term the ontology has (dog, not animal), "
    "in every modality.",
    "resolution": "Locate entities where they occur (span, segment, box) when the rules "
    "ask for it; an item-level tag is not enough.",
    "projection_iou": "Fit cuboids to their own LiDAR cluster and check the projection "
    "on the camera image overlaps the object's box.",
}


@dataclass
class RoundResult:
    pod: str
    number: int
    datapoints: int
    rate: float | None
    alpha: float | None  # mean of the defined alphas (tags, attributes, time slices)
    tag_alpha: float | None  # mean over modalities of the tags' alpha
    opened: bool  # by this run


def calibration_batches(*, project: Project, pod: Pod) -> dict[int, list[int]]:
    """The seeded calibration batches of a pod: round number -> data point ids."""
    batches: dict[int, list[int]] = defaultdict(list)
    rows = (
        DataPoint.objects.filter(
            project=project, meta__pod=pod.name, meta__calibration_round__isnull=False
        )
        .order_by("external_id")
        .values_list("pk", "meta__calibration_round")
    )
    for pk, round_number in rows:
        if round_number:
            batches[int(round_number)].append(pk)
    return dict(sorted(batches.items()))


def datapoints_validate_missing(*, project: Project) -> int:
    """Validate the project's data points that have never been validated (in the
    embedded mode the import has validated them already). Returns how many."""
    done = DataPointValidation.objects.filter(project=project).values("datapoint_id")
    ids = list(
        DataPoint.objects.filter(project=project)
        .exclude(pk__in=done)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), VALIDATE_CHUNK):
        datapoints_validate(datapoint_ids=ids[start : start + VALIDATE_CHUNK])
    return len(ids)


def top_checks(datapoint_ids: Iterable[int], limit: int = MOTIVATING_CHECKS) -> list[str]:
    """The most frequent checks among the findings (not dismissed) of a batch."""
    counts = Counter(
        Finding.objects.filter(datapoint_id__in=list(datapoint_ids))
        .exclude(status="dismissed")
        .values_list("check_code", flat=True)
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [check for check, _ in ranked[:limit]]


def guideline_text(*, project: Project, version: int, checks: list[str]) -> tuple[str, str]:
    """(Markdown body, change summary) of guideline `version`."""
    lines = [
        f"# {project.name}: annotation guidelines v{version}",
        "",
        "## Always",
        "- Work on the master clock: every stream's time is shown converted to it.",
        "- Give the same entity key to the same object or event in every modality.",
        "- Use the ontology's most specific term that fits.",
    ]
    if checks:
        lines += ["", "## New in this version"]
        lines += [f"- **{check}**: {GUIDANCE.get(check, '')}" for check in checks]
        summary = f"Tightened after the last round's most frequent findings: {', '.join(checks)}."
    else:
        summary = "First version, for the first calibration round."
    return "\n".join(lines) + "\n", summary


def pod_rounds_run(*, project: Project, pod: Pod) -> list[RoundResult]:
    """Run the pod's seeded rounds in order; closed ones are only read."""
    lead = pod.members.select_related("person").get(is_lead=True).person
    results = []
    previous: list[int] = []
    for number, ids in calibration_batches(project=project, pod=pod).items():
        if number > CALIBRATION_ROUNDS:
            break
        iteration = (
            CalibrationIteration.objects.filter(project=project, pod=pod, datapoints=ids[0])
            .order_by("-number")
            .first()
        )
        opened = False
        with transaction.atomic():
            if iteration is None:
                checks = top_checks(previous) if previous else []
                version = project.guidelines.count() + 1
                body, summary = guideline_text(project=project, version=version, checks=checks)
                guideline_publish(
                    actor=lead,
                    project=project,
                    body=body,
                    change_summary=summary,
                    motivating_checks=checks,
                    pod=pod,
                )
                iteration, _ = iteration_open(
                    actor=lead, project=project, pod=pod, datapoint_ids=ids, overlap=2
                )
                opened = True
            if iteration.status == IterationStatus.OPEN:
                iteration_close(actor=lead, iteration=iteration)
        iteration.refresh_from_db()
        results.append(round_result(iteration, opened=opened))
        previous = ids
    return results


def round_result(iteration: CalibrationIteration, *, opened: bool) -> RoundResult:
    snapshot = getattr(iteration, "snapshot", None)
    figures = snapshot.figures if snapshot else {}
    agreement = figures.get("agreement", {})
    tags = [f["alpha"] for f in agreement.get("tags", {}).values()]
    attributes = [
        f["alpha"] for by_key in agreement.get("attributes", {}).values() for f in by_key.values()
    ]
    temporal = [f["alpha"] for f in agreement.get("temporal", {}).values()]
    return RoundResult(
        pod=iteration.pod.name,
        number=iteration.number,
        datapoints=figures.get("batch", {}).get("datapoints", 0),
        rate=figures.get("sync_errors", {}).get("rate"),
        alpha=_mean(tags + attributes + temporal),
        tag_alpha=_mean(tags),
        opened=opened,
    )


def _mean(values: list[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return round(sum(defined) / len(defined), 4) if defined else None
