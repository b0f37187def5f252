"""Baseline risk and chronic GVHD recorded through the forms service, derived at entry and read
back into the analysis datasets (both engines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from db_fixtures import SettableClock
from eligibility_signoff_world import screen_and_sign
from trial_world import SITE_A, TODAY, TrialWorld, build_world
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import InputError
from trialdesk.services.clinical import clinical
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.subjects import forms, subjects
from trialdesk.stats.datasets import build_datasets

RISK: dict[str, Any] = {
    "recorded_on": "2026-03-01", "donor_type": "matched_unrelated", "transplant_on": "2026-01-05",
    "conditioning_intensity": "reduced_intensity", "agvhd_onset_on": "2026-02-10",
    "onset_skin_stage": "3", "onset_liver_stage": "0", "onset_upper_gi_stage": "0",
    "onset_lower_gi_stage": "1", "st2_ng_ml": "80", "reg3a_ng_ml": "50",
}  # fmt: skip


def chronic(day: dt.date, **scores: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        f"{organ}_score": "0"
        for organ in ("skin", "mouth", "eyes", "gi", "liver", "lungs", "joints_fascia", "genital")
    }
    values.update({f"{organ}_score": score for organ, score in scores.items()})
    values.update(assessed_on=day.isoformat(), diagnostic_sign="true",
                  distinctive_sign_confirmed="false", other_cause_explains="false")  # fmt: skip
    return values


@pytest.fixture
def world(store: Store, clock: SettableClock) -> tuple[TrialWorld, int]:
    """One randomized subject at site A, dosed on TODAY (study day 1), 100 days later."""
    world = build_world(store)
    generate_list(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=20260302, length_per_stratum=8,
        trial_code="NCT04738981",
    )  # fmt: skip
    subject = subjects.register_subject(
        store.new_uow(), as_user=world.coordinator, site_code=SITE_A, screening_number="SCR-21"
    )
    subjects.record_consent(
        store.new_uow(), as_user=world.coordinator, subject_id=subject.id,
        consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip
    screen_and_sign(
        store.new_uow, subject_id=subject.id, coordinator=world.coordinator,
        investigator=world.investigator, screened_on=TODAY, protocol=world.protocol,
    )  # fmt: skip
    randomize_subject(
        store.new_randomization_uow(), as_user=world.coordinator, subject_id=subject.id,
        stratification={"baseline_grade": 3, "gi_involvement": "no"},
    )  # fmt: skip
    clinical.record_dose(
        store.new_uow(), as_user=world.coordinator, subject_id=subject.id,
        product="anti_cd25", administered_on=TODAY, weight_kg=62.5, dose_value=20,
        dose_unit="mg", protocol=world.protocol,
    )  # fmt: skip
    clock.advance(days=100)
    return world, subject.id


def record(world: TrialWorld, subject_id: int, form: str, values: dict[str, Any],
           visit: str) -> int:  # fmt: skip
    return forms.record_form(
        world.store.new_uow(), as_user=world.coordinator, subject_id=subject_id, form_code=form,
        values=values, protocol=world.protocol, visit_code=visit,
    )  # fmt: skip


# ADSL's last-known-alive date concatenates one series per kind of record; this small trial has
# no assessment, visit, AE, therapy or outcome yet, and pandas warns about the empty ones.
@pytest.mark.filterwarnings("ignore:The behavior of array concatenation:FutureWarning")
def test_saved_forms_are_derived_at_entry_and_analysed_with_the_same_rules(
    world: tuple[TrialWorld, int],
) -> None:
    trial, subject_id = world
    risk_id = record(trial, subject_id, "baseline_risk", RISK, "SCR")
    mild_id = record(trial, subject_id, "chronic_gvhd", chronic(TODAY + dt.timedelta(56),
                                                                 skin="1"), "W8")  # fmt: skip
    record(trial, subject_id, "chronic_gvhd",
           chronic(TODAY + dt.timedelta(84), skin="1", lungs="1"), "W12")  # fmt: skip
    with trial.store.new_uow() as uow:
        risk_row = uow.records.get("form_records", risk_id)
        mild_row = uow.records.get("form_records", mild_id)
    assert risk_row is not None
    assert mild_row is not None
    # Derived at entry: randomized on TODAY, so the interval to randomization is known.
    assert risk_row["derived"]["minnesota_risk"] == "standard"
    assert risk_row["derived"]["magic_group"] == "high"
    assert risk_row["derived"]["days_transplant_to_randomization"] == 56
    assert mild_row["derived"]["global_severity"] == "mild"
    data = build_datasets(SqlAlchemyAnalysisReader(trial.store.engine).read(), trial.protocol)
    adsl = data.adsl.set_index("SUBJID")
    assert adsl.at[subject_id, "MNRISK"] == "standard"
    assert adsl.at[subject_id, "MAGICP"] == pytest.approx(risk_row["derived"]["magic_probability"])
    assert adsl.at[subject_id, "DONOR"] == "matched_unrelated"
    assert adsl.at[subject_id, "TXTORAND"] == 56
    assert adsl.at[subject_id, "CGWORST"] == "moderate"
    assert data.adcgvhd["CGSEV"].tolist() == ["mild", "moderate"]
    assert data.adcgvhd["ADY"].tolist() == [57.0, 85.0]
    tte = data.adtte[data.adtte["PARAMCD"] == "MSCGVHD"].set_index("SUBJID")
    assert tte.loc[subject_id, ["AVAL", "EVNTCD"]].tolist() == [84.0, 1]


def test_a_biomarker_of_zero_is_refused_naming_the_field_and_nothing_is_saved(
    world: tuple[TrialWorld, int],
) -> None:
    trial, subject_id = world
    with pytest.raises(InputError) as raised:
        record(trial, subject_id, "baseline_risk", {**RISK, "st2_ng_ml": "0"}, "SCR")
    assert raised.value.errors[0].field == "st2_ng_ml"
    with trial.store.new_uow() as uow:
        assert uow.records.count("form_records") == 0
