"""Escalation of cross-modal conflicts to experts: open (route to an expert), claim,
resolve, and raise the overdue ones to operations.

An escalation gathers the *open* findings of one data point once its specialists
could have fixed them (every task submitted and validated, or a grace period past).
Findings an expert accepted are `confirmed`, not open, so they are never gathered
again; a finding validation reopens later is.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from common.errors import DomainError
from common.events import publish_many_on_commit
from pods.models import Person, PodMember, Role, Skill
from qa.models import (
    ACTIVE_ESCALATION_STATUSES,
    Escalation,
    EscalationFinding,
    EscalationStatus,
    Finding,
    FindingStatus,
    ResolutionOutcome,
    Severity,
)
from qa.selectors_escalations import rule_feedback
from tasks.models import Annotation, DataPoint, Project, Task
from tasks.services.annotations import annotation_correct
from tasks.services.lifecycle import DONE_STATUSES, person_group

# How long an expert has, by the escalation's worst severity.
DUE_AFTER = {
    Severity.ERROR: timedelta(hours=24),
    Severity.WARNING: timedelta(hours=72),
    Severity.INFO: timedelta(days=7),
}
SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
DEFAULT_GRACE = timedelta(hours=24)

# The status a finding takes for each outcome. "accepted" means the finding is real
# but both modalities are right (the expert records why): it stays a `confirmed`
# finding, so it still counts in the sync-error rate, and it is never escalated again.
FINDING_STATUS_OF_OUTCOME = {
    ResolutionOutcome.FIXED: FindingStatus.FIXED,
    ResolutionOutcome.ACCEPTED: FindingStatus.CONFIRMED,
    ResolutionOutcome.DISMISSED: FindingStatus.DISMISSED,
}


def _pair_of(findings: Sequence[Finding]) -> tuple[str, str]:
    """The modality pair most of the findings are about; ties go to the pair of the
    most severe finding."""
    counts = Counter((f.modality_a, f.modality_b) for f in findings)
    worst = {
        pair: max(
            SEVERITY_RANK[f.severity] for f in findings if (f.modality_a, f.modality_b) == pair
        )
        for pair in counts
    }
    return max(counts, key=lambda pair: (counts[pair], worst[pair], pair))


def experts_for_pair(*, modality_a: str, modality_b: str = "") -> "list[Person]":
    """Active, available experts holding a skill in both modalities of the pair (one
    for a single-modality finding), with `open_escalations` annotated."""
    needed = [m for m in (modality_a, modality_b) if m]
    experts = Person.objects.filter(role=Role.EXPERT, is_active=True, is_available=True)
    for modality in needed:
        experts = experts.filter(
            Exists(Skill.objects.filter(person=OuterRef("pk"), modality=modality))
        )
    return list(
        experts.annotate(
            open_escalations=Count(
                "escalations", filter=Q(escalations__status__in=ACTIVE_ESCALATION_STATUSES)
            )
        ).order_by("open_escalations", "pk")
    )


def _route(experts: list[Person], client_id: int, affinity: set[int]) -> Person | None:
    """Least loaded first; among equals, one who already resolved this client's
    escalations (they know its guidelines)."""
    if not experts:
        return None
    return min(experts, key=lambda e: (e.open_escalations, e.pk not in affinity, e.pk))


def _pod_lead_ids(pod_ids: set[int]) -> dict[int, int]:
    return dict(
        PodMember.objects.filter(pod_id__in=pod_ids, is_lead=True).values_list(
            "pod_id", "person_id"
        )
    )


def escalation_payload(escalation: Escalation) -> dict:
    return {
        "id": escalation.pk,
        "datapoint": escalation.datapoint_id,
        "project": escalation.project_id,
        "modality_a": escalation.modality_a,
        "modality_b": escalation.modality_b,
        "severity": escalation.severity,
        "status": escalation.status,
        "expert": escalation.expert_id,
        "due_at": escalation.due_at.isoformat(),
    }


@transaction.atomic
def escalations_open(
    *, datapoint_ids: Sequence[int], now: datetime | None = None, require_submitted: bool = True
) -> list[Escalation]:
    """Open one escalation per data point whose findings are still open, gathering
    those findings and routing it to a qualified expert. Idempotent: a data point
    with an open or claimed escalation gets none (its new open findings join it).
    With `require_submitted`, only data points whose tasks are all done qualify.
    Publishes `escalation.assigned` to the expert and the pod's lead after commit."""
    now = now or timezone.now()
    datapoints = DataPoint.objects.select_for_update(of=("self",)).filter(
        pk__in=list(datapoint_ids)
    )
    if require_submitted:
        datapoints = datapoints.exclude(
            Exists(Task.objects.filter(datapoint=OuterRef("pk")).exclude(status__in=DONE_STATUSES))
        )
    rows = {dp.pk: dp for dp in datapoints.select_related("project").order_by("pk")}
    if not rows:
        return []
    findings: dict[int, list[Finding]] = {}
    for finding in Finding.objects.filter(datapoint_id__in=list(rows), status=FindingStatus.OPEN):
        findings.setdefault(finding.datapoint_id, []).append(finding)
    active = {
        e.datapoint_id: e
        for e in Escalation.objects.filter(
            datapoint_id__in=list(findings), status__in=ACTIVE_ESCALATION_STATUSES
        )
    }
    gathered = set(
        EscalationFinding.objects.filter(
            escalation__in=list(active.values()), finding__datapoint_id__in=list(findings)
        ).values_list("finding_id", flat=True)
    )
    client_ids = {rows[dp].project.client_id for dp in findings}
    affinity: dict[int, set[int]] = {}
    for client_id, expert_id in (
        Escalation.objects.filter(
            project__client_id__in=client_ids, status=EscalationStatus.RESOLVED
        )
        .values_list("project__client_id", "expert_id")
        .distinct()
    ):
        affinity.setdefault(client_id, set()).add(expert_id)
    leads = _pod_lead_ids({rows[dp].pod_id for dp in findings if rows[dp].pod_id})

    pool: dict[tuple[str, str], list[Person]] = {}
    created: list[Escalation] = []
    links: list[EscalationFinding] = []
    messages = []
    for datapoint_id, open_findings in sorted(findings.items()):
        if datapoint_id in active:  # join the escalation already under way
            links += [
                EscalationFinding(escalation=active[datapoint_id], finding=f)
                for f in open_findings
                if f.pk not in gathered
            ]
            continue
        datapoint = rows[datapoint_id]
        modality_a, modality_b = _pair_of(open_findings)
        severity = max((f.severity for f in open_findings), key=SEVERITY_RANK.__getitem__)
        if (modality_a, modality_b) not in pool:  # one query per pair, loads kept here
            pool[modality_a, modality_b] = experts_for_pair(
                modality_a=modality_a, modality_b=modality_b
            )
        expert = _route(
            pool[modality_a, modality_b],
            datapoint.project.client_id,
            affinity.get(datapoint.project.client_id, set()),
        )
        if expert is not None:
            expert.open_escalations += 1
        escalation = Escalation.objects.create(
            datapoint=datapoint,
            project_id=datapoint.project_id,
            modality_a=modality_a,
            modality_b=modality_b,
            expert=expert,
            severity=severity,
            due_at=now + DUE_AFTER[severity],
        )
        created.append(escalation)
        links += [EscalationFinding(escalation=escalation, finding=f) for f in open_findings]
        payload = escalation_payload(escalation)
        recipients = {expert.pk} if expert else set()
        if datapoint.pod_id in leads:
            recipients.add(leads[datapoint.pod_id])
        messages += [
            (person_group(pk), "escalation.assigned", payload) for pk in sorted(recipients)
        ]
    EscalationFinding.objects.bulk_create(links, ignore_conflicts=True)
    # Validation writes findings in bulk, without history: record each gathered
    # finding as it stood, so the audit trail shows the expert's change against it.
    Finding.history.bulk_history_create(
        [link.finding for link in links],
        update=True,
        default_change_reason=f"escalated at {now:%Y-%m-%d %H:%M}",
        default_date=now,
    )
    publish_many_on_commit(messages)
    return created


