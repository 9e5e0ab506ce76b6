"""The expert queue pages: /escalations/ with claim buttons, and the resolve page."""

import pytest
from django.test import Client

from qa.models import EscalationStatus, FindingStatus
from qa.selectors_escalations import audit_trail_for_datapoint
from tasks.models import Annotation
from tests.factories import PASSWORD
from tests.qa.test_escalations import Conflict, build_conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict(settings) -> Conflict:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_conflict()


def _browser(person) -> Client:
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=person.username, password=PASSWORD)
    return browser


def _csrf(browser: Client, url: str) -> str:
    browser.get(url)
    return browser.cookies["csrftoken"].value


class TestQueuePage:
    def test_an_expert_with_nothing_to_do_is_told_the_queue_is_empty(self, conflict):
        response = _browser(conflict.eve).get("/escalations/")

        assert response.status_code == 200
        assert "The queue is empty" in response.content.decode()

    def test_the_queue_lists_the_conflict_with_a_claim_button(self, conflict):
        escalation = conflict.escalated()

        page = _browser(conflict.eve).get("/escalations/").content.decode()

        assert escalation.datapoint.external_id in page
        assert f'action="/escalations/{escalation.pk}/claim/"' in page
        assert "csrfmiddlewaretoken" in page

    def test_claiming_from_the_page_takes_the_expert_to_the_resolve_page(self, conflict):
        escalation = conflict.escalated()
        browser = _browser(conflict.eve)
        token = _csrf(browser, "/escalations/")

        response = browser.post(
            f"/escalations/{escalation.pk}/claim/", {"csrfmiddlewaretoken": token}
        )

        assert response.status_code == 302
        assert response["Location"] == f"/escalations/{escalation.pk}/"
        escalation.refresh_from_db()
        assert (escalation.status, escalation.expert) == (EscalationStatus.CLAIMED, conflict.eve)

    def test_an_expert_without_the_pair_gets_a_404_on_the_escalation(self, conflict):
        escalation = conflict.escalated()

        browser = _browser(conflict.ann)

        assert browser.get(f"/escalations/{escalation.pk}/").status_code == 404
        token = _csrf(browser, "/escalations/")
        claim = browser.post(f"/escalations/{escalation.pk}/claim/", {"csrfmiddlewaretoken": token})
        assert claim.status_code == 404


class TestResolvePage:
    def test_the_page_lists_the_conflicting_annotations_and_resolves_with_a_note(self, conflict):
        escalation = conflict.escalated()
        finding = escalation.findings.get()
        browser = _browser(conflict.eve)
        token = _csrf(browser, "/escalations/")
        browser.post(f"/escalations/{escalation.pk}/claim/", {"csrfmiddlewaretoken": token})

        page = browser.get(f"/escalations/{escalation.pk}/").content.decode()
        assert "audio-main" in page and "video-main" in page
        assert finding.message in page

        missing_note = browser.post(
            f"/escalations/{escalation.pk}/",
            {"csrfmiddlewaretoken": token, f"outcome-{finding.pk}": "dismissed", "note": ""},
        )
        assert missing_note.status_code == 400
        assert "note" in missing_note.content.decode().lower()
        finding.refresh_from_db()
        assert finding.status == FindingStatus.OPEN

        done = browser.post(
            f"/escalations/{escalation.pk}/",
            {
                "csrfmiddlewaretoken": token,
                f"outcome-{finding.pk}": "dismissed",
                "note": "The engine starts before it is visible.",
            },
        )
        assert done.status_code == 302
        finding.refresh_from_db()
        assert finding.status == FindingStatus.DISMISSED

    def test_the_expert_fixes_a_late_segment_from_the_page(self, conflict):
        escalation = conflict.escalated()
        finding = escalation.findings.get()
        audio = Annotation.objects.get(task__datapoint=escalation.datapoint, task__modality="audio")
        browser = _browser(conflict.eve)
        token = _csrf(browser, "/escalations/")
        browser.post(f"/escalations/{escalation.pk}/claim/", {"csrfmiddlewaretoken": token})
        assert (
            f'name="a-{audio.pk}-start_ms"'
            in browser.get(f"/escalations/{escalation.pk}/").content.decode()
        )

        response = browser.post(
            f"/escalations/{escalation.pk}/",
            {
                "csrfmiddlewaretoken": token,
                f"outcome-{finding.pk}": "fixed",
                f"a-{audio.pk}-label": audio.label,
                f"a-{audio.pk}-start_ms": "1000",
                f"a-{audio.pk}-end_ms": "2000",
                "note": "Aligned the audio to the video.",
            },
        )

        assert response.status_code == 302
        audio.refresh_from_db()
        assert (audio.start_ms, audio.end_ms) == (1000.0, 2000.0)
        finding.refresh_from_db()
        assert finding.status == FindingStatus.FIXED

    def test_a_time_that_is_not_a_number_is_shown_and_changes_nothing(self, conflict):
        escalation = conflict.escalated()
        finding = escalation.findings.get()
        audio = Annotation.objects.get(task__datapoint=escalation.datapoint, task__modality="audio")
        browser = _browser(conflict.eve)
        token = _csrf(browser, "/escalations/")
        browser.post(f"/escalations/{escalation.pk}/claim/", {"csrfmiddlewaretoken": token})

        response = browser.post(
            f"/escalations/{escalation.pk}/",
            {
                "csrfmiddlewaretoken": token,
                f"outcome-{finding.pk}": "fixed",
                f"a-{audio.pk}-start_ms": "soon",
                "note": "Aligned.",
            },
        )

        assert response.status_code == 400
        assert "is not a time in milliseconds" in response.content.decode()
        finding.refresh_from_db()
        assert finding.status == FindingStatus.OPEN

    def test_the_audit_trail_partial_shows_who_resolved(self, conflict):
        from django.template.loader import render_to_string

        escalation = conflict.escalated()
        empty = render_to_string("qa/_audit_trail.html", {"trail": []})
        assert "No changes recorded yet" in empty
        from qa.services.escalations import Outcome, escalation_claim, escalation_resolve

        escalation_claim(expert=conflict.eve, escalation=escalation)
        escalation_resolve(
            expert=conflict.eve,
            escalation=escalation,
            outcomes=[Outcome(escalation.findings.get().pk, "dismissed")],
            note="False positive.",
        )
        trail = audit_trail_for_datapoint(user=conflict.ops, datapoint=escalation.datapoint)

        html = render_to_string("qa/_audit_trail.html", {"trail": trail})

        assert "eve" in html
        assert "open → dismissed" in html
