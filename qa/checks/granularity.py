"""Granularity checks: concept_level (ancestor in one modality, descendant in
another) and resolution (timed in one modality, item-level only in a partner)."""

from collections import defaultdict
from collections.abc import Iterable

from qa.checks.codes import Check
from qa.checks.context import CheckContext
from qa.checks.ontology import Relation
from qa.checks.records import FindingDraft, Scene, describe
from qa.checks.semantic import LabelMismatch, label_mismatches


def concept_level(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """The same entity named at an ancestor in one modality and a descendant in
    another (`animal` vs `dog`). Reported here, never as a label conflict."""
    drafts = []
    for scene in scenes:
        found: dict[tuple, list[LabelMismatch]] = defaultdict(list)
        for mismatch in label_mismatches(scene, ctx):
            if mismatch.relation.is_granularity:
                pair = tuple(sorted((mismatch.mine[0].modality, mismatch.theirs[0].modality)))
                found[(mismatch.entity, pair)].append(mismatch)
        for (entity, pair), mismatches in found.items():
            first = mismatches[0]
            broad, narrow = first.mine[0], first.theirs[0]
            broad_concept, narrow_concept = first.concept, first.partner_concept
            if first.relation is Relation.DESCENDANT:
                broad, narrow = narrow, broad
                broad_concept, narrow_concept = narrow_concept, broad_concept
            message = (
                f"{entity} is the broader '{broad_concept}' in {broad.modality} but the "
                f"more specific '{narrow_concept}' in {narrow.modality} — label it "
                f"at the same level in both ({describe(broad)}, {describe(narrow)})."
            )
            drafts.append(
                ctx.draft(
                    Check.CONCEPT_LEVEL,
                    scene.datapoint_id,
                    annotations=[x for m in mismatches for x in (*m.mine, *m.theirs)],
                    message=message,
                    key=(entity, "|".join(pair)),
                    modalities=pair,
                    entity=entity,
                )
            )
    return drafts


def resolution(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """For each rule pair: an entity located in one modality (segments, boxes,
    cuboids, transcripts, spans) but only tagged for the whole item in the other. A
    text span is located in its text, so it counts as resolved, not item-level."""
    pairs = {tuple(sorted(pair)) for pair in ctx.rules.resolution.pairs}
    drafts = []
    for scene in scenes:
        for entity, per_modality in scene.by_entity.items():
            for mod_a, mod_b in sorted(pairs):
                if mod_a not in per_modality or mod_b not in per_modality:
                    continue
                for fine, coarse in ((mod_a, mod_b), (mod_b, mod_a)):
                    timed = [a for a in per_modality[fine] if not a.is_item_level]
                    if not timed or not all(a.is_item_level for a in per_modality[coarse]):
                        continue
                    tags = per_modality[coarse]
                    message = (
                        f"{entity} is located in {fine} ({len(timed)} annotation(s), from "
                        f"{describe(timed[0])}) but only tagged for the whole item in "
                        f"{coarse} — the rules want the same resolution for {mod_a} and "
                        f"{mod_b}: annotate {entity} where it occurs in {coarse}."
                    )
                    drafts.append(
                        ctx.draft(
                            Check.RESOLUTION,
                            scene.datapoint_id,
                            annotations=[*timed, *tags],
                            message=message,
                            key=(entity, f"{mod_a}|{mod_b}"),
                            modalities=(mod_a, mod_b),
                            entity=entity,
                        )
                    )
    return drafts
