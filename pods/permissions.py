"""Who may change what through the API, by role.

Visibility is not decided here: every view reads through a selector scoped to the
caller, so an object they may not see is a 404 before any of these classes runs on it.
These classes decide writes on what the caller can already see, which is why their
refusal is a 403. Writes on a detail route are therefore judged on the object (after
the 404), never up front, or a stranger could learn that an id exists.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from pods.selectors import is_staff_wide


def _is_detail_route(view) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


def _is_ops_manager(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and is_staff_wide(user))


class IsOpsManagerOrReadOnly(BasePermission):
    """Everyone signed in reads what their selector gives them; operations managers
    create and change."""

    message = "Only operations managers can change this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or _is_detail_route(view):
            return True
        return _is_ops_manager(request)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or _is_ops_manager(request)


class IsAssigneeOrReadOnly(BasePermission):
    """Annotations are written only on the caller's own tasks, whatever their role:
    an operations manager who can see a task still does not annotate in someone's
    name. `obj` is a task or anything with a `task`."""

    message = "Only the person the task is assigned to can change its annotations."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        task = getattr(obj, "task", obj)
        return task.assignee_id is not None and task.assignee_id == request.user.pk
