"""The demo's planned form records: complete per the protocol's declarations, dated sensibly,
different by arm where the scenario says so, and the same for the same seed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.forms.spec import FormSpec
from trialdesk.simulation.demo_cohort import VirtualPatient, draw_cohort
from trialdesk.simulation.demo_forms import (
    PlannedForm,
    baseline_risk_plan,
    chronic_gvhd_values,
    draw_log_forms,
    msc_product_values,
)

PROTOCOL = load_protocol()
ARMS = [a.code for a in PROTOCOL.arms]


def _cohort(seed: int = 3, n: int = 60) -> list[VirtualPatient]:
    scenario = read_scenario_file(builtin_scenario_path())
    return draw_cohort(scenario, ARMS, randomized=n, failure_reasons=5, death_causes=3,
                       ae_terms=8, rng=np.random.default_rng(seed))  # fmt: skip


def _missing_required(spec: FormSpec, values: dict[str, object]) -> list[str]:
    missing = []
    for field in spec.fields:
        condition = field.required_if
        needed = field.required
        if condition is not None:
            other, wanted = condition
            have = values.get(other)
            needed = have in wanted if isinstance(wanted, tuple) else have == wanted
            needed = needed or (wanted == "present" and have is not None)
        if needed and values.get(field.name) is None:
            missing.append(field.name)
    return missing


def _complete(plan: PlannedForm) -> dict[str, object]:
    return {**plan.values, **{name: f"day {day}" for name, day in plan.dates.items()}}


def test_every_planned_form_has_the_declared_fields_and_only_those() -> None:
    rng = np.random.default_rng(1)
    for patient in _cohort():
        plans = [baseline_risk_plan(patient, rng)]
        for arm in ARMS:
            plans += draw_log_forms(patient, arm, 365, rng)
        for plan in plans:
            spec = PROTOCOL.form(plan.form)
            values = _complete(plan)
            assert set(values) <= {f.name for f in spec.fields}, plan
            assert _missing_required(spec, values) == [], plan
        for values in (chronic_gvhd_values(patient, 57, rng), msc_product_values(patient, 1)):
            form = "chronic_gvhd" if "skin_score" in values else "msc_product"
            spec = PROTOCOL.form(form)
            date_field = {spec.date_field: "day 1"}
            assert _missing_required(spec, {**values, **date_field}) == []


def test_log_forms_stop_at_the_last_day_alive_and_steroid_periods_follow_each_other() -> None:
    rng = np.random.default_rng(2)
    for patient in _cohort():
        plans = draw_log_forms(patient, "cd25", 30, rng)
        assert all(p.study_day <= 31 for p in plans)
        assert all(day <= 30 for p in plans for day in p.dates.values())
        steroids = [p for p in plans if p.form == "corticosteroids"]
        assert steroids[0].dates["started_on"] < 1  # steroids began before study treatment
        for before, after in itertools.pairwise(steroids):
            assert before.dates["stopped_on"] < after.dates["started_on"]


@pytest.mark.parametrize("seed", [3, 11])
def test_chronic_gvhd_is_scored_only_after_the_patients_onset(seed: int) -> None:
    rng = np.random.default_rng(4)
    for patient in _cohort(seed):
        onset = patient.event_day(patient.chronic_gvhd_week)
        values = chronic_gvhd_values(patient, 365, rng)
        scores = [v for k, v in values.items() if k.endswith("_score")]
        if patient.chronic_gvhd_week <= 52 and onset < 365:
            assert values["diagnostic_sign"] is True
            assert max(scores) >= 1  # type: ignore[type-var]
        else:
            assert values["diagnostic_sign"] is False
            assert set(scores) == {0}


def test_viral_dnaemia_is_more_common_in_the_control_arm_as_the_scenario_says() -> None:
    patients = _cohort(n=400)
    counts = {}
    for arm in ARMS:
        rng = np.random.default_rng(5)
        counts[arm] = sum(
            p.values["category"] == "cmv_dnaemia"
            for patient in patients
            for p in draw_log_forms(patient, arm, 365, rng)
            if p.form == "infections"
        )
    assert counts["cd25"] > counts["msc_cd25"] > 0


def test_the_same_seed_gives_the_same_forms() -> None:
    patient = _cohort()[0]
    first = draw_log_forms(patient, "msc_cd25", 365, np.random.default_rng(9))
    again = draw_log_forms(patient, "msc_cd25", 365, np.random.default_rng(9))
    assert first == again
    assert msc_product_values(patient, 2) == msc_product_values(patient, 2)
    assert msc_product_values(patient, 1) != msc_product_values(patient, 2)
