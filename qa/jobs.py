"""Celery jobs of the qa app: take ids, call one service."""

from celery import shared_task
from django.db import OperationalError

from qa.services import datapoints_validate as datapoints_validate_service
from qa.services import validation_job_fail


@shared_task(
    name="qa.datapoints_validate",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def datapoints_validate(datapoint_ids: list[int], job_id: int | None = None) -> dict:
    """Validate one chunk. Validation is idempotent, so a redelivered or retried
    chunk rewrites the same findings; a chunk that fails marks its Job failed."""
    try:
        summary = datapoints_validate_service(datapoint_ids=datapoint_ids, job_id=job_id)
    except OperationalError:
        raise
    except Exception as error:
        if job_id is not None:
            validation_job_fail(job_id=job_id, error=f"{type(error).__name__}: {error}")
        raise
    return summary.as_dict()
