"""In a real browser: logging in, the public trial page, and site walls between coordinators."""

from __future__ import annotations

import json

import pytest
from browser_harness import Visitor, username_of

from trial_world import SITE_A, SITE_B
from trialdesk.domain.access import Role

pytestmark = pytest.mark.browser


def test_the_login_page_signs_a_coordinator_in_to_the_dashboard(visitor: Visitor) -> None:
    visitor.visit("/login")
    assert visitor.page.locator("h1").inner_text() == "Log in"
    visitor.screenshot("login")
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    assert "dashboard" in visitor.page.locator("h1").inner_text()
    visitor.screenshot("dashboard")
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)


def test_a_wrong_password_keeps_the_visitor_on_the_login_page_with_a_message(
    visitor: Visitor,
) -> None:
    visitor.visit("/login")
    visitor.page.fill("#username", username_of(Role.SITE_COORDINATOR, SITE_A))
    visitor.page.fill("#password", "not-the-password")
    with visitor.page.expect_navigation():
        visitor.page.click("button[type=submit]")
    assert visitor.page.url.endswith("/login")
    assert visitor.page.get_by_role("alert").is_visible()
    visitor.screenshot("login-refused")


def test_the_public_trial_page_shows_the_registry_record_without_login(visitor: Visitor) -> None:
    response = visitor.visit("/trial")
    assert response is not None
    assert response.status == 200
    text = visitor.page.locator("main").inner_text()
    for fact in ("NCT04738981", "Phase 3", "130 patients", "Peking University"):
        assert fact in text, fact
    visitor.screenshot("trial")


def test_a_coordinator_of_another_site_cannot_see_the_subject(visitor: Visitor) -> None:
    subject = f"/api/v1/subjects/{visitor.live.world.subject_id}"
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_B))
    response = visitor.visit(subject)
    assert response is not None
    assert response.status == 404
    assert json.loads(visitor.page.locator("body").inner_text())["error"] == "NotFoundError"
    visitor.screenshot("other-site-subject")


def test_the_subjects_own_site_coordinator_sees_it(visitor: Visitor) -> None:
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    response = visitor.visit(f"/api/v1/subjects/{visitor.live.world.subject_id}")
    assert response is not None
    assert response.status == 200
    assert json.loads(visitor.page.locator("body").inner_text())["site_code"] == SITE_A
    visitor.screenshot("own-site-subject")
