"""Reads about people and pods, scoped to the asking user."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.crypto import salted_hmac

from pods.models import Client, Person, Pod, PodMember, Role


def is_staff_wide(user: Person) -> bool:
    """Operations managers (and superusers) see everything of the vendor."""
    return user.is_superuser or user.role == Role.OPS_MANAGER


def pod_ids_for_user(*, user: Person) -> list[int]:
    return list(user.memberships.values_list("pod_id", flat=True).distinct())


def pod_list_for_user(*, user: Person) -> QuerySet[Pod]:
    pods = Pod.objects.select_related("client")
    if is_staff_wide(user):
        return pods
    if user.role == Role.CLIENT_VIEWER:
        return pods.none()
    return pods.filter(members__person=user).distinct()


def client_list_for_user(*, user: Person) -> QuerySet[Client]:
    if is_staff_wide(user):
        return Client.objects.all()
    if user.role == Role.CLIENT_VIEWER:
        return Client.objects.filter(pk=user.client_id)
    return Client.objects.filter(projects__pods__members__person=user).distinct()


def person_list_for_user(*, user: Person) -> QuerySet[Person]:
    """Staff see everyone; pod members see the people of their pods; viewers only
    themselves (annotators are pseudonymised for clients)."""
    people = Person.objects.prefetch_related("skills")
    if is_staff_wide(user):
        return people
    if user.role == Role.CLIENT_VIEWER:
        return people.filter(pk=user.pk)
    return people.filter(Q(memberships__pod__members__person=user) | Q(pk=user.pk)).distinct()


def pod_with_members_list_for_user(*, user: Person) -> QuerySet[Pod]:
    """Pods with their members prefetched, for outputs that show lead and coverage."""
    return pod_list_for_user(user=user).prefetch_related(
        Prefetch("members", queryset=PodMember.objects.select_related("person"))
    )


def pod_member_list(*, pod: Pod) -> QuerySet[PodMember]:
    """A pod's members with their people and skills, so a listing costs three queries."""
    return pod.members.select_related("person").prefetch_related("person__skills")


def can_see_names(user: Person) -> bool:
    """Client viewers see annotators only through `person_pseudonym`."""
    return user.role != Role.CLIENT_VIEWER


def person_pseudonym(person_id: int) -> str:
    """A stable stand-in for an annotator's name, shown to clients. Keyed with the
    SECRET_KEY, so it cannot be reversed by hashing candidate ids."""
    digest = salted_hmac("syncpod.person_pseudonym", str(person_id)).hexdigest()
    return f"annotator-{digest[:8]}"


def person_name_for_user(*, user: Person, person: Person | None) -> str:
    """How `user` may see `person`: their name for vendor staff, a pseudonym derived
    from the id (never the username) for client viewers."""
    if person is None:
        return "—"
    if not can_see_names(user):
        return person_pseudonym(person.pk)
    return person.get_full_name() or person.username
