from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "Cross-modal QA"

    def ready(self) -> None:
        from qa import receivers
        from tasks.signals import datapoint_submitted

        datapoint_submitted.connect(
            receivers.datapoint_submitted_validate, dispatch_uid="qa.datapoint_submitted"
        )
