"""The expert queue pages: the queue with claim buttons, and a resolve page per
escalation. Thin: reads through qa.selectors_escalations (what the user may not
see is a 404), writes through the same services as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from pods.selectors import is_staff_wide
from qa.models import EscalationStatus, ResolutionOutcome
from qa.selectors_escalations import (
    escalation_detail_for_user,
    escalation_queue_for_user,
)
from qa.services.escalations import Correction, Outcome, escalation_claim, escalation_resolve

CORRECTABLE = ("label", "start_ms", "end_ms")


def _corrections(post, annotations) -> list[Correction]:
    """The fields the expert changed in the correction inputs (`a-<id>-<field>`);
    a time that is not a number is a DomainError naming the input."""
    corrections = []
    for annotation in annotations:
        changes = {}
        for name in CORRECTABLE:
            raw = post.get(f"a-{annotation.pk}-{name}", "").strip()
            if raw == "":
                continue
            value: object = raw
            if name != "label":
                try:
                    value = float(raw)
                except ValueError as error:
                    raise DomainError(
                        f"'{raw}' is not a time in milliseconds.", field=f"a-{annotation.pk}-{name}"
                    ) from error
            if value != getattr(annotation, name):
                changes[name] = value
        if changes:
            corrections.append(Correction(annotation.pk, changes))
    return corrections


@login_required
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    """Open escalations of the pairs the expert is qualified for, and their claims."""
    user = request.user
    escalations = list(escalation_queue_for_user(user=user).order_by("due_at", "pk")[:200])
    return render(
        request,
        "qa/escalation_list.html",
        {
            "mine": [e for e in escalations if e.status == EscalationStatus.CLAIMED],
            "open": [e for e in escalations if e.status == EscalationStatus.OPEN],
            "is_expert": user.role == "expert",
            "is_staff": is_staff_wide(user),
        },
    )


@login_required
@require_POST
def escalation_claim_view(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = get_object_or_404(escalation_queue_for_user(user=request.user), pk=pk)
    try:
        escalation_claim(expert=request.user, escalation=escalation)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("escalation-list")
    messages.success(request, f"You claimed the conflict on {escalation.datapoint.external_id}.")
    return redirect("escalation-resolve", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def escalation_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the conflicting annotations of each finding and the form; POST
    resolves with one outcome per finding and a note."""
    escalation = get_object_or_404(escalation_detail_for_user(user=request.user), pk=pk)
    items = list(escalation.items.all())
    annotations = list({a.pk: a for item in items for a in item.finding.annotations.all()}.values())
    errors: dict[str, str] = {}
    chosen = {item.finding_id: item.outcome for item in items}
    note = escalation.note
    if request.method == "POST":
        note = request.POST.get("note", "")
        outcomes = []
        for item in items:
            value = request.POST.get(f"outcome-{item.finding_id}", "")
            chosen[item.finding_id] = value
            outcomes.append(Outcome(item.finding_id, value))
        try:
            escalation_resolve(
                expert=request.user,
                escalation=escalation,
                outcomes=outcomes,
                note=note,
                corrections=_corrections(request.POST, annotations),
            )
        except DomainError as error:
            errors[error.field] = error.message
        else:
            messages.success(
                request, f"Resolved the conflict on {escalation.datapoint.external_id}."
            )
            return redirect("escalation-list")
    rows = [
        {"item": item, "finding": item.finding, "chosen": chosen.get(item.finding_id, "")}
        for item in items
    ]
    return render(
        request,
        "qa/escalation_resolve.html",
        {
            "escalation": escalation,
            "rows": rows,
            "annotations": annotations,
            "note": note,
            "errors": errors,
            "outcomes": ResolutionOutcome.choices,
            "can_resolve": escalation.status == EscalationStatus.CLAIMED
            and escalation.expert_id == request.user.pk,
            "can_claim": escalation.status == EscalationStatus.OPEN
            and request.user.role == "expert",
        },
        status=400 if errors else 200,
    )
