"""Writes for people, clients and pods. Keyword-only, typed, one transaction each."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from common.errors import DomainError
from pods.models import Client, Modality, Person, Pod, PodMember, Role, Skill, SkillLevel


def client_create(*, name: str) -> Client:
    if Client.objects.filter(name=name).exists():
        raise DomainError(f"A client named '{name}' already exists.", field="name")
    return Client.objects.create(name=name)


def _check_modality(modality: str, field: str) -> None:
    if modality not in Modality.values:
        raise DomainError(
            f"'{modality}' is not a modality; use one of {', '.join(Modality.values)}.", field=field
        )


@transaction.atomic
def person_create(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    client: Client | None = None,
    skills: Iterable[tuple[str, str]] = (),
    capacity: int = 20,
) -> Person:
    """Create an account with its skills, as (modality, level) pairs."""
    if role not in Role.values:
        raise DomainError(
            f"'{role}' is not a role; use one of {', '.join(Role.values)}.", field="role"
        )
    if role == Role.CLIENT_VIEWER and client is None:
        raise DomainError("A client viewer must belong to a client.", field="client")
    if role != Role.CLIENT_VIEWER and client is not None:
        raise DomainError("Only client viewers belong to a client.", field="client")
    if Person.objects.filter(username=username).exists():
        raise DomainError(f"The username '{username}' is taken.", field="username")
    person = Person(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        client=client,
        capacity=capacity,
        is_staff=role == Role.OPS_MANAGER,
    )
    person.set_password(password)
    person.save()
    person_set_skills(person=person, skills=skills)
    return person


@transaction.atomic
def person_set_skills(*, person: Person, skills: Iterable[tuple[str, str]]) -> list[Skill]:
    """Replace the person's skills with the given (modality, level) pairs."""
    rows: dict[str, Skill] = {}
    for index, (modality, level) in enumerate(skills):
        _check_modality(modality, f"skills[{index}].modality")
        if level not in SkillLevel.values:
            raise DomainError(
                f"'{level}' is not a skill level; use one of {', '.join(SkillLevel.values)}.",
                field=f"skills[{index}].level",
            )
        if modality in rows:
            raise DomainError(f"'{modality}' is listed twice.", field=f"skills[{index}].modality")
        rows[modality] = Skill(person=person, modality=modality, level=level)
    person.skills.all().delete()
    return Skill.objects.bulk_create(rows.values())


def pod_create(*, name: str, client: Client | None = None) -> Pod:
    if Pod.objects.filter(name=name).exists():
        raise DomainError(f"A pod named '{name}' already exists.", field="name")
    return Pod.objects.create(name=name, client=client)


@transaction.atomic
def pod_member_add(*, pod: Pod, person: Person, modality: str, is_lead: bool = False) -> PodMember:
    """Add a person to a pod in a modality role they hold a skill for. Making them lead
    takes the lead from whoever held it (one lead per pod, enforced by the database)."""
    _check_modality(modality, "modality")
    if person.role == Role.CLIENT_VIEWER:
        raise DomainError("Client viewers cannot join a pod.", field="person")
    if not person.skills.filter(modality=modality).exists():
        raise DomainError(
            f"{person.username} has no {modality} skill; add it before giving them that role.",
            field="modality",
        )
    if is_lead:
        PodMember.objects.filter(pod=pod, is_lead=True).update(is_lead=False)
    try:
        with transaction.atomic():
            return PodMember.objects.create(
                pod=pod, person=person, modality=modality, is_lead=is_lead
            )
    except IntegrityError as exc:
        raise DomainError(
            f"{person.username} already holds the {modality} role in {pod.name}.", field="person"
        ) from exc
