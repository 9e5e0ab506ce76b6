"""Who may do what in qa."""

from pods.models import Person, PodMember, Role
from pods.selectors import is_staff_wide
from tasks.models import Project


def can_validate_project(*, user: Person, project: Project) -> bool:
    """Operations managers, and the leads of the project's pods."""
    if is_staff_wide(user):
        return True
    if user.role != Role.POD_LEAD:
        return False
    return PodMember.objects.filter(
        person=user, is_lead=True, pod__in=project.pods.values("pk")
    ).exists()