def escalations_open_after_grace(
    *, grace: timedelta = DEFAULT_GRACE, now: datetime | None = None
) -> list[Escalation]:
    """The periodic sweep: data points with a finding open for longer than `grace`
    are escalated even if some of their tasks are still open."""
    now = now or timezone.now()
    ids = list(
        Finding.objects.filter(status=FindingStatus.OPEN, created_at__lt=now - grace)
        .exclude(
            Exists(
                EscalationFinding.objects.filter(
                    finding=OuterRef("pk"), escalation__status__in=ACTIVE_ESCALATION_STATUSES
                )
            )
        )
        .values_list("datapoint_id", flat=True)
        .distinct()
    )
    return escalations_open(datapoint_ids=ids, now=now, require_submitted=False) if ids else []


def can_handle(*, user: Person, escalation: Escalation) -> bool:
    """An expert with a skill in each modality of the escalation's pair."""
    if user.role != Role.EXPERT or not user.is_active:
        return False
    needed = {m for m in (escalation.modality_a, escalation.modality_b) if m}
    held = set(
        Skill.objects.filter(person=user, modality__in=needed).values_list("modality", flat=True)
    )
    return needed <= held


def escalation_claim(
    *, expert: Person, escalation: Escalation, now: datetime | None = None
) -> Escalation:
    """Take an escalation. Locks its row (SELECT … FOR UPDATE), so of two experts
    claiming at once exactly one wins; the other gets a DomainError. Claiming your
    own claim again is a no-op."""
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if not can_handle(user=expert, escalation=locked):
            raise DomainError(
                "Only an expert in both modalities of this conflict can claim it.", field="expert"
            )
        if locked.status == EscalationStatus.CLAIMED and locked.expert_id == expert.pk:
            return locked
        if locked.status != EscalationStatus.OPEN:
            raise DomainError(
                f"This escalation is already {locked.get_status_display().lower()}.", field="status"
            )
        locked.status = EscalationStatus.CLAIMED
        locked.expert = expert
        locked.claimed_at = now or timezone.now()
        locked._history_user = expert
        locked.save(update_fields=["status", "expert", "claimed_at", "updated_at"])
        return locked


