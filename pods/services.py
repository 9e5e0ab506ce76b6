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


def client_update(*, client: Client, name: str | None = None) -> Client:
    """Rename a client; names stay unique, so a clash is a 400 and not a database error."""
    if name is not None and name != client.name:
        if Client.objects.filter(name=name).exclude(pk=client.pk).exists():
            raise DomainError(f"A client named '{name}' already exists.", field="name")
        client.name = name
        client.save(update_fields=["name", "updated_at"])
    return client


_PERSON_UPDATABLE = {
    "email",
    "first_name",
    "last_name",
    "role",
    "client",
    "capacity",
    "is_available",
    "is_active",
}


@transaction.atomic
def person_update(
    *,
    person: Person,
    password: str | None = None,
    skills: Iterable[tuple[str, str]] | None = None,
    **changes: object,
) -> Person:
    """Change an account. Role and client are checked together as in person_create;
    leaving the client-viewer role drops the client unless another one is given, and
    the ops-manager role carries Django admin access (is_staff) with it."""
    unknown = set(changes) - _PERSON_UPDATABLE
    if unknown:
        raise TypeError(f"person_update() cannot change {', '.join(sorted(unknown))}")
    role = changes.get("role", person.role)
    if role not in Role.values:
        raise DomainError(
            f"'{role}' is not a role; use one of {', '.join(Role.values)}.", field="role"
        )
    if role != Role.CLIENT_VIEWER and "client" not in changes:
        changes["client"] = None
    client = changes.get("client", person.client)
    if role == Role.CLIENT_VIEWER and client is None:
        raise DomainError("A client viewer must belong to a client.", field="client")
    if role != Role.CLIENT_VIEWER and client is not None:
        raise DomainError("Only client viewers belong to a client.", field="client")
    if role == Role.CLIENT_VIEWER and person.memberships.exists():
        raise DomainError(
            f"{person.username} is in a pod; take them out of it before making them a "
            "client viewer.",
            field="role",
        )
    for field, value in changes.items():
        setattr(person, field, value)
    person.is_staff = role == Role.OPS_MANAGER or person.is_superuser
    if password:
        person.set_password(password)
    person.save()
    if skills is not None:
        person_set_skills(person=person, skills=skills)
    return person


_POD_UPDATABLE = {"name", "client", "is_active"}


def pod_update(*, pod: Pod, **changes: object) -> Pod:
    """Rename, re-home (client affinity) or (de)activate a pod."""
    unknown = set(changes) - _POD_UPDATABLE
    if unknown:
        raise TypeError(f"pod_update() cannot change {', '.join(sorted(unknown))}")
    name = changes.get("name")
    if name is not None and Pod.objects.filter(name=name).exclude(pk=pod.pk).exists():
        raise DomainError(f"A pod named '{name}' already exists.", field="name")
    for field, value in changes.items():
        setattr(pod, field, value)
    pod.save()
    return pod


def pod_member_remove(*, member: PodMember) -> None:
    """Take a person out of one modality role of a pod. Their tasks stay theirs;
    routing stops giving them new work in that pod."""
    member.delete()
