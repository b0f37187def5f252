"""In a real browser, the review workflow from query to sign-off on one patient's week-2 skin.

The monitor opens the casebook and raises a query on the skin rash of the week-2 (D15)
assessment from the form itself; the coordinator answers it by correcting the value with a
reason; the monitor closes the query and marks the form verified; a second correction resets
that verification and says so; the data manager locks the subject and the form refuses
corrections, saying who locked it; after an unlock with a reason the investigator signs the
casebook, and a later correction invalidates the signature and puts the subject back on the
investigator's list. A screenshot of every page is kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import LiveServer, Visitor, username_of
from test_browser_site_workflow import BASELINE, WEIGHT, _at, _randomized_to_cells

from trial_world import PASSWORD, SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.clinical import clinical

pytestmark = pytest.mark.browser

SKIN = "measurements.skin_bsa_pct"


def _week_two(live: LiveServer) -> tuple[int, int]:
    """A UC-MSC patient with day-1 doses, baseline, week 1 and week 2 (skin typed as 40 %)."""
    world, uow, protocol = live.world, live.world.store.new_uow, live.world.protocol
    day1 = live.clock.now().date() - dt.timedelta(days=20)
    subject_id = _randomized_to_cells(live, day1 - dt.timedelta(days=1))
    live.clock.travel_to(_at(day1))
    for product, amount, unit in (("anti_cd25", 20.0, "mg"), ("uc_msc", 72e6, "cells")):
        clinical.record_dose(
            uow(), as_user=world.coordinator, subject_id=subject_id, product=product,
            administered_on=day1, weight_kg=WEIGHT, dose_value=amount, dose_unit=unit,
            protocol=protocol,
        )  # fmt: skip
    assessment = None
    for days, visit, skin in ((0, "D1", 30), (7, "D8", 20), (14, "D15", 40)):
        on = day1 + dt.timedelta(days=days)
        live.clock.travel_to(_at(on))
        assessment = clinical.record_gvhd_assessment(
            uow(), as_user=world.coordinator, subject_id=subject_id, assessed_on=on,
            measurements={**BASELINE, "skin_bsa_pct": skin}, protocol=protocol,
            visit_code=visit, additional_therapy=False,
        )  # fmt: skip
    live.clock.back_to_now()
    assert assessment is not None
    return subject_id, assessment


def _as(visitor: Visitor, role: Role) -> None:
    visitor.page.context.clear_cookies()
    visitor.login(username_of(role, SITE_A))


def _submit(visitor: Visitor, selector: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(selector)


def _correct(visitor: Visitor, record: str, skin: str, reason: str) -> None:
    visitor.visit(record)
    visitor.page.fill("#skin_bsa_pct", skin)
    visitor.page.fill("#reason", reason)
    _submit(visitor, "#correction-form button[type=submit]")


def test_query_correction_verification_lock_and_sign_off(visitor: Visitor) -> None:
    subject_id, week2 = _week_two(visitor.live)
    casebook = f"/subjects/{subject_id}"
    record = f"{casebook}/assessments/{week2}"
    page = visitor.page
    skin_bubble = page.locator(f'[id="field-{SKIN}"]')

    # The monitor opens the casebook, goes to the week-2 assessment from its grid cell and
    # raises a query on the skin rash field itself.
    _as(visitor, Role.MONITOR)
    visitor.visit(casebook)
    visitor.screenshot("walk-01-monitor-casebook")
    _submit(visitor, f'#casebook-grid a[href$="/assessments/{week2}"]')
    assert page.url.endswith(record)
    skin_bubble.locator("details.query-raise summary").click()
    page.fill(f'[id="raise-field-{SKIN}"]', "Skin rash 40 % on D15; the source note says 25 %.")
    _submit(visitor, f'[id="field-{SKIN}"] details.query-raise button[type=submit]')
    assert "Query: Open" in skin_bubble.inner_text()
    visitor.screenshot("walk-02-monitor-raised-query-on-skin")

    # The coordinator sees it at the field and answers by correcting the value with a reason.
    _as(visitor, Role.SITE_COORDINATOR)
    visitor.visit(record)
    assert "the source note says 25 %" in skin_bubble.inner_text()
    visitor.screenshot("walk-03-coordinator-sees-query-at-field")
    _submit(visitor, f'[id="field-{SKIN}"] a.query-correct')
    assert page.locator("#query_id").input_value() != ""  # the correction answers the query
    page.fill("#skin_bsa_pct", "25")
    page.fill("#reason", "transcription error; source note says 25 %")
    visitor.screenshot("walk-04-coordinator-correction-answering-query")
    _submit(visitor, "#correction-form button[type=submit]")
    visitor.visit(record)
    assert "Query: Answered" in skin_bubble.inner_text()
    assert "25" in page.locator('[data-field="skin_bsa_pct"]').inner_text()

    # The monitor closes the query and marks the form verified against source.
    _as(visitor, Role.MONITOR)
    visitor.visit(record)
    skin_bubble.locator("details.query-thread summary").first.click()
    skin_bubble.locator("textarea[id^=close-]").fill("Agrees with the source note.")
    _submit(visitor, f'[id="field-{SKIN}"] form.query-close button')
    assert "Query:" not in skin_bubble.inner_text()  # closed queries leave the field
    _submit(visitor, "#verify-form button")
    assert page.locator("#sdv-form-status").inner_text().startswith("Form verified by ")
    visitor.screenshot("walk-05-monitor-closed-query-and-verified")

    # A later correction resets the verification and says so.
    _as(visitor, Role.SITE_COORDINATOR)
    _correct(visitor, record, "26", "re-measured rash map")
    assert "Source verification reset for" in page.locator("main").inner_text()
    visitor.screenshot("walk-06-correction-reset-verification")

    # The data manager locks the subject; the form then refuses corrections and says who.
    _as(visitor, Role.DATA_MANAGER)
    visitor.visit(casebook)
    page.fill("#subject-lock-reason", "ready for the interim analysis")
    _submit(visitor, "#subject-lock-form button")
    assert page.locator("#subject-lock").inner_text().startswith("Locked: ")
    visitor.screenshot("walk-07-data-manager-locked-subject")
    _as(visitor, Role.SITE_COORDINATOR)
    visitor.visit(record)
    assert page.locator("#correction-form").count() == 0
    refusal = page.locator("main").inner_text()
    assert "locked by" in refusal
    assert "Datamanager" in refusal
    visitor.screenshot("walk-08-correction-refused-while-locked")

    # Unlocked with a reason; the investigator signs the casebook.
    _as(visitor, Role.DATA_MANAGER)
    visitor.visit(casebook)
    page.fill("#subject-unlock-reason", "late lab result to enter")
    _submit(visitor, "#subject-unlock-form button")
    assert page.locator("#subject-lock-form").count() == 1
    _as(visitor, Role.INVESTIGATOR)
    visitor.visit(casebook)
    page.fill("#casebook-password", PASSWORD)
    _submit(visitor, "#casebook-sign-form button")
    assert page.locator("#casebook-signature").inner_text().startswith("Signed by ")
    visitor.screenshot("walk-09-investigator-signed-casebook")

    # A later correction invalidates the sign-off and puts the subject back on the list.
    _as(visitor, Role.SITE_COORDINATOR)
    _correct(visitor, record, "24", "value from the dermatology consult")
    _as(visitor, Role.INVESTIGATOR)
    visitor.visit(casebook)
    assert "invalidated" in page.locator("#casebook-signature").inner_text()
    visitor.screenshot("walk-10-signature-invalidated-by-correction")
    visitor.visit("/review/signatures")
    assert page.locator("#awaiting a").count() >= 1
    visitor.screenshot("walk-11-back-on-the-investigators-list")