@dataclass(frozen=True)
class Outcome:
    finding_id: int
    outcome: str


@dataclass(frozen=True)
class Correction:
    annotation_id: int
    changes: dict


def _check_resolution(
    escalation: Escalation,
    outcomes: Sequence[Outcome],
    corrections: Sequence[Correction],
    note: str,
) -> dict[int, EscalationFinding]:
    """Every check before any write, so an invalid resolution changes nothing."""
    items = {item.finding_id: item for item in escalation.items.select_related("finding")}
    seen: set[int] = set()
    for index, outcome in enumerate(outcomes):
        if outcome.outcome not in ResolutionOutcome.values:
            raise DomainError(
                f"'{outcome.outcome}' is not an outcome; use one of "
                f"{', '.join(ResolutionOutcome.values)}.",
                field=f"outcomes[{index}].outcome",
            )
        if outcome.finding_id not in items:
            raise DomainError(
                f"Finding {outcome.finding_id} is not one of this escalation's findings.",
                field=f"outcomes[{index}].finding",
            )
        if outcome.finding_id in seen:
            raise DomainError(
                f"Finding {outcome.finding_id} is listed twice.", field=f"outcomes[{index}].finding"
            )
        seen.add(outcome.finding_id)
    missing = sorted(set(items) - seen)
    if missing:
        raise DomainError(
            "Give an outcome for every finding of the escalation; missing: "
            f"{', '.join(map(str, missing))}.",
            field="outcomes",
        )
    if not note.strip():
        raise DomainError("Say in a note why you resolved it this way.", field="note")
    if corrections:
        ids = [c.annotation_id for c in corrections]
        mine = set(
            Annotation.objects.filter(
                pk__in=ids, task__datapoint_id=escalation.datapoint_id
            ).values_list("pk", flat=True)
        )
        for index, correction in enumerate(corrections):
            if correction.annotation_id not in mine:
                raise DomainError(
                    f"Annotation {correction.annotation_id} is not on this data point.",
                    field=f"corrections[{index}].annotation",
                )
    return items


