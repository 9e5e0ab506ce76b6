"""Quality pages: the project quality dashboard, the pod lead's calibration page and
the client portal. They read snapshots through metrics.selectors and never recompute
over raw annotations while loading; the one exception is an open iteration's figures,
computed only when the pod lead asks for them (`?live=1`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from metrics import charts
from metrics.models import IterationStatus, ProjectQualitySnapshot
from metrics.selectors import (
    guideline_list,
    iteration_list_for_user,
    iteration_report_for_user,
    quality_series_for_user,
)
from metrics.services import can_run_iterations, iteration_close
from pods.selectors import can_see_names
from tasks.selectors import project_list_for_user


@login_required
@require_GET
def project_quality(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    series = quality_series_for_user(user=request.user, project=project)
    iterations = iteration_list_for_user(user=request.user).filter(project=project)
    context = {
        "project": project,
        "series": series,
        "figures": {
            "rate": charts.rate_figure(series),
            "alpha": charts.alpha_figure(series),
            "dismissal": charts.dismissal_figure(series),
        },
        "iterations": iterations.order_by("-opened_at")[:50],
        "show_ids": can_see_names(request.user),
    }
    return render(request, "metrics/project_quality.html", context)


@login_required
@require_GET
def calibration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    iteration = get_object_or_404(iteration_list_for_user(user=request.user), pk=pk)
    is_open = iteration.status == IterationStatus.OPEN
    report = None
    if not is_open or request.GET.get("live") == "1":
        report = iteration_report_for_user(user=request.user, iteration=iteration)
    figures = report["figures"] if report else {}
    context = {
        "iteration": iteration,
        "report": report,
        "figures": figures,
        "is_open": is_open,
        "can_close": is_open and can_run_iterations(user=request.user, pod=iteration.pod),
        "guidelines": guideline_list(project=iteration.project),
        "alpha_chart": charts.agreement_figure(figures) if figures else None,
    }
    return render(request, "metrics/calibration_detail.html", context)


@login_required
@require_POST
def calibration_close(request: HttpRequest, pk: int) -> HttpResponse:
    iteration = get_object_or_404(iteration_list_for_user(user=request.user), pk=pk)
    try:
        iteration_close(actor=request.user, iteration=iteration)  # PermissionDenied → 403
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Iteration {iteration.number} closed; its figures are stored.")
    return redirect("calibration-detail", pk=pk)


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    """Read only: the projects the user may see (a client viewer: their client's), with
    the latest stored sync-error rate and the number of closed iterations."""
    latest = ProjectQualitySnapshot.objects.filter(project=OuterRef("pk")).order_by(
        "-computed_at", "-pk"
    )
    projects = list(
        project_list_for_user(user=request.user)
        .annotate(
            closed_iterations=Count(
                "iterations", filter=Q(iterations__status=IterationStatus.CLOSED), distinct=True
            ),
            latest_snapshot=Subquery(latest.values("pk")[:1]),
        )
        .order_by("client__name", "name")
    )
    snapshots = ProjectQualitySnapshot.objects.in_bulk(
        [p.latest_snapshot for p in projects if p.latest_snapshot]
    )
    for project in projects:
        snapshot = snapshots.get(project.latest_snapshot)
        project.latest_rate = snapshot.figures.get("rate") if snapshot else None
        project.latest_at = snapshot.computed_at if snapshot else None
    return render(request, "metrics/portal.html", {"projects": projects})
