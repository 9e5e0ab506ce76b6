"""What every check is given besides the scenes: the project's rules and ontology,
and one way to phrase a finding draft."""

from collections.abc import Iterable
from dataclasses import dataclass

from qa.checks.codes import TYPE_OF_CHECK
from qa.checks.ontology import OntologyView
from qa.checks.records import (
    AnnotationRecord,
    FindingDraft,
    finding_key,
    ids_of,
    modality_pair,
)
from qa.rules import Rules


@dataclass(frozen=True)
class CheckContext:
    rules: Rules
    ontology: OntologyView

    def concept(self, annotation: AnnotationRecord) -> str | None:
        return self.ontology.resolve(annotation.label, annotation.modality)

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
