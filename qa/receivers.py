"""Reactions of qa to other apps' events, connected in QaConfig.ready."""

from typing import Any

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from qa.rules import rules_parse
from tasks.models import Project


@receiver(pre_save, sender=Project, dispatch_uid="qa.project_rules_check")
def project_rules_check(sender: type[Project], instance: Project, raw: bool, **kwargs: Any) -> None:
    """A project's rules are checked wherever they are saved (services, API, admin):
    `tasks` cannot import qa's rule parser, so qa checks on save. Raises DomainError
    naming the field (e.g. `rules.projection_iou.min_iou`); the API answers 400."""
    if not raw:
        rules_parse(instance.rules)


def datapoint_submitted_validate(sender: Any, *, datapoint_ids: list[int], **kwargs: Any) -> None:
    """Every task of these data points is submitted: validate them in a job once the
    submitting transaction commits (tasks sends the signal after commit already),
    then escalate the findings that stay open (linked, so it runs after validation)."""
    from qa.jobs import datapoints_validate as datapoints_validate_job
    from qa.jobs import escalations_open as escalations_open_job

    ids = list(datapoint_ids)
    transaction.on_commit(
        lambda: datapoints_validate_job.apply_async((ids,), link=escalations_open_job.si(ids))
    )
