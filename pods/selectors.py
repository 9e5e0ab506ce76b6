"""Reads about people and pods, scoped to the asking user."""

from django.db.models import Q, QuerySet

from pods.models import Client, Person, Pod, Role


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
