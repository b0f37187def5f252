"""In a real browser: one patient's whole journey as the site coordinator sees it, page by page.

Screen (live checklist), consent, randomize (review, confirm), doses, the baseline and four
weekly assessments up to the day-28 response, a serious adverse event, and the investigator's
signature. The server runs on the real clock, so the story is dated in the past: study day 1 was
29 days ago. A screenshot of every page is kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import Visitor, username_of
from playwright.sync_api import expect

from trial_world import SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.randomization.randomization_lists import generate_list

pytestmark = pytest.mark.browser

#: How long a live panel may take to update on a busy machine. Waits go through locators: the
#: pages' policy forbids evaluating strings as script, which wait_for_function would need.
WAIT_MS = 20_000

#: Weekly measurements from baseline (day 1) to the day-28 response: grade III, then resolving.
WEEKS: list[tuple[int, dict[str, str]]] = [
    (0, {"skin_bsa_pct": "30", "bilirubin": "4", "stool_ml_per_day": "800"}),
    (7, {"skin_bsa_pct": "20", "bilirubin": "2.5", "stool_ml_per_day": "600"}),
    (14, {"skin_bsa_pct": "10", "bilirubin": "1.5", "stool_ml_per_day": "300"}),
    (21, {"skin_bsa_pct": "0", "bilirubin": "1.0", "stool_ml_per_day": "200"}),
    (28, {"skin_bsa_pct": "0", "bilirubin": "0.8", "stool_ml_per_day": "100"}),
]


def _submit(visitor: Visitor, form: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(f"{form} button[type=submit]")


def test_a_coordinator_takes_one_patient_from_screening_to_the_day_28_response(
    visitor: Visitor,
) -> None:
    world = visitor.live.world
    generate_list(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=7, length_per_stratum=8, trial_code="NCT04738981",
    )  # fmt: skip
    day1 = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=29)
    page = visitor.page
    subject = f"/subjects/{world.subject_id}"
    # The server lives the story's first days in the past: a record after randomization may not
    # be dated before it, so screening and randomization happen two days before day 1.
    screened_at = dt.datetime.combine(day1 - dt.timedelta(days=2), dt.time(4), tzinfo=dt.UTC)
    visitor.live.clock.travel_to(screened_at)
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))

    visitor.visit(f"{subject}/screening")
    page.fill("#screened_on", (day1 - dt.timedelta(days=2)).isoformat())
    for name, value in {
        "age_years": "45",
        "anc_10e9_per_l": "1.5",
        "creatinine_x_uln": "1",
    }.items():
        page.fill(f"#{name}", value)
    for name in ("active_infection", "pregnant_nursing_or_planning"):
        page.select_option(f"#{name}", "no")
    page.select_option("#consent_signed", "yes")
    # The judgement criteria (IN1, EX1, EX2, EX4, EX6) are the investigator's to attest.
    # The checklist updates as values are typed: IN2 is met once they have been checked.
    expect(page.locator('tr[data-criterion="IN2"] .status')).to_have_text("Met", timeout=WAIT_MS)
    assert page.locator("#eligibility-verdict").inner_text() == "incomplete"
    visitor.screenshot("01-screening-live-checklist")
    _submit(visitor, "#screening-form")
    assert "awaiting the investigator" in page.locator("#screening-result").inner_text()
    page.fill("#consented_on", (day1 - dt.timedelta(days=2)).isoformat())
    page.fill("#form_version", "2.1")
    page.fill("#obtained_by", "Dr Li")
    _submit(visitor, "#consent form")
    visitor.visit(f"{subject}/randomize")
    assert "Awaiting the investigator's eligibility signature" in page.inner_text("#randomize")

    visitor.login(username_of(Role.INVESTIGATOR, SITE_A))
    visitor.visit(f"{subject}/screening")
    for name in ("confirmed_sr_agvhd", "treatment_tolerable", "primary_disease_controlled",
                 "no_multiorgan_dysfunction", "suitable_for_study"):  # fmt: skip
        page.select_option(f"#attest-{name}", "yes")
    _submit(visitor, "#attestation-form")
    assert "eligible" in page.locator("#screening-result").inner_text()
    page.fill("#sign-password", "Correct-Horse-42")
    _submit(visitor, "#eligibility-sign-form")
    assert "Eligibility signed by" in page.locator("#eligibility-signature").inner_text()
    visitor.screenshot("02-eligible-signed-and-consented")

    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))

    visitor.visit(f"{subject}/randomize")
    page.select_option("#baseline_grade", "3")
    page.select_option("#gi_involvement", "yes")
    page.fill("#weight_kg", "65")
    page.fill("#day1", day1.isoformat())
    _submit(visitor, "#randomize-form")
    assert page.locator("#confirm-grade").inner_text() == "3"
    visitor.screenshot("03-randomize-confirmation")
    _submit(visitor, "#randomize-form")
    assert "Allocated to" in page.locator("#allocation-result").inner_text()
    assert page.locator("#calendar tbody tr").count() > 10
    visitor.screenshot("04-allocation-and-calendar")
    visitor.live.clock.back_to_now()  # 31 days later: the session has expired
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))

    for offset in (0, 3):
        visitor.visit(f"{subject}/doses/new")
        page.select_option("#product", "anti_cd25")
        page.fill("#administered_on", (day1 + dt.timedelta(days=offset)).isoformat())
        page.fill("#weight_kg", "65")
        expect(page.locator("#planned-dose")).to_have_attribute("data-value", "20", timeout=WAIT_MS)
        page.fill("#dose_value", "20")
        _submit(visitor, "#dose-form")
        assert page.url.endswith("?saved=dose#casebook"), page.url
        assert "Dose saved." in page.locator("#saved-notice").inner_text()
    assert page.locator('tr.dose.done.in_window[data-code="anti_cd25"]').count() == 2
    visitor.screenshot("05-doses")

    for offset, measurements in WEEKS:
        visitor.visit(f"{subject}/assessments/new")
        page.fill("#assessed_on", (day1 + dt.timedelta(days=offset)).isoformat())
        for name, value in measurements.items():
            page.fill(f"#{name}", value)
        page.select_option("#bilirubin_unit", "mg/dL")  # no unit is assumed
        page.check("#additional_therapy_no")  # no answer is assumed either
        expect(page.locator("#grade")).not_to_have_text("–", timeout=WAIT_MS)
        if offset == 28:
            expect(page.locator("#response")).to_have_text("CR", timeout=WAIT_MS)
            visitor.screenshot("06-day-28-assessment-live")
        _submit(visitor, "#gvhd-calculator")
    visitor.visit(f"{subject}/assessments/new")
    rows = page.locator("#assessments tr")
    assert rows.count() == 5
    assert rows.nth(4).locator("td").nth(1).inner_text() == "D29 – Week 4 (day-28 response)"
    assert rows.nth(4).locator("td").nth(7).inner_text() == "CR"
    assert "Course complete" in page.locator("#subject-next-step").inner_text()
    visitor.screenshot("07-four-weekly-assessments-and-response")

    visitor.visit(f"{subject}/adverse-events/new")
    page.fill("#term", "Lung infection")  # a CTCAE v5.0 term
    page.select_option("#ctcae_grade", "3")
    page.fill("#onset_on", (day1 + dt.timedelta(days=10)).isoformat())
    # Typed in the site's time zone (the protocol's Asia/Shanghai); outcome has no default.
    page.fill("#aware_at", f"{(day1 + dt.timedelta(days=10)).isoformat()}T09:00")
    page.select_option("#outcome", "recovering")
    page.check('input[name="seriousness"][value="hospitalization"]')
    _submit(visitor, "#adverse-event form")
    visitor.visit(f"{subject}/adverse-events/new")
    events = page.locator("#adverse-events").inner_text()
    assert "SAE report to the sponsor" in events
    assert "CST (Asia/Shanghai)" in events
    visitor.screenshot("08-serious-adverse-event")

    visitor.login(username_of(Role.INVESTIGATOR, SITE_A))
    visitor.visit(f"{subject}/signatures/new")
    page.fill("#password", "Correct-Horse-42")
    _submit(visitor, "#signature form")
    visitor.visit(f"{subject}/signatures/new")
    assert "valid" in page.locator("#signatures").inner_text()
    visitor.screenshot("09-signed")
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)
