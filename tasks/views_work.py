"""Work pages: the operations console (pods, queues, routing, stale tasks) and the
specialist's queue with its "next task" button. Every write calls the same services
as the API; a DomainError becomes a message on the page."""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from pods.models import Person, Role
from tasks.selectors import (
    open_task_list_for_user,
    pod_coverage_list_for_user,
    project_list_for_user,
)
from tasks.selectors_work import (
    can_manage_work,
    managed_open_task_list_for_user,
    queue_depth_for_user,
    reassign_candidates,
    stale_task_list_for_user,
)
from tasks.services.lifecycle import task_claim_next, task_reassign, task_release, task_submit
from tasks.services.routing import project_route

STALE_SHOWN = 100


def _stale_after() -> timedelta:
    return timedelta(hours=settings.SYNCPOD_STALE_TASK_HOURS)


def _attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run one service call for a page: its DomainError becomes an error message,
    success a success message. Returns whether it went through."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def _require_manager(user: Person) -> None:
    if not can_manage_work(user=user):
        raise Http404("Only operations managers and pod leads have a console.")


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """Pods with their coverage, queue depth per pod and modality, projects to route,
    and stale tasks to release or reassign."""
    _require_manager(request.user)
    stale = list(
        stale_task_list_for_user(user=request.user, older_than=_stale_after())[:STALE_SHOWN]
    )
    candidates = reassign_candidates(tasks=stale)
    context = {
        "pods": pod_coverage_list_for_user(user=request.user),
        "queues": queue_depth_for_user(user=request.user),
        "projects": project_list_for_user(user=request.user)
        if request.user.role != Role.POD_LEAD
        else [],
        "stale": [
            (
                task,
                [
                    p
                    for p in candidates.get((task.pod_id, task.modality), [])
                    if p.pk != task.assignee_id
                ],
            )
            for task in stale
        ],
        "stale_hours": settings.SYNCPOD_STALE_TASK_HOURS,
    }
    return render(request, "tasks/console.html", context)


@login_required
@require_POST
def console_route(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    try:
        report = project_route(project=project, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Routed {report.routed} data points of {project.name}: {report.assigned} tasks "
            f"assigned, {report.queued} waiting in pod queues.",
        )
    return redirect("console")


def _managed_task(request: HttpRequest, pk: int):
    _require_manager(request.user)
    task = managed_open_task_list_for_user(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("No open task with this id in your pods.")
    return task


@login_required
@require_POST
def console_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = _managed_task(request, pk)
    _attempt(
        request,
        lambda: task_release(actor=request.user, task=task, reason="released from the console"),
        f"Task {task.pk} is back in {task.pod.name}'s queue.",
    )
    return redirect("console")


@login_required
@require_POST
def console_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _managed_task(request, pk)
    person = Person.objects.filter(pk=request.POST.get("assignee") or 0).first()
    if person is None:
        messages.error(request, "Choose who takes the task.")
        return redirect("console")
    _attempt(
        request,
        lambda: task_reassign(actor=request.user, task=task, to=person),
        f"Task {task.pk} now goes to {person.username}.",
    )
    return redirect("console")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The caller's open tasks and, per project they work on, a "next task" button."""
    if request.user.role == Role.CLIENT_VIEWER:
        raise Http404("Client viewers have no task queue.")
    context = {
        "tasks": list(open_task_list_for_user(user=request.user)[:100]),
        "projects": project_list_for_user(user=request.user),
    }
    return render(request, "tasks/queue.html", context)


@login_required
@require_POST
def queue_next(request: HttpRequest) -> HttpResponse:
    project = get_object_or_404(
        project_list_for_user(user=request.user), pk=request.POST.get("project") or 0
    )
    try:
        task = task_claim_next(
            specialist=request.user, project=project, modality=request.POST.get("modality") or None
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("queue")
    if task is None:
        messages.info(request, f"Nothing is waiting for you in {project.name}. Well done.")
        return redirect("queue")
    return redirect("datapoint-detail", pk=task.datapoint_id)


def _own_task(request: HttpRequest, pk: int):
    task = open_task_list_for_user(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("No open task of yours with this id.")
    return task


@login_required
@require_POST
def queue_submit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _own_task(request, pk)
    _attempt(
        request,
        lambda: task_submit(actor=request.user, task=task),
        f"Submitted your {task.modality} task on {task.datapoint}.",
    )
    return redirect("queue")


@login_required
@require_POST
def queue_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = _own_task(request, pk)
    _attempt(
        request,
        lambda: task_release(actor=request.user, task=task),
        f"Released your {task.modality} task on {task.datapoint}.",
    )
    return redirect("queue")
