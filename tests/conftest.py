"""Shared fixtures. Tests that need PostgreSQL, Redis or Chromium use the `services`
or `browser` marker: they skip on a developer's bare machine, and fail in CI
(CI=true), where a missing service is a broken build, never a silent skip."""

import os
import shutil

import pytest
from django.conf import settings

from config.celery import app as celery_app

# Cheap password hashing here and in any server a test starts (it inherits the variable).
os.environ["SYNCPOD_FAST_PASSWORD_HASHER"] = "1"

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def services_mode() -> bool:
    return not settings.EMBEDDED and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine, fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this and it is missing: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    if IN_CI and not services_mode():
        raise pytest.UsageError("CI runs in services mode: set DATABASE_URL and REDIS_URL.")


@pytest.fixture(autouse=True)
def _services_and_browser_gate(request):
    if request.node.get_closest_marker("services"):
        require(services_mode(), "needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)")
    if request.node.get_closest_marker("browser"):
        require(os.path.exists(CHROMIUM), "needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Unit tests run jobs in-process; e2e tests start a real worker of their own."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous
