"""Missing cross-modal references: unmentioned_entity, unmatched_event and
count_mismatch."""

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations, pairwise
from math import isfinite

from qa.checks.codes import Check
from qa.checks.context import CheckContext
from qa.checks.matching import Coverage, Event
from qa.checks.records import AnnotationRecord, FindingDraft, Scene, describe, seconds


def unmentioned_entity(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """For each rule pair [a, b]: an entity annotated in a with no annotation in b.
    Skipped when the data point has no stream of b to mention it in."""
    pairs = ctx.rules.unmentioned_entity.pairs
    drafts = []
    for scene in scenes:
        streams = {stream.modality for stream in scene.streams}
        for entity, per_modality in scene.by_entity.items():
            for source, partner in pairs:
                if source not in per_modality or partner in per_modality:
                    continue
                if partner not in streams:
                    continue
                annotations = per_modality[source]
                message = (
                    f"{entity} is annotated in {source} ({describe(annotations[0])}) but "
                    f"never in {partner} — the rules want every {source} entity referenced "
                    f"in {partner}: add a {partner} annotation with entity {entity}, or "
                    f"remove it from {source} if it is not there."
                )
                drafts.append(
                    ctx.draft(
                        Check.UNMENTIONED_ENTITY,
                        scene.datapoint_id,
                        annotations=annotations,
                        message=message,
                        key=(entity, f"{source}>{partner}"),
                        modalities=(source, partner),
                        entity=entity,
                    )
                )
    return drafts


def events(scene: Scene, modality: str, max_gap: float) -> list[Event]:
    """What happens in time in one modality: each segment, and each entity's track
    from box to box, split where it has a gap longer than the track rule allows."""
    found = [
        Event(a.start_ms, a.end_ms, (a,))
        for a in scene.annotations
        if a.modality == modality and a.is_interval
    ]
    for tracks in scene.tracks.values():
        for track in tracks:
            if track.modality != modality:
                continue
            run = [track.items[0]]
            for before, after in pairwise(track.items):
                if after.start_ms - before.last_ms > max_gap:
                    found.append(Event(run[0].start_ms, run[-1].last_ms, tuple(run)))
                    run = []
                run.append(after)
            found.append(Event(run[0].start_ms, run[-1].last_ms, tuple(run)))
    return found


def _coverage(scene: Scene, modality: str, max_gap: float) -> Coverage:
    timed = [
        Event(a.start_ms, a.last_ms, (a,))
        for a in scene.annotations
        if a.modality == modality and a.start_ms is not None
    ]
    return Coverage([*timed, *events(scene, modality, max_gap)])


def unmatched_event(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """For each rule pair [a, b]: an event in a (a segment, or a track) that overlaps
    no annotation of b on the master clock, allowing the boundary tolerance. An event
    whose entity is annotated in b has its partner, perhaps at the wrong time, which
    is boundary_offset's finding, not this one."""
    pairs = ctx.rules.unmatched_event.pairs
    slack = ctx.rules.boundary_offset.tolerance_ms
    max_gap = ctx.rules.track_gap.max_gap_ms
    drafts = []
    for scene in scenes:
        streams = {stream.modality for stream in scene.streams}
        for source, partner in pairs:
            if partner not in streams:
                continue
            referenced = {
                e for e, per_modality in scene.by_entity.items() if partner in per_modality
            }
            coverage = None
            for event in events(scene, source, max_gap):
                if event.first.entity and event.first.entity in referenced:
                    continue
                coverage = coverage or _coverage(scene, partner, max_gap)
                if coverage.overlaps(event.start - slack, event.end + slack):
                    continue
                drafts.append(_unmatched_draft(ctx, scene, source, partner, event, coverage, slack))
    return drafts


def _unmatched_draft(ctx, scene, source, partner, event, coverage, slack) -> FindingDraft:
    first = event.first
    distance = coverage.distance(event.start, event.end)
    nearest = (
        f"the nearest is {seconds(distance)} away"
        if isfinite(distance)
        else f"{partner} has no timed annotation"
    )
    label = f"'{first.label}'" + (f" ({first.entity})" if first.entity else "")
    message = (
        f"The {source} {first.kind} {label} at {seconds(event.start)} to {seconds(event.end)} "
        f"overlaps no {partner} annotation ({nearest}) — annotate its {partner} "
        f"counterpart, or check {describe(first)}'s times."
    )
    return ctx.draft(
        Check.UNMATCHED_EVENT,
        scene.datapoint_id,
        annotations=event.annotations,
        message=message,
        key=(f"{source}>{partner}", first.id),
        modalities=(source, partner),
        entity=first.entity,
        measured=distance if isfinite(distance) else None,
        threshold=slack,
    )


def _entity_concepts(scene: Scene, ctx: CheckContext) -> dict[str, dict[str, str]]:
    """modality -> entity -> its concept there (the most used, if annotators differ)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for entity, per_modality in ctx.concept_groups(scene).items():
        for modality, concepts in per_modality.items():
            out[modality][entity] = min(concepts, key=lambda c: (-len(concepts[c]), c))
    return out


def count_mismatch(scenes: Iterable[Scene], ctx: CheckContext) -> list[FindingDraft]:
    """The number of distinct entities labelled with a concept (after synonyms)
    differs between two modalities that both use that concept. A concept only one
    modality uses is not compared (a caption naming "animal" where the video says
    "dog" is concept_level's finding), nor is a difference explained elsewhere:
    broader labels in the smaller modality, the same entity under another label
    (semantic), or an entity an unmentioned_entity rule already reports. Modalities
    in the rule's `ignore_modalities` are skipped (e.g. audio, where a parked car
    makes no sound)."""
    rule = ctx.rules.count_mismatch
    unmentioned = (
        set(ctx.rules.unmentioned_entity.pairs) if ctx.rules.unmentioned_entity.enabled else set()
    )
    drafts = []
    for scene in scenes:
        concepts = _entity_concepts(scene, ctx)
        usable = sorted(m for m in concepts if m not in rule.ignore_modalities)
        for mod_a, mod_b in combinations(usable, 2):
            fired = _count_mismatches(ctx, concepts, mod_a, mod_b, unmentioned)
            for concept, (large, small, l_ents, s_ents) in sorted(fired.items()):
                drafts.append(
                    _count_draft(ctx, scene, concept, large, small, l_ents, s_ents, concepts)
                )
    return drafts


def _count_mismatches(ctx, concepts, mod_a, mod_b, unmentioned) -> dict[str, tuple]:
    fired = {}
    for concept in sorted(set(concepts[mod_a].values()) & set(concepts[mod_b].values())):
        ents = {m: {e for e, c in concepts[m].items() if c == concept} for m in (mod_a, mod_b)}
        if not ents[mod_a] or not ents[mod_b] or len(ents[mod_a]) == len(ents[mod_b]):
            continue
        large, small = (mod_a, mod_b) if len(ents[mod_a]) > len(ents[mod_b]) else (mod_b, mod_a)
        broader = {e for e, c in concepts[small].items() if ctx.ontology.is_ancestor(c, concept)}
        relabelled = {e for e in ents[large] if e in concepts[small] and e not in ents[small]}
        reported = (
            {e for e in ents[large] if e not in concepts[small]}
            if (large, small) in unmentioned
            else set()
        )
        effective = len(ents[large] - relabelled - reported)
        if effective > len(ents[small]) + len(broader):
            fired[concept] = (large, small, ents[large], ents[small])
    return fired


def _count_draft(ctx, scene, concept, large, small, l_ents, s_ents, concepts) -> FindingDraft:
    missing = sorted(e for e in l_ents if e not in concepts[small])
    hint = f" ({', '.join(missing)} not in {small})" if missing and len(missing) <= 5 else ""
    message = (
        f"{large} has {len(l_ents)} '{concept}' entities but {small} has {len(s_ents)}"
        f"{hint} — add the missing {small} annotations, or remove the extra {large} ones."
    )
    involved = set(missing) or (l_ents | s_ents)
    annotations: list[AnnotationRecord] = [
        a
        for entity in sorted(involved)
        for modality in (large, small)
        for a in scene.by_entity[entity].get(modality, ())
    ]
    return ctx.draft(
        Check.COUNT_MISMATCH,
        scene.datapoint_id,
        annotations=annotations,
        message=message,
        key=(concept, "|".join(sorted((large, small)))),
        modalities=(large, small),
        measured=float(len(l_ents) - len(s_ents)),
        threshold=0.0,
    )
