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


@shared_task(name="qa.escalations_open", acks_late=True, autoretry_for=(OperationalError,))
def escalations_open(datapoint_ids: list[int]) -> list[int]:
    """Escalate the data points whose findings stayed open after validation.
    Idempotent, so a redelivered job opens nothing twice."""
    from qa.services.escalations import escalations_open as service

    return [escalation.pk for escalation in service(datapoint_ids=datapoint_ids)]


@shared_task(name="qa.escalations_open_after_grace")
def escalations_open_after_grace() -> list[int]:
    """Periodic: escalate findings left open past the grace period."""
    from qa.services.escalations import escalations_open_after_grace as service

    return [escalation.pk for escalation in service()]


@shared_task(name="qa.escalations_raise_overdue")
def escalations_raise_overdue() -> list[int]:
    """Periodic: raise escalations past their due time to operations managers."""
    from qa.services.escalations import escalations_raise_overdue as service

    return service()
