"""In a real browser: a monitor reads a corrected field in the subject's readable audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import Visitor, username_of

from trial_world import ELIGIBLE_ANSWERS, SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.clinical import corrections
from trialdesk.services.subjects import subjects

pytestmark = pytest.mark.browser


def test_a_monitor_filters_the_audit_trail_to_a_corrected_field(visitor: Visitor) -> None:
    world = visitor.live.world
    today = dt.datetime.now(dt.UTC).date()
    investigator = world.user(Role.INVESTIGATOR)
    subjects.record_screening(
        world.store.new_uow(), as_user=investigator, subject_id=world.subject_id,
        screened_on=today, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip
    with world.store.new_uow() as uow:
        screening = uow.records.find("screening_records", subject_id=world.subject_id)[0]
    corrections.correct_record(
        world.store.new_uow(), as_user=investigator, entity="screening_records",
        record_id=screening["id"], changes={"screened_on": today - dt.timedelta(days=1)},
        reason="date copied from the wrong line", protocol=world.protocol,
    )  # fmt: skip
    visitor.login(username_of(Role.MONITOR, SITE_A))
    visitor.visit(f"/subjects/{world.subject_id}/audit")
    visitor.page.select_option("#f-field", label="Screening date")
    with visitor.page.expect_navigation():
        visitor.page.click("#audit-filters button[type=submit]")
    table = visitor.page.inner_text("table.audit-readable")
    assert "date copied from the wrong line" in table
    assert "Screening date" in table
    assert "Fever" not in table
    assert "screened_on" not in table
    csv_link = visitor.page.get_attribute("text=Download CSV", "href")
    assert csv_link is not None
    assert "field=screened_on" in csv_link
    visitor.screenshot("audit-trail-filtered-by-field")