def escalation_resolve(
    *,
    expert: Person,
    escalation: Escalation,
    outcomes: Sequence[Outcome],
    note: str,
    corrections: Sequence[Correction] = (),
    now: datetime | None = None,
) -> Escalation:
    """Resolve a claimed escalation: apply the expert's annotation corrections
    (through tasks' `annotation_correct`), then set every finding's status from its
    outcome. One transaction; any invalid part (raised as DomainError naming the
    field, e.g. `outcomes[1].finding`) rolls back everything. Publishes
    `finding.resolved` to the data point and `escalation.resolved` to the pod lead."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.status != EscalationStatus.CLAIMED or locked.expert_id != expert.pk:
            raise DomainError("Claim this escalation before resolving it.", field="status")
        items = _check_resolution(locked, outcomes, corrections, note)
        for index, correction in enumerate(corrections):
            annotation = Annotation.objects.get(pk=correction.annotation_id)
            try:
                annotation_correct(
                    actor=expert,
                    annotation=annotation,
                    data=correction.changes,
                    reason=f"escalation {locked.pk}",
                )
            except DomainError as error:
                raise DomainError(
                    error.message, field=f"corrections[{index}].{error.field}"
                ) from error
        by_outcome: dict[str, list[int]] = {}
        for outcome in outcomes:
            item = items[outcome.finding_id]
            item.outcome = outcome.outcome
            finding = item.finding
            finding.status = FINDING_STATUS_OF_OUTCOME[outcome.outcome]
            finding.resolved_at = None if finding.status == FindingStatus.CONFIRMED else now
            finding._history_user = expert
            finding._change_reason = f"{outcome.outcome} in escalation {locked.pk}"
            finding.save(update_fields=["status", "resolved_at", "updated_at"])
            by_outcome.setdefault(outcome.outcome, []).append(finding.pk)
        EscalationFinding.objects.bulk_update(list(items.values()), ["outcome"])
        locked.status = EscalationStatus.RESOLVED
        locked.resolved_at = now
        locked.note = note.strip()
        locked._history_user = expert
        locked.save(update_fields=["status", "resolved_at", "note", "updated_at"])
        group = f"datapoint-{locked.datapoint_id}"
        messages = [
            (
                group,
                "finding.resolved",
                {
                    "datapoint": locked.datapoint_id,
                    "findings": ids,
                    "status": FINDING_STATUS_OF_OUTCOME[o],
                    "outcome": o,
                },
            )
            for o, ids in by_outcome.items()
        ]
        pod_id = locked.datapoint.pod_id
        lead = _pod_lead_ids({pod_id}).get(pod_id) if pod_id else None
        if lead:
            messages.append((person_group(lead), "escalation.resolved", escalation_payload(locked)))
        messages += _rules_to_tune_messages(
            project=locked.project, checks={item.finding.check_code for item in items.values()}
        )
        publish_many_on_commit(messages)
        return locked


def _rules_to_tune_messages(*, project: Project, checks: set[str]) -> list:
    """`rule.to_tune` to every operations manager for each of these checks whose
    dismissal share is now over the limit (qa.selectors_escalations.rule_feedback)."""
    flagged = [row for row in rule_feedback(project=project) if row.to_tune and row.check in checks]
    if not flagged:
        return []
    managers = list(
        Person.objects.filter(role=Role.OPS_MANAGER, is_active=True).values_list("pk", flat=True)
    )
    return [
        (
            person_group(pk),
            "rule.to_tune",
            {
                "project": project.pk,
                "check": row.check,
                "dismissal_rate": row.dismissal_rate,
                "resolved": row.resolved,
            },
        )
        for row in flagged
        for pk in managers
    ]


def escalations_raise_overdue(*, now: datetime | None = None) -> list[int]:
    """Flag escalations past their due time that are not resolved, once each, and
    tell every operations manager (`escalation.overdue` on their ws/me group).
    Returns the ids raised."""
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            Escalation.objects.select_for_update(skip_locked=True)
            .filter(status__in=ACTIVE_ESCALATION_STATUSES, due_at__lt=now, raised_at__isnull=True)
            .order_by("pk")
        )
        if not overdue:
            return []
        ids = [e.pk for e in overdue]
        for escalation in overdue:
            escalation.raised_at = now
            escalation.save(update_fields=["raised_at", "updated_at"])
        managers = Person.objects.filter(role=Role.OPS_MANAGER, is_active=True).values_list(
            "pk", flat=True
        )
        publish_many_on_commit(
            [
                (person_group(pk), "escalation.overdue", {"escalations": ids, "count": len(ids)})
                for pk in managers
            ]
        )
        return ids


__all__ = [
    "Correction",
    "Outcome",
    "can_handle",
    "escalation_claim",
    "escalation_resolve",
    "escalations_open",
    "escalations_open_after_grace",
    "escalations_raise_overdue",
    "experts_for_pair",
]
