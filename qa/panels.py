"""qa's panels on the data-point page: its findings (shaded on the timeline) and the
audit trail of annotations, findings and escalations."""

from pods.models import Person
from qa.selectors import findings_for_datapoint
from qa.selectors_escalations import audit_trail_for_datapoint
from tasks.models import DataPoint
from tasks.panels import Highlight, Panel


def datapoint_qa_panels(user: Person, datapoint: DataPoint) -> list[Panel]:
    findings = findings_for_datapoint(user=user, datapoint=datapoint)
    highlights = tuple(
        Highlight(
            start_ms=finding.start_ms,
            end_ms=finding.end_ms,
            label=f"{finding.check}: {finding.message}",
            severity=finding.severity,
        )
        for finding in findings
        if finding.is_active and finding.start_ms is not None and finding.end_ms is not None
    )
    return [
        Panel(
            template="qa/_datapoint_findings.html",
            context={"findings": findings},
            highlights=highlights,
            order=10,
        ),
        Panel(
            template="qa/_audit_trail.html",
            context={"trail": audit_trail_for_datapoint(user=user, datapoint=datapoint)},
            order=90,
        ),
    ]
