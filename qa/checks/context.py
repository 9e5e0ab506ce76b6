"""What every check is given besides the scenes: the project's rules and ontology,
and one way to phrase a finding draft."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from qa.checks.codes import TYPE_OF_CHECK
from qa.checks.ontology import OntologyView
from qa.checks.records import (
    AnnotationRecord,
    FindingDraft,
    Scene,
    finding_key,
    ids_of,
    modality_pair,
)
from qa.rules import Rules

T = TypeVar("T")
ConceptGroups = dict[str, dict[str, dict[str, list[AnnotationRecord]]]]


@dataclass(frozen=True)
class CheckContext:
    rules: Rules
    ontology: OntologyView

    def concept(self, annotation: AnnotationRecord) -> str | None:
        return self.ontology.resolve(annotation.label, annotation.modality)

    def per_scene(self, scene: Scene, name: str, compute: Callable[[], T]) -> T:
        """`compute()` once per scene and context, for what several checks derive
        from one scene (its concept groups, its label mismatches)."""
        cache = scene.__dict__.setdefault("_per_context", {})
        entry = cache.get(name)
        if entry is None or entry[0] is not self:
            entry = cache[name] = (self, compute())
        return entry[1]

    def concept_groups(self, scene: Scene) -> ConceptGroups:
        """entity -> modality -> concept -> its annotations there, in master-time
        order; labels that resolve to no concept are left out. Shared by
        label_conflict, concept_level and count_mismatch."""

        def compute() -> ConceptGroups:
            resolve = self.ontology.resolve
            out: ConceptGroups = {}
            for entity, per_modality in scene.by_entity.items():
                grouped: dict[str, dict[str, list[AnnotationRecord]]] = {}
                for modality, annotations in per_modality.items():
                    concepts: dict[str, list[AnnotationRecord]] = defaultdict(list)
                    for annotation in annotations:
                        concept = resolve(annotation.label, modality)
                        if concept is not None:
                            concepts[concept].append(annotation)
                    if concepts:
                        grouped[modality] = dict(concepts)
                out[entity] = grouped
            return out

        return self.per_scene(scene, "concept_groups", compute)

    def draft(
        self,
        check: str,
        datapoint_id: int,
        *,
        annotations: Iterable[AnnotationRecord],
        message: str,
        key: Iterable[object],
        modalities: tuple[str, str] | tuple[str] = ("",),
        entity: str = "",
        measured: float | None = None,
        threshold: float | None = None,
    ) -> FindingDraft:
        modality_a, modality_b = modality_pair(*modalities)
        return FindingDraft(
            datapoint_id=datapoint_id,
            type=str(TYPE_OF_CHECK[check]),  # plain strings: drafts travel as JSON
            check=str(check),
            severity=str(self.rules.rule(check).severity),
            annotation_ids=ids_of(list(annotations)),
            measured=None if measured is None else round(float(measured), 4),
            threshold=threshold,
            message=message,
            modality_a=modality_a,
            modality_b=modality_b,
            key=finding_key(check, *key),
            entity=entity,
        )
