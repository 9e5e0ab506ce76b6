"""Pages of projects and data points. Thin: every read goes through
`tasks.selectors`, and anything the user may not see is a 404."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from pods.models import Person, Pod, Role
from pods.selectors import is_staff_wide, pod_list_for_user
from tasks.panels import datapoint_panels
from tasks.selectors import (
    datapoint_detail_for_user,
    datapoint_records_for_user,
    open_task_list_for_user,
    pod_coverage_list_for_user,
    project_datapoint_list_for_user,
    project_list_for_user,
    project_overview_list_for_user,
)
from tasks.timeline import (
    NO_ENTITY_COLOUR,
    annotations_by_stream,
    build_figure,
    entity_colours,
)

DATAPOINTS_PER_PAGE = 25
OPEN_TASKS_SHOWN = 50
UNROUTED = "none"


def _audience(user: Person) -> str:
    """Which home a user gets: 'staff', 'member' (pod lead, specialist, expert) or 'client'."""
    if is_staff_wide(user):
        return "staff"
    return "client" if user.role == Role.CLIENT_VIEWER else "member"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What each role needs first: staff see every project and pod; pod members their
    open tasks, pods and projects; client viewers their client's projects."""
    user = request.user
    audience = _audience(user)
    projects = project_overview_list_for_user(user=user)
    context: dict = {"audience": audience, "projects": projects, "show_pods": audience != "client"}
    if audience != "client":
        context["pods"] = pod_coverage_list_for_user(user=user)
    if audience == "member":
        context["open_tasks"] = list(open_task_list_for_user(user=user)[:OPEN_TASKS_SHOWN])
    if audience == "staff":
        context["totals"] = {
            "projects": len(projects),
            "datapoints": sum(p.datapoint_count for p in projects),
            "open_tasks": sum(p.open_task_count for p in projects),
            "annotations": sum(p.annotation_count for p in projects),
        }
    return render(request, "tasks/home.html", context)


class DataPointFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="External id contains")
    pod = forms.ChoiceField(required=False, label="Pod")

    def __init__(self, *args, pods: list[Pod], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pod"].choices = [
            ("", "Any pod"),
            (UNROUTED, "Not routed yet"),
            *((str(pod.pk), pod.name) for pod in pods),
        ]


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    pods = list(pod_list_for_user(user=request.user).filter(projects=project))
    form = DataPointFilterForm(request.GET or None, pods=pods)
    filters = form.cleaned_data if form.is_valid() else {}
    pod = filters.get("pod") or ""
    datapoints = project_datapoint_list_for_user(
        user=request.user,
        project=project,
        search=filters.get("q", "").strip(),
        pod_id=int(pod) if pod.isdigit() else None,
        unrouted=pod == UNROUTED,
    )
    page = Paginator(datapoints, DATAPOINTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/project_detail.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "is_filtered": bool(filters.get("q") or pod),
            "show_pods": request.user.role != Role.CLIENT_VIEWER,
        },
    )


@login_required
@require_GET
def datapoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every stream and annotation of a data point on one master-clock timeline."""
    datapoint = get_object_or_404(datapoint_detail_for_user(user=request.user), pk=pk)
    records = datapoint_records_for_user(user=request.user, datapoint=datapoint)
    panels = datapoint_panels(user=request.user, datapoint=datapoint)
    highlights = [highlight for panel in panels for highlight in panel.highlights]
    return render(
        request,
        "tasks/datapoint_detail.html",
        {
            "datapoint": datapoint,
            "records": records,
            "panels": panels,
            "figure": build_figure(records.streams, records.annotations, highlights=highlights),
            "entities": entity_colours(records.annotations),
            "has_unlinked": any(not a.entity for a in records.annotations),
            "no_entity_colour": NO_ENTITY_COLOUR,
            "by_stream": annotations_by_stream(records.streams, records.annotations),
            "show_pods": request.user.role != Role.CLIENT_VIEWER,
        },
    )
