"""A second, different trial is described by a protocol file alone, without code changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.calendar import plan_calendar
from trialdesk.domain.decisions import NextStep, decide_next_step
from trialdesk.domain.eligibility import CriterionStatus, evaluate_eligibility
from trialdesk.domain.gvhd.types import GradingSystem, Response, ResponseRuleSet
from trialdesk.domain.randomization.spec import ImbalanceMeasure, RandomizationMethod

SECOND = load_protocol(
    Path(__file__).resolve().parents[2] / "fixtures" / "protocols" / "second_trial.yaml"
)


def test_second_trial_has_its_own_identity_ratio_and_randomization() -> None:
    assert SECOND.identification.nct_id == "NCT09999999"
    assert SECOND.ratio_label == "2:1"
    assert SECOND.randomization.method is RandomizationMethod.MINIMIZATION
    assert SECOND.randomization.minimization is not None
    assert SECOND.randomization.minimization.imbalance is ImbalanceMeasure.VARIANCE
    assert SECOND.assessment.grading_system is GradingSystem.GLUCKSBERG
    assert SECOND.assessment.response_rules is ResponseRuleSet.INTERNATIONAL
    assert [a.version for a in SECOND.version.amendments] == ["2.0", "2.1"]


def test_second_trial_doses_its_antibody_per_kg_on_a_six_week_course() -> None:
    plan = plan_calendar(SECOND, "abx", 50, dt.date(2025, 7, 1))
    antibody = [a for a in plan.administrations if a.intervention == "antibody_x"]
    assert [(a.day, a.dose, a.unit) for a in antibody] == [
        (1, 100.0, "mg"),
        (15, 100.0, "mg"),
        (29, 100.0, "mg"),
    ]
    assert antibody[1].earliest == dt.date(2025, 7, 13)  # day 15 - 2
    assert [v.visit for v in plan.visits] == ["SCR", "D1", "D15", "D43", "W12"]


def test_second_trial_applies_its_own_criteria() -> None:
    record = {
        "age_years": 14,
        "platelets_10e9_per_l": 19.5,
        "bilirubin_mg_dl": 11,
        "consent_signed": True,
    }
    statuses = {r.criterion_id: r.status for r in evaluate_eligibility(SECOND, record).results}
    assert statuses == {
        "I1": CriterionStatus.MET,
        "I2": CriterionStatus.NOT_MET,
        "I3": CriterionStatus.ATTESTED,
        "E1": CriterionStatus.NOT_MET,
    }


def test_second_trial_never_repeats_a_course() -> None:
    decision = decide_next_step(SECOND, [("D43", Response.PR)])
    assert decision.step is NextStep.COURSE_COMPLETE
    assert decide_next_step(SECOND, [("D15", Response.PD)]).step is NextStep.SWITCH_THERAPY
    # MR at the decision visit is not a stop in this protocol: the course completes.
    assert decide_next_step(SECOND, [("D43", Response.MR)]).step is NextStep.COURSE_COMPLETE
