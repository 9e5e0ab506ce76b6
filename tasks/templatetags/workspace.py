"""`{% workspace datapoint %}`: the live collaboration panel of the data-point page
(presence, live changes, comments, findings, playhead and the caller's annotation
form), kept out of the page view so the page and the socket evolve separately."""

from django import template

from tasks.models import DataPoint
from tasks.selectors_workspace import workspace_open_task_list, workspace_stream_list

register = template.Library()


@register.inclusion_tag("tasks/_workspace_panel.html", takes_context=True)
def workspace(context, datapoint: DataPoint) -> dict:
    """Two queries: the caller's open tasks here and the data point's streams."""
    request = context["request"]
    streams = workspace_stream_list(datapoint=datapoint)
    tasks = workspace_open_task_list(user=request.user, datapoint=datapoint)
    modalities = {task.modality for task in tasks}
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "datapoint": datapoint,
        "open_tasks": tasks,
        "form_streams": [s for s in streams if s.modality in modalities],
        "offsets": {s.key: s.offset_ms for s in streams},
        "can_write": request.user.role != "client_viewer",
    }
