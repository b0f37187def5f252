"""In a real browser: the casebook grid and an entry page, as a coordinator and as a monitor."""

from __future__ import annotations

import pytest
from browser_harness import Visitor, username_of

from trial_world import SITE_A
from trialdesk.domain.access import Role

pytestmark = pytest.mark.browser


def test_the_coordinator_sees_the_grid_with_entry_links_and_opens_an_entry_page(
    visitor: Visitor,
) -> None:
    subject = f"/subjects/{visitor.live.world.subject_id}"
    page = visitor.page
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    visitor.visit(subject)
    assert page.locator("#casebook-grid tbody tr").count() >= 6
    assert page.locator("#casebook-legend .legend-item").count() == 9
    screening = page.locator('tr[data-row="screening"] td[data-column="SCR"] a')
    assert screening.get_attribute("aria-label") == "Screening, Screening: Not started"
    visitor.screenshot("casebook-as-coordinator")
    page.click("#log-adverse_event a.add-link")
    page.wait_for_selector("#adverse-event form")
    assert page.url.endswith(f"{subject}/adverse-events/new")
    visitor.screenshot("adverse-event-entry-as-coordinator")
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)


def test_the_monitor_sees_the_grid_and_an_entry_page_without_forms(visitor: Visitor) -> None:
    subject = f"/subjects/{visitor.live.world.subject_id}"
    page = visitor.page
    visitor.login(username_of(Role.MONITOR, SITE_A))
    visitor.visit(subject)
    assert page.locator("#casebook-grid").is_visible()
    assert page.locator("#casebook-grid a").count() == 0  # nothing recorded, nothing to enter
    visitor.screenshot("casebook-as-monitor")
    visitor.visit(f"{subject}/adverse-events/new")
    assert page.locator("#adverse-event form").count() == 0
    visitor.screenshot("adverse-event-list-as-monitor")
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)
