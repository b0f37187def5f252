"""Layout as drawn by Chromium: pages fit the window, chart legends do not overlap."""

from __future__ import annotations

import datetime as dt

from browser_harness import Visitor, username_of

from trial_world import ELIGIBLE_ANSWERS, SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.subjects import subjects

#: Every criterion answered: the screening record's audit trail has a row per answer.
ANSWERS = ELIGIBLE_ANSWERS


def _page_width(visitor: Visitor) -> tuple[int, int]:
    scroll: int = visitor.page.evaluate("document.documentElement.scrollWidth")
    window: int = visitor.page.evaluate("window.innerWidth")
    return scroll, window


def test_the_audit_trail_of_a_long_screening_fits_the_window(visitor: Visitor) -> None:
    world = visitor.live.world
    subjects.record_screening(
        world.store.new_uow(), as_user=world.user(Role.INVESTIGATOR),
        subject_id=world.subject_id, screened_on=dt.datetime.now(dt.UTC).date(), answers=ANSWERS,
        protocol=world.protocol,
    )  # fmt: skip
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    visitor.visit(f"/subjects/{world.subject_id}/audit")
    assert "Entered" in visitor.page.inner_text("table.audit-readable")
    visitor.screenshot("subject-audit-trail-with-screening-answers")
    scroll, window = _page_width(visitor)
    assert scroll <= window
    # The casebook grid scrolls inside its box; the page itself does not grow wider.
    visitor.visit(f"/subjects/{world.subject_id}")
    scroll, window = _page_width(visitor)
    assert scroll <= window


def test_the_arm_legend_under_the_site_chart_has_no_overlapping_items(visitor: Visitor) -> None:
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    visitor.visit("/")
    visitor.screenshot("dashboard")
    # Drawn boxes [left, right, top, bottom] of each swatch and label of the first chart legend.
    boxes: list[list[list[float]]] = visitor.page.evaluate(
        """() => {
          const svg = document.querySelector('g.legend-item').closest('svg');
          return Array.from(svg.querySelectorAll('g.legend-item')).map(g =>
            Array.from(g.children).map(el => {
              const b = el.getBBox();
              return [b.x, b.x + b.width, b.y, b.y + b.height];
            }));
        }"""
    )
    assert len(boxes) == len(visitor.live.world.protocol.arms) == 2
    drawn = [box for item in boxes for box in item]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            overlap_x = min(a[1], b[1]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[2], b[2])
            assert overlap_x <= 0 or overlap_y <= 0, (a, b)
    scroll, window = _page_width(visitor)
    assert scroll <= window
