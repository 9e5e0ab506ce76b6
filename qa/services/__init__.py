"""Writes of the qa app. Validation: `datapoints_validate` (one chunk) and
`project_validate` (a project, fanned out in chunks)."""

from qa.services.validation import (
    DEFAULT_CHUNK_SIZE,
    JOB_KIND,
    ValidationSummary,
    datapoints_validate,
    project_datapoint_ids,
    project_validate,
    validation_job_fail,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "JOB_KIND",
    "ValidationSummary",
    "datapoints_validate",
    "project_datapoint_ids",
    "project_validate",
    "validation_job_fail",
]
