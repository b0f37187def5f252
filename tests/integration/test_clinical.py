"""Clinical use cases: derived values come from the domain at save time; bad input saves nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from trial_world import BASELINE_MEASUREMENTS, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.subjects import subjects

AWARE = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _row(world: TrialWorld, table: str, record_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get(table, record_id)
    assert row is not None
    return row


def _assess(world: TrialWorld, on: dt.date, **measurements: object) -> int:
    return clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=on, measurements=measurements, protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip


def test_a_baseline_assessment_stores_magic_stages_and_grade(world: TrialWorld) -> None:
    row = _row(world, "gvhd_assessments", _assess(world, TODAY, **BASELINE_MEASUREMENTS))
    # Skin 30 % BSA → 2; bilirubin 4 mg/dL → 2; 800 mL/day → lower GI 1; liver 2 → grade III.
    stages = (row["skin_stage"], row["liver_stage"], row["upper_gi_stage"], row["lower_gi_stage"])
    assert stages == (2, 2, 0, 1)
    assert row["grade"] == 3
    assert (row["grading_system"], row["response"]) == ("magic", None)
    assert "protocol 1.0" in row["rules_version"]
    assert row["measurements"] == BASELINE_MEASUREMENTS


def test_a_later_assessment_derives_response_against_the_baseline(world: TrialWorld) -> None:
    _assess(world, TODAY - dt.timedelta(days=28), **BASELINE_MEASUREMENTS)
    row = _row(world, "gvhd_assessments", _assess(world, TODAY, skin_bsa_pct=0.0, bilirubin=1.0))
    assert (row["grade"], row["response"], row["response_rule_set"]) == (0, "CR", "csh")


def test_bilirubin_in_umol_per_litre_stages_like_its_mg_per_dl_value(world: TrialWorld) -> None:
    row = _row(
        world, "gvhd_assessments",
        _assess(world, TODAY, skin_bsa_pct=0.0, bilirubin=68.4, bilirubin_unit="µmol/L"),
    )  # fmt: skip
    assert row["liver_stage"] == 2


def test_a_derived_value_is_never_accepted_as_input(world: TrialWorld) -> None:
    with pytest.raises(InputError) as caught:
        _assess(world, TODAY, skin_bsa_pct=0.0, bilirubin=1.0, grade=4)
    assert caught.value.errors[0].field == "measurements.grade"


def test_a_dose_stores_the_planned_dose_for_the_weight(world: TrialWorld) -> None:
    dose_id = clinical.record_dose(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        product="uc_msc", administered_on=TODAY, weight_kg=60.0, dose_value=6.0e7,
        dose_unit="cells", protocol=world.protocol,
    )  # fmt: skip
    assert _row(world, "dose_administrations", dose_id)["planned_dose_value"] == pytest.approx(6e7)


def test_a_serious_unexpected_related_event_gets_susar_deadlines(world: TrialWorld) -> None:
    event_id = clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        term="Sepsis", ctcae_grade=3, onset_on=TODAY - dt.timedelta(days=1), aware_at=AWARE,
        outcome="recovering", seriousness=frozenset({"hospitalization"}),
        products={"uc_msc": ("possible", False), "anti_cd25": ("unlikely", True)},
    )  # fmt: skip
    row = _row(world, "adverse_events", event_id)
    assert row["serious"] is True
    assert row["derived"]["susar_products"] == ["uc_msc"]
    deadlines = row["derived"]["deadlines"]
    assert deadlines["investigator_to_sponsor"] == "2026-03-02T08:30:00+00:00"  # 24 h
    assert deadlines["susar"] == "2026-03-16T08:30:00+00:00"  # 15 days


def test_therapies_and_outcomes_are_recorded(world: TrialWorld) -> None:
    clinical.record_therapy(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="rescue", name="Ruxolitinib", started_on=TODAY,
    )  # fmt: skip
    clinical.record_outcome(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="relapse", occurred_on=TODAY,
    )  # fmt: skip
    assert (world.count("therapies"), world.count("outcomes")) == (1, 1)


def test_a_death_needs_a_cause_and_moves_the_lifecycle(world: TrialWorld) -> None:
    with pytest.raises(InputError, match="cause"):
        clinical.record_outcome(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            kind="death", occurred_on=TODAY,
        )  # fmt: skip
    # Before randomization a death is a screen failure, so the lifecycle refuses "died".
    with pytest.raises(StateError, match="from screening to died"):
        clinical.record_outcome(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            kind="death", occurred_on=TODAY, cause="sepsis",
        )  # fmt: skip
    assert world.count("outcomes") == 0
    clinical.record_outcome(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="withdrawal", occurred_on=TODAY,
    )  # fmt: skip
    subject = subjects.get_subject(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    )
    assert subject.state is SubjectState.WITHDRAWN


Call = Callable[[TrialWorld], object]
TOMORROW = TODAY + dt.timedelta(days=1)


def _dose(world: TrialWorld, **overrides: Any) -> object:
    arguments: dict[str, Any] = {
        "subject_id": world.subject_id, "product": "uc_msc", "administered_on": TODAY,
        "weight_kg": 60.0, "dose_value": 6.0e7, "dose_unit": "cells",
    }  # fmt: skip
    arguments.update(overrides)
    return clinical.record_dose(
        world.store.new_uow(), as_user=world.coordinator, protocol=world.protocol, **arguments
    )


BAD_INPUT: dict[str, tuple[Call, type[Exception], str]] = {
    "unknown subject": (lambda w: _dose(w, subject_id=4242), NotFoundError, "subject 4242"),
    "wrong dose unit": (lambda w: _dose(w, dose_unit="mL"), InputError, "dose_unit"),
    "wrong bilirubin unit": (
        lambda w: _assess(w, TODAY, skin_bsa_pct=0.0, bilirubin=1.0, bilirubin_unit="g/L"),
        InputError,
        "bilirubin_unit",
    ),
    "date in the future": (
        lambda w: _dose(w, administered_on=TOMORROW),
        InputError,
        "administered_on",
    ),
    "future assessment": (
        lambda w: _assess(w, TOMORROW, skin_bsa_pct=0.0, bilirubin=1.0),
        InputError,
        "assessed_on",
    ),
    "weight of 0": (lambda w: _dose(w, weight_kg=0.0), InputError, "weight_kg"),
    "impossible BSA": (
        lambda w: _assess(w, TODAY, skin_bsa_pct=130.0, bilirubin=1.0),
        InputError,
        "skin_bsa_pct",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_names_the_field_and_changes_nothing(world: TrialWorld, case: str) -> None:
    call, error, field = BAD_INPUT[case]
    tables = ("dose_administrations", "gvhd_assessments", "audit_trail")
    before = [world.count(t) for t in tables]
    with pytest.raises(error, match=field):
        call(world)
    assert [world.count(t) for t in tables] == before


def test_before_randomization_the_additional_therapy_answer_may_be_left_out(
    world: TrialWorld,
) -> None:
    assessment = clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY, measurements=BASELINE_MEASUREMENTS, protocol=world.protocol,
    )  # fmt: skip
    row = _row(world, "gvhd_assessments", assessment)
    assert (row["additional_therapy"], row["additional_therapy_names"]) == (None, None)
    assert row["attribution"] is None


def test_a_correction_of_the_measurements_keeps_the_organ_attribution(world: TrialWorld) -> None:
    liver = {"causes": ["sos_vod"], "attributed_to_other_cause": True}
    assessment = clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY, measurements=BASELINE_MEASUREMENTS, protocol=world.protocol,
        attribution={"liver": liver},
    )  # fmt: skip
    row = _row(world, "gvhd_assessments", assessment)
    assert row["liver_stage"] == 0
    assert row["attribution"]["liver"]["stage_measured"] == 2
    assert row["attribution"]["liver"]["reason"] == "attributed to SOS/VOD"
    corrections.correct_record(
        world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
        record_id=assessment, changes={"measurements": {**BASELINE_MEASUREMENTS, "bilirubin": 7.0}},
        reason="lab value mistyped", protocol=world.protocol,
    )  # fmt: skip
    corrected = _row(world, "gvhd_assessments", assessment)
    assert corrected["liver_stage"] == 0
    assert corrected["attribution"]["liver"]["stage_measured"] == 3
    assert corrected["attribution"]["liver"]["reason"] == "attributed to SOS/VOD"
