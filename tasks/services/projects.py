"""Writes for ontologies and projects."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from common.errors import DomainError
from pods.models import Client, Modality, Pod
from tasks.models import Attribute, MeasurementLevel, Ontology, Project, Term


def _validate_terms(terms: list[Mapping[str, Any]]) -> None:
    keys = [term.get("key") for term in terms]
    seen: set[str] = set()
    for index, term in enumerate(terms):
        key = term.get("key")
        if not key or not isinstance(key, str):
            raise DomainError("Every term needs a key.", field=f"terms[{index}].key")
        if key in seen:
            raise DomainError(f"The key '{key}' is listed twice.", field=f"terms[{index}].key")
        seen.add(key)
        parent = term.get("parent")
        if parent and parent not in keys:
            raise DomainError(
                f"The parent '{parent}' is not a term of this ontology.",
                field=f"terms[{index}].parent",
            )
        synonyms = term.get("synonyms") or {}
        if not isinstance(synonyms, dict):
            raise DomainError(
                "Synonyms map a modality to a list of words.", field=f"terms[{index}].synonyms"
            )
        for modality, words in synonyms.items():
            if modality not in Modality.values:
                raise DomainError(
                    f"'{modality}' is not a modality.", field=f"terms[{index}].synonyms"
                )
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise DomainError(
                    f"Synonyms for {modality} must be a list of words.",
                    field=f"terms[{index}].synonyms",
                )
    parents = {term["key"]: term.get("parent") for term in terms}
    for key in parents:
        walked = {key}
        node = parents[key]
        while node:
            if node in walked:
                raise DomainError(f"The term '{key}' is its own ancestor.", field="terms")
            walked.add(node)
            node = parents.get(node)


def _validate_attributes(attributes: list[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for index, attribute in enumerate(attributes):
        key = attribute.get("key")
        if not key or not isinstance(key, str):
            raise DomainError("Every attribute needs a key.", field=f"attributes[{index}].key")
        if key in seen:
            raise DomainError(f"The key '{key}' is listed twice.", field=f"attributes[{index}].key")
        seen.add(key)
        level = attribute.get("level", MeasurementLevel.NOMINAL)
        if level not in MeasurementLevel.values:
            raise DomainError(
                f"'{level}' is not a level of measurement; use one of "
                f"{', '.join(MeasurementLevel.values)}.",
                field=f"attributes[{index}].level",
            )
        if not isinstance(attribute.get("values", []), list):
            raise DomainError("Values must be a list.", field=f"attributes[{index}].values")


@transaction.atomic
def ontology_create(
    *,
    name: str,
    terms: Iterable[Mapping[str, Any]],
    attributes: Iterable[Mapping[str, Any]] = (),
    version: int | None = None,
    description: str = "",
) -> Ontology:
    """Create an ontology version. Terms are {key, label, parent, synonyms}; parents
    may be listed after their children. Without a version, the next one is taken."""
    terms = list(terms)
    attributes = list(attributes)
    _validate_terms(terms)
    _validate_attributes(attributes)
    if version is None:
        latest = Ontology.objects.filter(name=name).order_by("-version").first()
        version = latest.version + 1 if latest else 1
    elif Ontology.objects.filter(name=name, version=version).exists():
        raise DomainError(f"{name} v{version} already exists.", field="version")
    ontology = Ontology.objects.create(name=name, version=version, description=description)
    rows = Term.objects.bulk_create(
        Term(
            ontology=ontology,
            key=term["key"],
            label=term.get("label") or term["key"].replace("_", " "),
            synonyms=term.get("synonyms") or {},
        )
        for term in terms
    )
    by_key = {row.key: row for row in rows}
    children = []
    for term in terms:
        if term.get("parent"):
            child = by_key[term["key"]]
            child.parent = by_key[term["parent"]]
            children.append(child)
    Term.objects.bulk_update(children, ["parent"])
    Attribute.objects.bulk_create(
        Attribute(
            ontology=ontology,
            key=attribute["key"],
            level=attribute.get("level", MeasurementLevel.NOMINAL),
            values=attribute.get("values", []),
        )
        for attribute in attributes
    )
    return ontology


def _validate_modalities(modalities: list[str]) -> None:
    if not modalities:
        raise DomainError("A project needs at least one modality.", field="modalities")
    for modality in modalities:
        if modality not in Modality.values:
            raise DomainError(
                f"'{modality}' is not a modality; use one of {', '.join(Modality.values)}.",
                field="modalities",
            )
    if len(set(modalities)) != len(modalities):
        raise DomainError("A modality is listed twice.", field="modalities")


@transaction.atomic
def project_create(
    *,
    name: str,
    client: Client,
    modalities: list[str],
    ontology: Ontology,
    rules: dict | None = None,
    overlap: int = 1,
    pods: Iterable[Pod] = (),
) -> Project:
    _validate_modalities(modalities)
    if overlap < 1:
        raise DomainError("Overlap is at least 1.", field="overlap")
    if rules is not None and not isinstance(rules, dict):
        raise DomainError("Rules are an object of rule names to settings.", field="rules")
    if Project.objects.filter(client=client, name=name).exists():
        raise DomainError(f"{client.name} already has a project named '{name}'.", field="name")
    project = Project.objects.create(
        name=name,
        client=client,
        modalities=modalities,
        ontology=ontology,
        rules=rules or {},
        overlap=overlap,
    )
    project.pods.set(list(pods))
    return project


@transaction.atomic
def project_update(*, project: Project, **changes: Any) -> Project:
    """Change a project's name, modalities, ontology, rules, overlap, pods or activity."""
    if "modalities" in changes:
        _validate_modalities(changes["modalities"])
    if "overlap" in changes and changes["overlap"] < 1:
        raise DomainError("Overlap is at least 1.", field="overlap")
    if "rules" in changes and not isinstance(changes["rules"], dict):
        raise DomainError("Rules are an object of rule names to settings.", field="rules")
    pods = changes.pop("pods", None)
    for field, value in changes.items():
        setattr(project, field, value)
    if (
        Project.objects.filter(client=project.client, name=project.name)
        .exclude(pk=project.pk)
        .exists()
    ):
        raise DomainError(
            f"{project.client.name} already has a project named '{project.name}'.", field="name"
        )
    project.save()
    if pods is not None:
        project.pods.set(list(pods))
    return project
