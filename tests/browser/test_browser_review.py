"""In a real browser: the monitor verifies a form, the data manager locks it, the investigator
signs the casebook; labels rather than codes, times in the site's zone."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import Visitor, username_of

from trial_world import PASSWORD, SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.clinical import clinical

pytestmark = pytest.mark.browser


def _visit_record(visitor: Visitor) -> str:
    world = visitor.live.world
    today = visitor.live.clock.now().date()
    visit_id = clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=today,
    )  # fmt: skip
    return f"/subjects/{world.subject_id}/visits/{visit_id}"


def test_the_monitor_verifies_and_the_data_manager_locks_a_form(visitor: Visitor) -> None:
    record = _visit_record(visitor)
    visitor.login(username_of(Role.MONITOR, SITE_A))
    visitor.visit("/review/sdv")
    assert visitor.page.locator("h1").inner_text() == "Source data verification"
    visitor.screenshot("sdv-worklist")
    visitor.visit(record)
    with visitor.page.expect_navigation():
        visitor.page.click("#verify-form button")
    status = visitor.page.locator("#sdv-form-status").inner_text()
    assert status.startswith("Form verified by Dr Monitorbj01 on ")
    assert "visit_date" not in visitor.page.locator("#sdv-fields").inner_text()
    visitor.screenshot("form-verified", of="#review")

    visitor.page.context.clear_cookies()
    visitor.login(username_of(Role.DATA_MANAGER, SITE_A))
    visitor.visit(record)
    visitor.page.fill("#lock-reason", "reviewed")
    with visitor.page.expect_navigation():
        visitor.page.click("#lock-form button")
    lock = visitor.page.locator("#lock-status").inner_text()
    assert lock.startswith("Locked: this visit was locked by Dr Datamanagerbj01 on ")
    assert "(UTC)" not in lock  # the site's local time, not the API's UTC
    visitor.screenshot("form-locked", of="#review")
    visitor.visit("/review/locks")
    assert "Ready to lock?" in visitor.page.locator("main").inner_text()
    visitor.screenshot("locks")


def test_the_investigator_signs_the_casebook(visitor: Visitor) -> None:
    world = visitor.live.world
    with world.store.new_uow() as uow:  # past randomization: the casebook may be signed
        uow.records.update("subjects", world.subject_id, {"state": "randomized"})
        uow.commit()
    visitor.login(username_of(Role.INVESTIGATOR, SITE_A))
    visitor.visit("/review/signatures")
    assert "SCR-001" in visitor.page.locator("#awaiting").inner_text()
    visitor.screenshot("awaiting-signature")
    visitor.visit(f"/subjects/{world.subject_id}")
    visitor.page.fill("#casebook-password", PASSWORD)
    with visitor.page.expect_navigation():
        visitor.page.click("#casebook-sign-form button")
    signed = visitor.page.locator("#casebook-signature").inner_text()
    assert signed.startswith("Signed by Dr Investigatorbj01 on ")
    assert dt.datetime.now(dt.UTC).strftime("%Y") in signed
    visitor.screenshot("casebook-signed", of="#casebook-review")
