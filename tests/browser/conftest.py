"""Playwright (sync API) driving Debian's Chromium against a real daphne.

pytest-playwright is not used: one browser is launched for the browser tests here,
and every test gets a fresh context (cookies, storage) of its own."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import CHROMIUM, require
from tests.live import live_daphne  # noqa: F401 (a fixture, used by the browser tests)

# Without the background-networking flags Chromium keeps trying hosts it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all tests of this package.

    Playwright's sync API leaves its event loop marked as running in this thread
    between calls, and Django then refuses ORM calls as if they came from async code.
    Nothing runs concurrently here, so the check is switched off, only while the
    browser lives (package scope: the rest of the suite keeps it) and never for
    daphne (tests.live strips it from the server's environment)."""
    require(os.path.exists(CHROMIUM), "needs Debian's chromium at /usr/bin/chromium")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
