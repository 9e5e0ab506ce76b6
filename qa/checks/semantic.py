"""Semantic checks: label_conflict and unknown_term, plus the cross-modal label
comparison that granularity.concept_level shares.

Labels are compared as concepts: a synonym resolves to its term first (so "engine"
in audio and "car" in video agree), and an ancestor against a descendant is a
granularity mismatch, never a conflict."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

from qa.checks.codes import Check
from qa.checks.context import CheckContext
from qa.checks.ontology import Relation
from qa.checks.records import AnnotationRecord, FindingDraft, Scene, describe


@dataclass(frozen=True, slots=True)
class LabelMismatch:
    """Annotations of an entity in one modality whose best partner concept in the
    other modality is related only by granularity, or not at all."""

    entity: str
    relation: Relation
    mine: tuple[AnnotationRecord, ...]
    concept: str
    theirs: tuple[AnnotationRecord, ...]
    partner_concept: str


def label_mismatches(scene: Scene, ctx: CheckContext) -> tuple[LabelMismatch, ...]:
    """For every entity and modality pair, compare each concept with its best match
    in the partner modality: the same concept if any annotator used it, else a
    related one, else the most used. Overlap copies of one modality are never
    compared with each other (that is agreement, not sync). Computed once per scene
    for label_conflict and concept_level both."""
    return ctx.per_scene(scene, "label_mismatches", lambda: tuple(_label_mismatches(scene, ctx)))


def _label_mismatches(scene: Scene, ctx: CheckContext) -> Iterator[LabelMismatch]:
    for entity, concepts in ctx.concept_groups(scene).items():
        for mod_a, mod_b in combinations(sorted(concepts), 2):
            for mine, theirs in (
                (concepts[mod_a], concepts[mod_b]),
                (concepts[mod_b], concepts[mod_a]),
            ):
                for concept, annotations in sorted(mine.items()):
                    partner, relation = _best_partner(ctx, concept, theirs)
                    if relation is not Relation.SAME:
                        yield LabelMismatch(
                            entity=entity,
                            relation=relation,
                            mine=tuple(annotations),
                            concept=concept,
                            theirs=tuple(theirs[partner]),
                            partner_concept=partner,
                        )


def _best_partner(
    ctx: CheckContext, concept: str, theirs: dict[str, list[AnnotationRecord]]
) -> tuple[str, Relation]:
    if concept in theirs:
        return concept, Relation.SAME
    by_use = sorted(theirs, key=lambda c: (-len(theirs[c]), c))
    for other in by_use:
        relation = ctx.ontology.relation(concept, other)
        if relation.is_granularity:
            return other, relation
    return by_use[0], Relation.UNRELATED


def label_conflict(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Same-entity annotations whose concepts differ across modalities and neither
    is an ancestor of the other. One finding per entity and modality pair."""
    drafts = []
    for scene in scenes:
        found: dict[tuple, list[LabelMismatch]] = defaultdict(list)
        for mismatch in label_mismatches(scene, ctx):
            if mismatch.relation is Relation.UNRELATED:
                pair = tuple(sorted((mismatch.mine[0].modality, mismatch.theirs[0].modality)))
                found[(mismatch.entity, pair)].append(mismatch)
        for (entity, pair), mismatches in found.items():
            first = mismatches[0]
            here, there = first.mine[0], first.theirs[0]
            message = (
                f"{entity} is '{here.label}' ({first.concept}) in {here.modality} but "
                f"'{there.label}' ({first.partner_concept}) in {there.modality}, and "
                f"neither is a kind of the other — check {describe(here)} and "
                f"{describe(there)}, and correct the wrong label."
            )
            drafts.append(
                ctx.draft(
                    Check.LABEL_CONFLICT,
                    scene.datapoint_id,
                    annotations=[x for m in mismatches for x in (*m.mine, *m.theirs)],
                    message=message,
                    key=(entity, "|".join(pair)),
                    modalities=pair,
                    entity=entity,
                )
            )
    return drafts


def unknown_term(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """Labels that are neither a term of the ontology nor a synonym declared for the
    annotation's modality. One finding per label and modality of a data point."""
    drafts = []
    for scene in scenes:
        unknown: dict[tuple[str, str], list[AnnotationRecord]] = defaultdict(list)
        for annotation in scene.annotations:
            if ctx.concept(annotation) is None:
                unknown[(annotation.modality, annotation.label)].append(annotation)
        for (modality, label), annotations in sorted(unknown.items()):
            entities = Counter(a.entity for a in annotations if a.entity)
            on = f" (on {', '.join(sorted(entities))})" if entities else ""
            message = (
                f"'{label}' is not a term of {ctx.ontology.name} nor a {modality} synonym "
                f"of one — {len(annotations)} {modality} annotation(s) use it{on}; pick "
                f"a term, or ask the operations manager to add '{label}' as a synonym."
            )
            drafts.append(
                ctx.draft(
                    Check.UNKNOWN_TERM,
                    scene.datapoint_id,
                    annotations=annotations,
                    message=message,
                    key=(modality, label),
                    modalities=(modality,),
                    entity=annotations[0].entity if len(entities) == 1 else "",
                )
            )
    return drafts
