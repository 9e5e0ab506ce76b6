"""Reads of iterations, reports and quality series, scoped to the asking user.

Snapshots key annotators by person id; every read here turns those ids into what the
reader may see: names for vendor staff, `person_pseudonym` for client viewers (who
never get the id either). Closed iterations are read from their snapshot; an open one
is computed live from its batch (the only place metrics are computed on read, for the
pod lead watching a running round).
"""

from __future__ import annotations

import copy

from django.db.models import QuerySet

from metrics.figures import iteration_figures
from metrics.models import (
    CalibrationIteration,
    Guideline,
    IterationSnapshot,
    IterationStatus,
    ProjectQualitySnapshot,
)
from pods.models import Person, Pod
from pods.selectors import can_see_names, person_pseudonym
from tasks.models import Project
from tasks.selectors import project_list_for_user

TARGET_RATE = 0.05
INDUSTRY_BASELINE_RATE = 0.34


def iteration_list_for_user(*, user: Person) -> QuerySet[CalibrationIteration]:
    """Iterations of the projects the user may see."""
    return CalibrationIteration.objects.select_related(
        "project", "project__client", "pod", "guideline", "opened_by"
    ).filter(project__in=project_list_for_user(user=user).values("pk"))


def guideline_list(*, project: Project) -> QuerySet[Guideline]:
    return Guideline.objects.filter(project=project).select_related("started_iteration")


def _names(user: Person, person_ids: set[int]) -> dict[str, str]:
    if not can_see_names(user):
        return {str(pk): person_pseudonym(pk) for pk in person_ids}
    people = Person.objects.filter(pk__in=person_ids).only("username", "first_name", "last_name")
    return {str(p.pk): p.get_full_name() or p.username for p in people}


def _pod_names(pod_ids: set[str]) -> dict[str, str]:
    ids = [int(pk) for pk in pod_ids if pk.isdigit()]
    names = dict(Pod.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {str(pk): name for pk, name in names.items()} | {"None": "no pod"}


def present_figures(figures: dict, *, user: Person) -> dict:
    """A snapshot document made fit for `user`: annotator ids become names or
    pseudonyms (lists of rows with an `annotator` field), pod ids become names."""
    figures = copy.deepcopy(figures)
    annotators = figures.get("annotators", {})
    rates = figures.get("sync_errors", {})
    by_annotator = rates.get("by_annotator", {})
    ids = {int(pk) for pk in (*annotators, *by_annotator) if str(pk).isdigit()}
    names = _names(user, ids)
    show_ids = can_see_names(user)

    def rows(table: dict) -> list[dict]:
        out = []
        for pk, row in table.items():
            entry = {"annotator": names.get(str(pk), person_pseudonym(int(pk))), **row}
            if show_ids:
                entry["person"] = int(pk)
            out.append(entry)
        return sorted(out, key=lambda r: r["annotator"])

    figures["annotators"] = rows(annotators)
    if rates:
        rates["by_annotator"] = rows(by_annotator)
        pods = _pod_names(set(rates.get("by_pod", {})))
        rates["by_pod"] = {pods.get(k, k): v for k, v in rates.get("by_pod", {}).items()}
    return figures


def iteration_report_for_user(*, user: Person, iteration: CalibrationIteration) -> dict:
    """The report of an iteration the user may see (callers get it through
    `iteration_list_for_user`, so a stranger has had their 404 already)."""
    if iteration.status == IterationStatus.CLOSED:
        snapshot = IterationSnapshot.objects.filter(iteration=iteration).first()
        figures, computed_at, live = (
            (snapshot.figures, snapshot.computed_at, False) if snapshot else ({}, None, False)
        )
    else:
        figures, computed_at, live = iteration_figures(iteration), None, True
    return {
        "iteration": iteration.pk,
        "project": iteration.project_id,
        "pod": iteration.pod.name,
        "number": iteration.number,
        "status": iteration.status,
        "overlap": iteration.overlap,
        "guideline_version": iteration.guideline.version if iteration.guideline_id else None,
        "live": live,
        "computed_at": computed_at,
        "figures": present_figures(figures, user=user),
    }


def quality_series_for_user(*, user: Person, project: Project) -> dict:
    """The closed iterations of a project in order (pod, number) with the figures the
    dashboard draws, read from snapshots only: two queries for the iterations and
    their snapshots, one for names, one for the latest project snapshot."""
    iterations = list(
        CalibrationIteration.objects.filter(project=project, status=IterationStatus.CLOSED)
        .select_related("pod", "guideline", "snapshot")
        .order_by("closed_at", "pod_id", "number")
    )
    points = []
    latest_annotators: dict = {}
    for iteration in iterations:
        snapshot = getattr(iteration, "snapshot", None)
        figures = snapshot.figures if snapshot else {}
        rates = figures.get("sync_errors", {})
        points.append(
            {
                "iteration": iteration.pk,
                "label": f"{iteration.pod.name} #{iteration.number}",
                "pod": iteration.pod.name,
                "number": iteration.number,
                "closed_at": iteration.closed_at,
                "guideline_version": iteration.guideline.version
                if iteration.guideline_id
                else None,
                "sync_error_rate": rates.get("rate"),
                "validated": rates.get("validated"),
                "stack_by_type": rates.get("stack_by_type", {}),
                "by_type": rates.get("by_type", {}),
                "alpha_by_modality": figures.get("alpha_by_modality", {}),
                "dismissal_by_check": rates.get("dismissal_by_check", {}),
            }
        )
        if figures.get("annotators"):
            latest_annotators = figures
    latest = (
        ProjectQualitySnapshot.objects.filter(project=project)
        .order_by("-computed_at")
        .only("figures", "computed_at")
        .first()
    )
    annotators = present_figures(latest_annotators, user=user)["annotators"] if points else []
    return {
        "project": project.pk,
        "name": project.name,
        "target_rate": TARGET_RATE,
        "baseline_rate": INDUSTRY_BASELINE_RATE,
        "iterations": points,
        "annotators": annotators,
        "current": (
            {
                "computed_at": latest.computed_at,
                "sync_error_rate": latest.figures.get("rate"),
                "validated": latest.figures.get("validated"),
                "by_type": latest.figures.get("by_type", {}),
                "dismissal_by_check": latest.figures.get("dismissal_by_check", {}),
            }
            if latest
            else None
        ),
    }
