"""Eligibility: every criterion of NCT04738981 each way, missing values, attestations, bad input."""

from __future__ import annotations

import math
from typing import Any

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.eligibility import CriterionStatus, evaluate_eligibility, investigator_fields
from trialdesk.domain.errors import InputError

PROTOCOL = load_protocol()

ELIGIBLE: dict[str, Any] = {
    "age_years": 45,
    "anc_10e9_per_l": 1.2,
    "creatinine_x_uln": 1.1,
    "active_infection": False,
    "pregnant_nursing_or_planning": False,
    "confirmed_sr_agvhd": True,
    "consent_signed": True,
    "treatment_tolerable": True,
    "primary_disease_controlled": True,
    "no_multiorgan_dysfunction": True,
    "suitable_for_study": True,
}


def _status(record: dict[str, Any], criterion_id: str) -> tuple[CriterionStatus, str]:
    result = evaluate_eligibility(PROTOCOL, record)
    (found,) = [r for r in result.results if r.criterion_id == criterion_id]
    return found.status, found.reason


def test_patient_meeting_every_criterion_is_eligible() -> None:
    result = evaluate_eligibility(PROTOCOL, ELIGIBLE)
    assert result.eligible
    assert result.failed == ()
    assert len(result.results) == len(PROTOCOL.criteria)


@pytest.mark.parametrize(
    ("field", "value", "criterion_id", "status"),
    [
        ("anc_10e9_per_l", 0.5, "IN2", CriterionStatus.MET),
        ("anc_10e9_per_l", 0.49, "IN2", CriterionStatus.NOT_MET),
        ("creatinine_x_uln", 1.99, "IN3", CriterionStatus.MET),
        ("creatinine_x_uln", 2.0, "IN3", CriterionStatus.NOT_MET),
        ("age_years", 18, "AGE", CriterionStatus.MET),
        ("age_years", 70, "AGE", CriterionStatus.MET),
        ("age_years", 17, "AGE", CriterionStatus.NOT_MET),
        ("age_years", 71, "AGE", CriterionStatus.NOT_MET),
        ("active_infection", True, "EX3", CriterionStatus.NOT_MET),
        ("active_infection", False, "EX3", CriterionStatus.MET),
        ("pregnant_nursing_or_planning", True, "EX5", CriterionStatus.NOT_MET),
        ("confirmed_sr_agvhd", False, "IN1", CriterionStatus.NOT_ATTESTED),
        ("consent_signed", False, "IN4", CriterionStatus.NOT_ATTESTED),
        ("treatment_tolerable", False, "EX1", CriterionStatus.NOT_ATTESTED),
        ("primary_disease_controlled", False, "EX2", CriterionStatus.NOT_ATTESTED),
        ("no_multiorgan_dysfunction", False, "EX4", CriterionStatus.NOT_ATTESTED),
        ("suitable_for_study", False, "EX6", CriterionStatus.NOT_ATTESTED),
        ("suitable_for_study", True, "EX6", CriterionStatus.ATTESTED),
    ],
)
def test_each_criterion_each_way(
    field: str, value: object, criterion_id: str, status: CriterionStatus
) -> None:
    record = {**ELIGIBLE, field: value}
    assert _status(record, criterion_id)[0] is status
    passing = status in (CriterionStatus.MET, CriterionStatus.ATTESTED)
    assert evaluate_eligibility(PROTOCOL, record).eligible is passing


@pytest.mark.parametrize("field", sorted(ELIGIBLE))
def test_a_missing_value_makes_its_criterion_missing_and_the_patient_not_eligible(
    field: str,
) -> None:
    record = {k: v for k, v in ELIGIBLE.items() if k != field}
    result = evaluate_eligibility(PROTOCOL, record)
    assert not result.eligible
    (missing,) = result.failed
    assert missing.status is CriterionStatus.MISSING
    assert missing.field == field
    if field in investigator_fields(PROTOCOL):
        assert missing.reason == "awaiting the investigator's attestation"
    else:
        assert missing.reason == f"no value recorded for {field}"
    # A missing answer leaves the screening pending; it does not exclude the patient.
    assert not result.excluded


def test_the_fields_reserved_to_the_investigator_name_their_criterion() -> None:
    assert investigator_fields(PROTOCOL) == {
        "confirmed_sr_agvhd": "IN1",
        "treatment_tolerable": "EX1",
        "primary_disease_controlled": "EX2",
        "no_multiorgan_dysfunction": "EX4",
        "suitable_for_study": "EX6",
    }


def test_a_recorded_answer_that_fails_excludes_the_patient() -> None:
    assert evaluate_eligibility(PROTOCOL, {**ELIGIBLE, "suitable_for_study": False}).excluded
    assert evaluate_eligibility(PROTOCOL, {"age_years": 75}).excluded
    assert not evaluate_eligibility(PROTOCOL, ELIGIBLE).excluded


def test_none_counts_as_not_recorded() -> None:
    assert _status({**ELIGIBLE, "anc_10e9_per_l": None}, "IN2")[0] is CriterionStatus.MISSING


def test_reason_quotes_the_value_and_the_threshold() -> None:
    _, reason = _status({**ELIGIBLE, "anc_10e9_per_l": 0.49}, "IN2")
    assert reason == "anc_10e9_per_l = 0.49 10^9/L does not satisfy >= 0.5 10^9/L"
    _, reason = _status({**ELIGIBLE, "age_years": 71}, "AGE")
    assert reason == "age_years = 71 years does not satisfy 18 years to 70 years inclusive"


def test_exclusion_reason_says_whether_the_excluding_condition_is_present() -> None:
    _, present = _status({**ELIGIBLE, "active_infection": True}, "EX3")
    assert present == "excluded: active_infection = true (excluded when == true)"
    _, absent = _status(ELIGIBLE, "EX3")
    assert absent.startswith("excluding condition absent: active_infection = false")


def test_attestation_reason_quotes_the_statement() -> None:
    _, reason = _status(ELIGIBLE, "IN4")
    assert reason == "investigator attests: The patient has signed written informed consent."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("anc_10e9_per_l", "1.2", "must be a number, not '1.2'"),
        ("anc_10e9_per_l", True, "must be a number, not True"),
        ("anc_10e9_per_l", math.nan, "must be a finite number"),
        ("anc_10e9_per_l", -0.1, "-0.1 10^9/L is below the plausible minimum 0 10^9/L"),
        ("age_years", 45.5, "must be a whole number, not 45.5"),
        ("age_years", 130, "130 years is above the plausible maximum 120 years"),
        ("active_infection", "no", "must be true or false, not 'no'"),
        ("consent_signed", 1, "must be true or false, not 1"),
        ("weight", 70, "is not a screening field of this protocol"),
    ],
)
def test_invalid_value_is_an_input_error_naming_the_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        evaluate_eligibility(PROTOCOL, {**ELIGIBLE, field: value})
    assert [(e.field, e.message) for e in caught.value.errors] == [(field, message)]


def test_every_invalid_value_is_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        evaluate_eligibility(PROTOCOL, {**ELIGIBLE, "age_years": "old", "consent_signed": "yes"})
    assert {e.field for e in caught.value.errors} == {"age_years", "consent_signed"}


def test_whole_float_is_accepted_for_an_integer_field() -> None:
    assert _status({**ELIGIBLE, "age_years": 45.0}, "AGE")[0] is CriterionStatus.MET
