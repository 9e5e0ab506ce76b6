from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo generator sits above every app, so it may seed all of them."""

    name = "demo"
    verbose_name = "Demo data"
