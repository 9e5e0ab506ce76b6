"""`{% render_panel panel %}`: render a registered data-point panel (tasks.panels)
with its own context and the request's."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context: template.Context, panel) -> SafeString:
    return render_to_string(panel.template, panel.context, request=context.get("request"))
