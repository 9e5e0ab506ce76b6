from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "Cross-modal QA"

    def ready(self) -> None:
        from qa import receivers
        from qa.panels import datapoint_qa_panels
        from tasks.panels import register_datapoint_panels
        from tasks.signals import datapoint_submitted

        register_datapoint_panels("qa", datapoint_qa_panels)

        datapoint_submitted.connect(
            receivers.datapoint_submitted_validate, dispatch_uid="qa.datapoint_submitted"
        )
