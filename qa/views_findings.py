"""The findings list page: every finding the user may see, filtered by type, check,
status, pod and modality pair through a GET form. Reads go through qa.selectors.

Kept apart from qa/views.py (the expert-queue pages) so each page family stays small."""

from itertools import combinations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pods.models import Modality, Role
from pods.selectors import pod_list_for_user
from qa.checks.codes import Check, FindingType
from qa.models import FindingStatus
from qa.selectors import finding_list_filtered_for_user

FINDINGS_PER_PAGE = 50
PAIR_SEPARATOR = "+"


def modality_pair_choices() -> list[tuple[str, str]]:
    """One modality ("video") and every pair in stored order ("audio+video")."""
    values = sorted(Modality.values)
    singles = [(value, f"{Modality(value).label} only") for value in values]
    pairs = [
        (f"{a}{PAIR_SEPARATOR}{b}", f"{Modality(a).label} / {Modality(b).label}")
        for a, b in combinations(values, 2)
    ]
    return [("", "Any modalities"), *pairs, *singles]


class FindingFilterForm(forms.Form):
    type = forms.ChoiceField(required=False, label="Type")
    check = forms.ChoiceField(required=False, label="Check")
    status = forms.ChoiceField(required=False, label="Status")
    pod = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Pod")
    modalities = forms.ChoiceField(required=False, label="Modality pair")

    def __init__(self, *args, pods, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Any type"), *FindingType.choices]
        self.fields["check"].choices = [("", "Any check"), *Check.choices]
        self.fields["status"].choices = [("", "Any status"), *FindingStatus.choices]
        self.fields["pod"].choices = [("", "Any pod"), *((pod.pk, pod.name) for pod in pods)]
        self.fields["modalities"].choices = modality_pair_choices()

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        pair = data.get("modalities") or ""
        modality_a, _, modality_b = pair.partition(PAIR_SEPARATOR)
        return {
            "type": data.get("type") or "",
            "check": data.get("check") or "",
            "status": data.get("status") or "",
            "pod_id": data.get("pod"),
            "modality_pair": (modality_a, modality_b) if pair else None,
        }


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    """An invalid filter value (a pod the user cannot see, a check that does not
    exist) is shown on the form and filters nothing, rather than a 400."""
    user = request.user
    show_pods = user.role != Role.CLIENT_VIEWER
    pods = list(pod_list_for_user(user=user).order_by("name")) if show_pods else []
    form = FindingFilterForm(request.GET or None, pods=pods)
    filters = form.selector_filters() if form.is_valid() else {}
    if not show_pods:
        filters.pop("pod_id", None)
    is_filtered = any(value not in ("", None) for value in filters.values()) or (
        form.is_bound and not form.is_valid()
    )
    findings = finding_list_filtered_for_user(user=user, **filters)
    page = Paginator(findings, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "qa/findings_list.html",
        {"form": form, "page": page, "is_filtered": is_filtered, "show_pods": show_pods},
    )
