"""In a real browser: the site's daily work on one patient after randomization.

A monitor queries a mistyped skin rash; the coordinator corrects it on the assessment's own page
and sees stage, grade, response and the next step follow. The edit checks refuse a UC-MSC dose
typed as 7.2 cells (the protocol dose is 72 × 10⁶) and an assessment dated before
randomization, and warn about bilirubin 34 "mg/dL" (a µmol/L value) until the coordinator
confirms it with a reason, which raises a query. A switch to rescue therapy and the end of
study treatment cancel the rest of the plan; a serious adverse event's clock stops when its
report date is entered.

The server's clock is moved into the story's past (``TravelClock``): the patient was
randomized 40 days ago and the browser works on study day 15. A screenshot of every page is
kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import LiveServer, Visitor, username_of

from eligibility_signoff_world import screen_and_sign
from trial_world import SITE_A
from trialdesk.domain.access import Role
from trialdesk.services.clinical import clinical
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.subjects import subjects

pytestmark = pytest.mark.browser

WEIGHT = 72.0
#: Grade III at baseline: skin stage 2, liver stage 3, lower GI stage 2 (mg/dL, mL/day).
BASELINE = {"skin_bsa_pct": 30, "bilirubin": 4.0, "bilirubin_unit": "mg/dL",
            "stool_ml_per_day": 800}  # fmt: skip


def _at(day: dt.date) -> dt.datetime:
    # Noon in Beijing: the same calendar day in the site's zone and in UTC.
    return dt.datetime.combine(day, dt.time(4), tzinfo=dt.UTC)


def _randomized_to_cells(live: LiveServer, randomized_on: dt.date) -> int:
    """A subject screened, signed off and randomized on ``randomized_on`` to the UC-MSC arm."""
    world, uow = live.world, live.world.store.new_uow
    live.clock.travel_to(_at(randomized_on))
    generate_list(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=11, length_per_stratum=8,
        trial_code="NCT04738981",
    )  # fmt: skip
    for attempt in range(8):  # the list decides the arm; take the first UC-MSC allocation
        subject_id = world.subject_id
        if attempt:
            subject_id = subjects.register_subject(
                uow(), as_user=world.coordinator, site_code=SITE_A,
                screening_number=f"SCR-1{attempt:02d}",
            ).id  # fmt: skip
        subjects.record_consent(
            uow(), as_user=world.coordinator, subject_id=subject_id, consented_on=randomized_on,
            form_version="2.1", obtained_by="Dr Li",
        )  # fmt: skip
        screen_and_sign(
            uow, subject_id=subject_id, coordinator=world.coordinator,
            investigator=world.investigator, screened_on=randomized_on, protocol=world.protocol,
        )  # fmt: skip
        allocation = randomize_subject(
            world.store.new_randomization_uow(), as_user=world.coordinator,
            subject_id=subject_id, stratification={"baseline_grade": 3, "gi_involvement": "yes"},
        )  # fmt: skip
        if allocation.arm == "msc_cd25":
            return subject_id
    raise AssertionError("no UC-MSC allocation in eight subjects")


def _first_weeks(live: LiveServer, subject_id: int, day1: dt.date) -> int:
    """Day-1 doses and baseline, and a week-1 assessment with skin 60 % typed for 10 %."""
    world, uow, protocol = live.world, live.world.store.new_uow, live.world.protocol
    live.clock.travel_to(_at(day1))
    for product, amount, unit in (("anti_cd25", 20.0, "mg"), ("uc_msc", 72e6, "cells")):
        clinical.record_dose(
            uow(), as_user=world.coordinator, subject_id=subject_id, product=product,
            administered_on=day1, weight_kg=WEIGHT, dose_value=amount, dose_unit=unit,
            protocol=protocol,
        )  # fmt: skip
    clinical.record_gvhd_assessment(
        uow(), as_user=world.coordinator, subject_id=subject_id, assessed_on=day1,
        measurements=BASELINE, protocol=protocol, visit_code="D1",
        additional_therapy=False,
    )  # fmt: skip
    day8 = day1 + dt.timedelta(days=7)
    live.clock.travel_to(_at(day8))
    return clinical.record_gvhd_assessment(
        uow(), as_user=world.coordinator, subject_id=subject_id, assessed_on=day8,
        measurements={**BASELINE, "skin_bsa_pct": 60}, protocol=protocol, visit_code="D8",
        additional_therapy=False,
    )  # fmt: skip


def _submit(visitor: Visitor, form: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(f"{form} button[type=submit]")


def _assessment_row(visitor: Visitor, assessment_id: int) -> str:
    link = visitor.page.locator(f'#assessments a[href$="/assessments/{assessment_id}"]')
    return link.locator("xpath=ancestor::tr").inner_text()


def test_a_site_corrects_checks_switches_and_reports_as_the_protocol_expects(
    visitor: Visitor,
) -> None:
    live, page = visitor.live, visitor.page
    today = dt.datetime.now(dt.UTC).date()
    randomized_on = today - dt.timedelta(days=40)
    day1 = randomized_on + dt.timedelta(days=1)
    subject_id = _randomized_to_cells(live, randomized_on)
    week1 = _first_weeks(live, subject_id, day1)
    day15 = day1 + dt.timedelta(days=14)
    live.clock.travel_to(_at(day15))
    subject = f"/subjects/{subject_id}"

    # The monitor queries the week-1 skin rash from the source documents.
    visitor.login(username_of(Role.MONITOR, SITE_A))
    visitor.visit(f"{subject}/assessments/{week1}")
    skin = "measurements.skin_bsa_pct"
    page.locator(f'[id="field-{skin}"] details.query-raise summary').click()
    page.fill(
        f'[id="raise-field-{skin}"]',
        "Skin rash on D8 is 60 % here; the source says 10 %. Please check.",
    )
    _submit(visitor, f'[id="field-{skin}"] details.query-raise')
    assert "source says 10 %" in page.locator(f'[id="field-{skin}"]').inner_text()
    visitor.screenshot("01-monitor-raises-a-query")

    # The coordinator corrects it on the assessment's page; everything derived follows.
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))
    visitor.visit(f"{subject}/assessments/new")
    before_row = _assessment_row(visitor, week1)
    before_step = page.locator("#subject-next-step").inner_text()
    assert "PD" in before_row, before_row
    visitor.screenshot("02-week-1-progression-before-the-correction", of="section#assessment")
    page.click(f'#assessments a[href$="/assessments/{week1}"]')
    page.wait_for_selector("#correction-form")
    page.fill("#skin_bsa_pct", "10")
    page.fill("#reason", "Monitor's query: the source document says 10 %")
    visitor.screenshot("03-correcting-the-skin-rash")
    _submit(visitor, "#correction-form")
    visitor.visit(f"{subject}/assessments/new")
    after_row = _assessment_row(visitor, week1)
    assert after_row != before_row
    # Skin stage 3 → 1: no longer progression; the grade and the next step follow.
    assert "PD" not in after_row, after_row
    assert page.locator("#subject-next-step").inner_text() != before_step
    visitor.screenshot("04-stage-grade-response-and-next-step-follow")
    visitor.screenshot("04b-the-assessments-after-the-correction", of="section#assessment")

    # A UC-MSC dose typed as 7.2 cells is refused next to the field; nothing is saved.
    visitor.visit(subject)
    doses_before = page.locator("#timeline tr.dose.done").count()
    visitor.visit(f"{subject}/doses/new")
    page.select_option("#product", "uc_msc")
    page.fill("#administered_on", day15.isoformat())
    page.fill("#weight_kg", "72")
    page.fill("#dose_value", "7.2")
    _submit(visitor, "#dose-form")
    refusal = page.locator("#dose-form").inner_text()
    assert "dose_value" in refusal or "dose" in refusal.lower()
    assert page.locator("#dose-form .field-error").count() >= 1, refusal
    visitor.screenshot("05-a-7.2-cell-dose-is-refused", of="section#dose")
    visitor.visit(subject)
    assert page.locator("#timeline tr.dose.done").count() == doses_before
    visitor.visit(f"{subject}/assessments/new")

    # Bilirubin 34 "mg/dL" warns; confirmed with a reason it is saved and queried.
    def fill_assessment(on: dt.date, bilirubin: str) -> None:
        page.fill("#assessed_on", on.isoformat())
        page.fill("#skin_bsa_pct", "10")
        page.fill("#bilirubin", bilirubin)
        page.select_option("#bilirubin_unit", "mg/dL")
        page.fill("#stool_ml_per_day", "800")
        page.check("#additional_therapy_no")

    fill_assessment(day15, "34")
    page.select_option("select#visit", "D15")
    _submit(visitor, "#gvhd-calculator")
    warning = page.locator('#gvhd-calculator .field-warning[data-for="bilirubin"]')
    assert warning.count() == 1, page.locator("#gvhd-calculator").inner_text()
    assert page.input_value("#bilirubin") == "34"
    visitor.screenshot("06-bilirubin-34-mg-dl-warns", of="#gvhd-calculator")
    for box in page.locator('#gvhd-calculator input[name="confirm"]').all():
        box.check()
    page.fill("#confirm_reason", "Checked with the laboratory: 34 mg/dL is right")
    _submit(visitor, "#gvhd-calculator")
    assert page.url.endswith("?saved=assessment#casebook"), page.url
    with live.world.store.new_uow() as uow:
        raised = [
            q for q in uow.records.find("queries", subject_id=subject_id)
            if (q["origin"] or "").startswith("edit_check:")
        ]  # fmt: skip
    assert raised
    assert all(q["entity"] == "gvhd_assessments" for q in raised)
    visitor.screenshot("07-confirmed-and-queried")

    # An assessment dated before randomization is refused next to its date.
    visitor.visit(f"{subject}/assessments/new")
    fill_assessment(randomized_on - dt.timedelta(days=1), "4")
    page.select_option("select#visit", "")
    _submit(visitor, "#gvhd-calculator")
    page.wait_for_timeout(500)  # the live calculator has recomputed; the server's message stays
    problems = page.locator("#gvhd-calculator .field-error, #gvhd-calculator .field-warning")
    assert "randomization" in " ".join(problems.all_inner_texts()), problems.all_inner_texts()
    visitor.screenshot("08-an-assessment-before-randomization-is-refused", of="#gvhd-calculator")

    # A switch to rescue therapy and the end of study treatment cancel the rest of the plan.
    visitor.visit(subject)
    assert page.locator("#timeline tr.cancelled").count() == 0
    visitor.visit(f"{subject}/therapies/new")
    page.select_option("#therapy_kind", "rescue")
    page.fill("#therapy_name", "ruxolitinib")
    page.fill("#started_on", day15.isoformat())
    _submit(visitor, "#therapy form")
    visitor.visit(f"{subject}/outcomes/new")
    page.select_option("#outcome_kind", "end_of_study_treatment")
    page.fill("#occurred_on", day15.isoformat())
    _submit(visitor, "section#outcome form")
    visitor.visit(subject)
    assert page.locator("#timeline tr.dose.cancelled").count() >= 1
    assert "study treatment ended" in page.locator("#subject-next-step").inner_text()
    assert "ruxolitinib" in page.locator("#timeline").inner_text()
    visitor.screenshot("09-the-plan-after-the-switch")
    visitor.screenshot("09b-the-calendar-after-the-switch", of="section#timeline")

    # A serious adverse event: its sponsor clock stops when the report date is entered.
    aware = live.clock.now() - dt.timedelta(hours=2)
    visitor.visit(f"{subject}/adverse-events/new")
    page.fill("#term", "Lung infection")  # a CTCAE v5.0 term
    page.select_option("#ctcae_grade", "3")
    page.fill("#onset_on", day15.isoformat())
    beijing = aware.astimezone(dt.timezone(dt.timedelta(hours=8)))
    page.fill("#aware_at", beijing.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select#outcome", "not_recovered")
    page.check('input[name="seriousness"][value="hospitalization"]')
    _submit(visitor, "#adverse-event form")
    visitor.visit(f"{subject}/adverse-events/new")
    assert "Lung infection" in page.locator("#adverse-events").inner_text(), page.content()
    page.click('#adverse-events a:has-text("Lung infection")')
    page.wait_for_selector("#ae-clocks")
    assert "met" not in page.locator("#ae-clocks").inner_text()
    visitor.screenshot("10-sae-clock-running")
    sent = live.clock.now() - dt.timedelta(hours=1)
    field = page.locator("#report-sponsor-at")
    if field.get_attribute("type") == "datetime-local":
        local = sent.astimezone(dt.timezone(dt.timedelta(hours=8)))
        field.fill(local.strftime("%Y-%m-%dT%H:%M"))
    else:
        field.fill(sent.strftime("%Y-%m-%dT%H:%M+00:00"))
    _submit(visitor, "#report-sponsor")
    assert "met" in page.locator("#ae-clocks").inner_text().lower()
    visitor.screenshot("11-sae-clock-met")
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)
