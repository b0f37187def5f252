"""In a real browser: an administrator resets a password; the user signs in with the one-time
password, is made to change it, sets up two-factor sign-in from the code on the page, signs out
signs in again with the password and a code from the app, opens a patient, signs out and is
refused the patient page when pressing Back."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyotp
import pytest
from browser_harness import LiveServer, Visitor, username_of
from playwright.sync_api import Browser

from trial_world import SITE_A
from trialdesk.domain.access import Role

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Violet-Anchor-Meadow-7"


def _sign_in(visitor: Visitor, username: str, password: str) -> None:
    visitor.visit("/login")
    visitor.page.fill("#username", username)
    visitor.page.fill("#password", password)
    with visitor.page.expect_navigation():
        visitor.page.click("button[type=submit]")


def _sign_out(visitor: Visitor) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click("form.logout button[type=submit]")


def test_a_reset_password_is_changed_then_two_factor_sign_in_is_set_up_and_used(
    browser: Browser, live: LiveServer, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    visitor = Visitor(live=live, page=context.new_page(), screenshots=tmp_path)
    page = visitor.page
    coordinator = username_of(Role.SITE_COORDINATOR, SITE_A)
    try:
        visitor.login(username_of(Role.SPONSOR_ADMIN))
        visitor.visit(f"/admin/users/{coordinator}")
        page.fill("#password-reason", "forgot the password")
        with page.expect_navigation():
            page.click("form[action$='/password-reset'] button[type=submit]")
        one_time = page.locator("#one-time-password").inner_text().strip()
        visitor.screenshot("one-time-password")
        _sign_out(visitor)

        _sign_in(visitor, coordinator, one_time)
        assert page.url.endswith("/account/password")
        visitor.visit("/subjects")  # any other page sends the user back to the change
        assert page.url.endswith("/account/password")
        visitor.screenshot("must-change-password")
        page.fill("#current_password", one_time)
        page.fill("#new_password", NEW_PASSWORD)
        page.fill("#repeat_password", NEW_PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.url.rstrip("/") == live.base_url

        visitor.visit("/account/two-factor")
        assert page.locator(".qr svg").count() == 1
        secret = page.locator("#totp-secret").inner_text().strip()
        visitor.screenshot("two-factor-enrolment")
        page.fill("#code", pyotp.TOTP(secret).at(live.clock.now()))
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator("#recovery-codes li").count() == 10
        visitor.screenshot("recovery-codes")
        _sign_out(visitor)

        _sign_in(visitor, coordinator, NEW_PASSWORD)
        assert page.url.endswith("/login/two-factor")
        visitor.screenshot("two-factor-code")
        # The app's next code (one step ahead is accepted): the enrolment's code is spent.
        next_code = pyotp.TOTP(secret).at(live.clock.now() + dt.timedelta(seconds=30))
        page.fill("#code", next_code)
        with page.expect_navigation():
            page.click("main form[action='/login/two-factor'] button[type=submit]")
        assert page.url.rstrip("/") == live.base_url
        assert re.search("dashboard", page.locator("h1").inner_text(), re.IGNORECASE)
        visitor.screenshot("signed-in-with-two-factor")

        subject = f"/subjects/{live.world.subject_id}"
        visitor.visit(subject)
        patient_heading = page.locator("h1").first.inner_text()
        _sign_out(visitor)
        page.go_back()
        page.wait_for_load_state()
        # Nothing was kept by the browser (no-store): Back asks the server, which wants a login.
        assert "/login" in page.url
        assert patient_heading not in page.locator("main").inner_text()
        visitor.screenshot("back-after-sign-out")
        assert all(shot.stat().st_size > 0 for shot in visitor.taken)
    finally:
        context.close()
