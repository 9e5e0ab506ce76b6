"""Two specialists of a pod on one data point's workspace, each in their own browser
context (own cookies) in a real Chromium against a real daphne: what one adds, the
other sees appear without reloading."""

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pods.models import Person
from tests.factories import PASSWORD, make_annotated_datapoint, make_client, make_pod, make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    for context in opened:
        context.set_default_timeout(15_000)
    yield opened
    for context in opened:
        context.close()


def open_workspace(
    context: BrowserContext, base_url: str, person: Person, datapoint_id: int
) -> Page:
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/datapoints/{datapoint_id}/")
    expect(page.locator("#ws-status")).to_have_attribute("data-state", "live")
    return page


def test_a_segment_added_by_one_appears_for_the_other_without_reload(
    contexts: list[BrowserContext], live_daphne: str
):
    client = make_client()
    pod = make_pod(["video", "audio", "text"], client=client)
    datapoint = make_annotated_datapoint(make_project(client=client, pods=[pod]), pod=pod)
    members = {m.modality: m.person for m in pod.members.filter(is_lead=False)}
    video, audio = members["video"], members["audio"]

    watcher = open_workspace(contexts[0], live_daphne, audio, datapoint.pk)
    watcher.evaluate("window.__sameDocument = true")
    editor = open_workspace(contexts[1], live_daphne, video, datapoint.pk)
    expect(watcher.locator("#ws-presence")).to_contain_text(video.username)

    form = editor.locator("#ws-annotation-form")
    form.get_by_label("Label").fill("cat")
    form.get_by_label("Entity").fill("cat-7")
    form.get_by_label("Start (ms, stream time)").fill("2500")
    form.get_by_label("End (ms)").fill("3100")
    form.get_by_role("button", name="Add segment").click()
    expect(editor.locator("#ws-annotation-result")).to_contain_text("Added #")

    change = watcher.locator('#ws-changes li[data-event="annotation.created"]')
    expect(change).to_contain_text("cat")
    expect(change).to_contain_text(video.username)
    assert watcher.evaluate("window.__sameDocument") is True  # no reload happened
    live_bars = watcher.evaluate(
        "document.getElementById('timeline').data.filter(t => t.meta && t.meta.live).length"
    )
    assert live_bars == 1

    watcher.locator("#ws-comment-body").fill("Is that a cat at 2.5 s?")
    watcher.get_by_role("button", name="Post").click()
    expect(editor.locator("#ws-comments")).to_contain_text("Is that a cat at 2.5 s?")


@pytest.mark.services  # the test process publishes through Redis to the daphne's socket
def test_the_badge_counts_a_new_assignment_live_and_clears_when_opened(
    contexts: list[BrowserContext], live_daphne: str
):
    from django.db import connection, transaction

    from tasks.services.lifecycle import publish_assigned
    from tests.factories import make_person

    person = make_person(skills=[("video", "senior")])
    page = contexts[0].new_page()
    page.goto(f"{live_daphne}/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_daphne}/")
    badge = page.locator("#notify .notify__count")
    expect(badge).to_have_text("0")
    expect(page.locator("#notify")).to_have_attribute("data-state", "live")  # ws/me said hello

    def assign():  # in a thread: Playwright keeps an event loop running in this one
        try:
            with transaction.atomic():
                publish_assigned({person.pk: [11, 12]})
        finally:
            connection.close()

    thread = threading.Thread(target=assign)
    thread.start()
    thread.join(10)

    expect(badge).to_have_text("1")
    page.locator("#notify .notify__button").click()
    expect(page.locator("#notify-panel")).to_contain_text("2 tasks assigned to you")
    expect(badge).to_have_text("0")
