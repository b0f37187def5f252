"""In a real browser: Back after logout, and the API reference under the strict policy, offline."""

from __future__ import annotations

import pytest
from browser_harness import Visitor, username_of
from playwright.sync_api import ConsoleMessage, Request

from trial_world import SITE_A
from trialdesk.domain.access import Role

pytestmark = pytest.mark.browser


def test_back_after_logout_shows_the_login_page_not_the_patient(visitor: Visitor) -> None:
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    subject = f"/subjects/{visitor.live.world.subject_id}"
    visitor.visit(subject)
    heading = visitor.page.locator("h1").first.inner_text()
    assert visitor.page.url.endswith(subject)
    visitor.screenshot("subject-page")
    with visitor.page.expect_navigation():
        visitor.page.click("form.logout button[type=submit]")
    assert "/login" in visitor.page.url
    visitor.screenshot("logged-out")
    visitor.page.go_back()
    visitor.page.wait_for_load_state()
    # The page was never kept (no-store): going back asks the server, which wants a login.
    assert "/login" in visitor.page.url
    assert visitor.page.locator("h1").first.inner_text() == "Log in"
    assert heading not in visitor.page.locator("main").inner_text()
    visitor.screenshot("back-after-logout")


@pytest.mark.parametrize(("path", "ready"), [
    ("/api/v1/docs", ".swagger-ui .info .title"),
    ("/api/v1/redoc", "h1"),
])  # fmt: skip
def test_the_api_reference_renders_from_local_assets_under_the_policy(
    visitor: Visitor, path: str, ready: str
) -> None:
    fetched: list[str] = []
    refused: list[str] = []
    local = visitor.live.base_url

    def note_fetched(request: Request) -> None:
        if not request.url.startswith((local, "data:", "blob:")):
            fetched.append(request.url)

    def note_refused(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    visitor.page.on("requestfinished", note_fetched)
    visitor.page.on("console", note_refused)
    response = visitor.visit(path)
    assert response is not None
    assert response.status == 200
    visitor.page.wait_for_selector(ready)
    assert "trialdesk" in visitor.page.locator(ready).first.inner_text()
    visitor.screenshot(path.rsplit("/", 1)[-1])
    assert fetched == []  # nothing from a CDN: the reference works on a closed network
    # ReDoc's footer always points at its maker's logo; the policy keeps it from loading (the
    # footer then shows its text alone). Nothing the reference needs is refused.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in text for text in refused), refused
