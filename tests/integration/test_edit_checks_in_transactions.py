"""Edit checks in the saving transaction: hard refusals, confirmed warnings and their queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from db_fixtures import SettableClock
from trial_world import TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.errors import ConfirmationRequiredError, InputError
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.subjects import subjects

AWARE = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
LIVER = {"skin_bsa_pct": 0.0, "bilirubin": 34.0, "bilirubin_unit": "mg/dL"}


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _audit_length(world: TrialWorld) -> int:
    with world.store.new_uow() as uow:
        return sum(1 for _ in uow.audit.entries())


def _rows(world: TrialWorld, table: str, **equals: Any) -> list[dict[str, Any]]:
    with world.store.new_uow() as uow:
        return uow.records.find(table, **equals)


def _dose(world: TrialWorld, value: float, product: str = "uc_msc", **extra: Any) -> int:
    intervention = clinical.find_intervention(world.protocol, product)
    return clinical.record_dose(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        product=product, administered_on=extra.pop("on", TODAY), weight_kg=72.0,
        dose_value=value, dose_unit=intervention.unit, protocol=world.protocol, **extra,
    )  # fmt: skip


def _assess(world: TrialWorld, **extra: Any) -> int:
    return clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY, measurements=LIVER, protocol=world.protocol, **extra,
        additional_therapy=False,
    )  # fmt: skip


def _adverse_event(world: TrialWorld, onset: dt.date = TODAY, **extra: Any) -> int:
    return clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        term="Rash", ctcae_grade=2, onset_on=onset, aware_at=AWARE, outcome="recovering",
        protocol=world.protocol, **extra,
    )  # fmt: skip


def test_a_dose_of_a_tenth_millionth_of_the_computed_dose_is_refused_unsaved_unaudited(
    world: TrialWorld,
) -> None:
    before = _audit_length(world)
    with pytest.raises(InputError) as caught:
        _dose(world, 7.2)  # 7.2 cells against 1×10⁶ cells/kg × 72 kg = 7.2×10⁷
    (problem,) = caught.value.errors
    assert problem.field == "dose_value"
    assert problem.message.startswith("Dose is more than 10 times or less than a tenth")
    assert "the computed dose 72 × 10⁶" in problem.message
    assert world.count("dose_administrations") == 0
    assert _audit_length(world) == before


def test_a_second_dose_inside_min_gap_days_is_refused(world: TrialWorld) -> None:
    _dose(world, 20.0, "anti_cd25")
    with pytest.raises(InputError) as caught:
        _dose(world, 20.0, "anti_cd25", confirm=["duplicate_record"], confirm_reason="again")
    assert [e.field for e in caught.value.errors] == ["administered_on"]
    assert "at least 2 days apart" in caught.value.errors[0].message
    assert world.count("dose_administrations") == 1


def test_a_soft_warning_is_refused_until_confirmed_with_a_reason_then_queried(
    world: TrialWorld,
) -> None:
    before = _audit_length(world)
    with pytest.raises(ConfirmationRequiredError) as caught:
        _assess(world)
    (warning,) = caught.value.warnings
    assert (warning.code, warning.field) == ("bilirubin_mg_dl_range", "measurements.bilirubin")
    assert "µmol/L" in warning.message
    # Codes without a reason, or a reason without codes, confirm nothing.
    with pytest.raises(ConfirmationRequiredError):
        _assess(world, confirm=["bilirubin_mg_dl_range"], confirm_reason="  ")
    with pytest.raises(ConfirmationRequiredError):
        _assess(world, confirm_reason="checked with the lab")
    assert world.count("gvhd_assessments") == 0
    assert _audit_length(world) == before

    assessment_id = _assess(
        world, confirm=["bilirubin_mg_dl_range", "not_a_finding"],
        confirm_reason="checked with the lab: 34 mg/dL",
    )  # fmt: skip
    (query,) = _rows(world, "queries")
    assert (query["entity"], query["entity_id"], query["field"]) == (
        "gvhd_assessments",
        assessment_id,
        "measurements.bilirubin",
    )
    assert (query["origin"], query["status"]) == ("edit_check:bilirubin_mg_dl_range", "open")
    (message,) = _rows(world, "query_messages", query_id=query["id"])
    assert message["body"].startswith(warning.message)
    assert message["body"].endswith("checked with the lab: 34 mg/dL")
    with world.store.new_uow() as uow:
        inserted = [e.entity for e in uow.audit.entries() if e.action.value == "insert"]
    assert inserted[-3:] == ["gvhd_assessments", "queries", "query_messages"]


def test_an_ae_before_consent_warns(world: TrialWorld) -> None:
    subjects.record_consent(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY - dt.timedelta(days=2), form_version="2.1", obtained_by="Dr Li",
        protocol=world.protocol,
    )  # fmt: skip
    months_before = TODAY - dt.timedelta(days=240)
    with pytest.raises(ConfirmationRequiredError) as caught:
        _adverse_event(world, months_before)
    assert [w.code for w in caught.value.warnings] == ["ae_before_consent"]
    _adverse_event(world, TODAY - dt.timedelta(days=2))
    assert world.count("adverse_events") == 1


def test_resubmitting_within_a_minute_is_a_likely_duplicate(
    world: TrialWorld, clock: SettableClock
) -> None:
    _adverse_event(world)
    clock.advance(seconds=59)
    with pytest.raises(ConfirmationRequiredError) as caught:
        _adverse_event(world)
    assert [(w.code, w.field) for w in caught.value.warnings] == [("duplicate_record", "term")]
    clock.advance(seconds=1)  # 60 s after the first save: no longer "less than a minute"
    _adverse_event(world)
    assert world.count("adverse_events") == 2


def test_a_date_after_today_is_refused_by_the_checks_without_a_protocol(
    world: TrialWorld,
) -> None:
    with pytest.raises(InputError) as caught:
        clinical.record_visit(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            visit_code="D8", visit_date=TODAY + dt.timedelta(days=1),
        )  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["visit_date"]
    assert "in the future" in caught.value.errors[0].message
    assert world.count("visits") == 0


def test_a_correction_runs_the_checks_and_its_reason_confirms_the_warnings(
    world: TrialWorld,
) -> None:
    dose_id = _dose(world, 7.2e7)
    with pytest.raises(InputError) as caught:
        corrections.correct_record(
            world.store.new_uow(), as_user=world.coordinator, entity="dose_administrations",
            record_id=dose_id, changes={"dose_value": 7.2e8 * 1.5}, reason="typo",
            protocol=world.protocol,
        )  # fmt: skip
    assert caught.value.errors[0].field == "dose_value"
    corrections.correct_record(
        world.store.new_uow(), as_user=world.coordinator, entity="dose_administrations",
        record_id=dose_id, changes={"dose_value": 6.0e7}, reason="pharmacy label says 6×10^7",
        protocol=world.protocol,
    )  # fmt: skip
    (query,) = _rows(world, "queries")
    assert (query["origin"], query["entity_id"]) == ("edit_check:dose_deviation", dose_id)
    (message,) = _rows(world, "query_messages", query_id=query["id"])
    assert message["body"].endswith("pharmacy label says 6×10^7")


def test_after_today_is_judged_on_the_sites_calendar_not_utcs(
    world: TrialWorld, clock: SettableClock
) -> None:
    # 02:00 in Beijing on 3 March is still 2 March in UTC: the site's today is 3 March.
    clock.current = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
    beijing_today = dt.date(2026, 3, 3)
    visit = clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="SCR", visit_date=beijing_today, protocol=world.protocol,
    )  # fmt: skip
    assert _rows(world, "visits", id=visit)[0]["visit_date"] == beijing_today
    with pytest.raises(InputError) as caught:
        clinical.record_visit(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            visit_code="SCR", visit_date=beijing_today + dt.timedelta(days=1),
            protocol=world.protocol,
        )  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["visit_date"]
    # A correction is judged on the same calendar.
    corrections.correct_record(
        world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit,
        changes={"visit_date": beijing_today}, reason="same day, typed again",
        protocol=world.protocol,
    )  # fmt: skip
    with pytest.raises(InputError, match="visit_date"):
        corrections.correct_record(
            world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit,
            changes={"visit_date": beijing_today + dt.timedelta(days=1)}, reason="typo",
            protocol=world.protocol,
        )  # fmt: skip
