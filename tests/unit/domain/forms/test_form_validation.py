"""Validation of submitted protocol-form values: types, ranges, choices, conditions, date order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.spec import FormField, FormFieldType, FormRepeat, FormSpec
from trialdesk.domain.forms.validation import json_values, validate_form_values

T = FormFieldType

SPEC = FormSpec(
    code="demo",
    label="Demo form",
    repeat=FormRepeat.LOG,
    date_field="started_on",
    fields=(
        FormField("started_on", "From", T.DATE, required=True),
        FormField("stopped_on", "To", T.DATE),
        FormField(
            "dose", "Daily dose", T.NUMBER, unit="mg/day", minimum=0, maximum=5000, required=True
        ),
        FormField("stage", "Skin stage", T.INTEGER, minimum=0, maximum=4),
        FormField("drug", "Drug", T.CHOICE, choices=(("tac", "Tacrolimus"), ("other", "Other"))),
        FormField("drug_other", "Other drug", T.TEXT, required_if=("drug", "other")),
        FormField("signs", "Signs", T.CHOICES, choices=(("rash", "Rash"), ("fever", "Fever"))),
        FormField("treated", "Treated", T.BOOLEAN),
        FormField("treatment", "Treatment", T.TEXT, required_if=("treated", True)),
        FormField("level", "Trough level", T.NUMBER, unit="ng/mL", minimum=0),
        FormField("level_on", "Level sampled on", T.DATE, required_if=("level", "present")),
        FormField("virus", "Virus", T.CHOICE, choices=(("cmv", "CMV"), ("ebv", "EBV"))),
        FormField("load", "Viral load", T.NUMBER, required_if=("virus", ("cmv", "ebv"))),
        FormField("onset_on", "Onset", T.DATE),
        FormField("resolved_on", "Resolved", T.DATE),
    ),
)

BASE: dict[str, Any] = {"started_on": "2026-03-01", "dose": "50"}


def _errors(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InputError) as caught:
        validate_form_values(SPEC, raw)
    return {e.field: e.message for e in caught.value.errors}


def test_web_strings_become_typed_values_and_blanks_are_left_out() -> None:
    values = validate_form_values(
        SPEC, {**BASE, "stage": "2", "treated": "no", "drug": "tac", "stopped_on": " "}
    )
    assert values == {
        "started_on": dt.date(2026, 3, 1), "dose": 50.0, "stage": 2, "treated": False,
        "drug": "tac",
    }  # fmt: skip
    assert isinstance(values["dose"], float)
    assert isinstance(values["stage"], int)


def test_json_values_are_accepted_as_well() -> None:
    values = validate_form_values(
        SPEC, {"started_on": dt.date(2026, 3, 1), "dose": 50, "treated": True, "treatment": "x",
               "signs": ["fever", "rash", "fever"]},
    )  # fmt: skip
    assert values["dose"] == 50.0
    assert values["treated"] is True
    assert values["signs"] == ["rash", "fever"]  # declaration order, no duplicates


@pytest.mark.parametrize(
    ("dose", "ok"), [("-0.001", False), ("0", True), ("5000", True), ("5000.01", False)]
)
def test_number_range_boundaries_name_the_label_and_unit(dose: str, ok: bool) -> None:
    if ok:
        assert validate_form_values(SPEC, {**BASE, "dose": dose})["dose"] == float(dose)
    else:
        message = _errors({**BASE, "dose": dose})["dose"]
        assert message.startswith("Daily dose must be between 0 and 5000 mg/day")
        assert f"got {float(dose):g} mg/day" in message


def test_a_lower_bound_alone_is_stated_as_at_least() -> None:
    assert _errors({**BASE, "level": -1, "level_on": "2026-03-02"})["level"] == (
        "Trough level must be at least 0 ng/mL, got -1 ng/mL"
    )


@pytest.mark.parametrize(("stage", "ok"), [(-1, False), (0, True), (4, True), (5, False)])
def test_integer_range_boundaries(stage: int, ok: bool) -> None:
    raw = {**BASE, "stage": stage}
    if ok:
        assert validate_form_values(SPEC, raw)["stage"] == stage
    else:
        assert "Skin stage must be between 0 and 4" in _errors(raw)["stage"]


@pytest.mark.parametrize("value", ["2.5", 2.5, True, "two"])
def test_an_integer_field_refuses_fractions_words_and_booleans(value: object) -> None:
    assert "Skin stage must be" in _errors({**BASE, "stage": value})["stage"]


def test_a_whole_json_float_is_an_integer() -> None:
    assert validate_form_values(SPEC, {**BASE, "stage": 3.0})["stage"] == 3


@pytest.mark.parametrize("value", ["NaN", "inf", float("nan"), "abc", True, 10**400, [1]])
def test_numbers_must_be_finite_numbers(value: object) -> None:
    assert "Daily dose must be" in _errors({**BASE, "dose": value})["dose"]


def test_every_problem_is_reported_at_once_in_field_order_unknown_fields_last() -> None:
    errors = _errors({"dose": "9999", "drug": "xyz", "colour": "red", "treated": "maybe"})
    assert list(errors) == ["started_on", "dose", "drug", "treated", "colour"]
    assert errors["started_on"] == "From is required"
    assert errors["drug"] == "Drug: 'xyz' is not one of Tacrolimus (tac), Other (other)"
    assert errors["treated"] == "Treated must be yes or no"
    assert errors["colour"] == "Demo form has no field 'colour'"


@pytest.mark.parametrize("value", ["2026-02-30", "01/03/2026", dt.datetime(2026, 3, 1, 8, 0)])
def test_dates_must_be_calendar_dates(value: object) -> None:
    assert _errors({**BASE, "started_on": value})["started_on"].startswith("From must be a date")


def test_choices_refuse_an_unknown_code_and_a_non_list() -> None:
    assert "not one of Rash (rash), Fever (fever)" in _errors({**BASE, "signs": ["itch"]})["signs"]
    assert _errors({**BASE, "signs": 3})["signs"] == "Signs must be a list of choices"


def test_a_single_checkbox_from_a_web_form_is_a_list_of_one() -> None:
    assert validate_form_values(SPEC, {**BASE, "signs": "rash"})["signs"] == ["rash"]


def test_required_if_a_choice_value() -> None:
    assert _errors({**BASE, "drug": "other"})["drug_other"] == (
        "Other drug is required when Drug is Other"
    )
    assert "drug_other" not in validate_form_values(SPEC, {**BASE, "drug": "tac"})


def test_required_if_yes() -> None:
    assert _errors({**BASE, "treated": "yes"})["treatment"] == (
        "Treatment is required when Treated is yes"
    )
    assert validate_form_values(SPEC, {**BASE, "treated": "no"})["treated"] is False


def test_required_if_present() -> None:
    assert _errors({**BASE, "level": "0"})["level_on"] == (
        "Level sampled on is required when Trough level is given"
    )
    assert "level_on" not in validate_form_values(SPEC, BASE)


def test_required_if_one_of_a_list() -> None:
    for virus in ("cmv", "ebv"):
        assert _errors({**BASE, "virus": virus})["load"] == (
            "Viral load is required when Virus is CMV or EBV"
        )
    assert "load" not in validate_form_values(SPEC, BASE)


def test_required_if_is_not_judged_on_an_unreadable_field() -> None:
    errors = _errors({**BASE, "treated": "maybe"})
    assert "treatment" not in errors


@pytest.mark.parametrize(("stopped", "ok"), [("2026-02-28", False), ("2026-03-01", True)])
def test_a_period_does_not_stop_before_it_starts(stopped: str, ok: bool) -> None:
    raw = {**BASE, "stopped_on": stopped}
    if ok:
        assert validate_form_values(SPEC, raw)["stopped_on"] == dt.date(2026, 3, 1)
    else:
        assert _errors(raw)["stopped_on"] == (
            "To (2026-02-28) must not be before From (2026-03-01)"
        )


@pytest.mark.parametrize(("resolved", "ok"), [("2026-03-09", False), ("2026-03-10", True)])
def test_an_episode_does_not_resolve_before_its_onset(resolved: str, ok: bool) -> None:
    raw = {**BASE, "onset_on": "2026-03-10", "resolved_on": resolved}
    if ok:
        validate_form_values(SPEC, raw)
    else:
        message = "Resolved (2026-03-09) must not be before Onset (2026-03-10)"
        assert _errors(raw)["resolved_on"] == message


def test_text_is_trimmed_and_bounded() -> None:
    raw = {**BASE, "drug": "other", "drug_other": "  belatacept "}
    assert validate_form_values(SPEC, raw)["drug_other"] == "belatacept"
    assert validate_form_values(SPEC, {**raw, "drug_other": "x" * 500})
    assert "at most 500 characters" in _errors({**raw, "drug_other": "x" * 501})["drug_other"]
    assert _errors({**raw, "drug_other": 5})["drug_other"] == "Other drug must be text"
    assert "without control characters" in _errors({**raw, "drug_other": "a\x00b"})["drug_other"]


def test_values_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        validate_form_values(SPEC, ["dose"])  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "values"


def test_json_values_store_dates_as_iso_text() -> None:
    typed = validate_form_values(SPEC, {**BASE, "signs": ["rash"]})
    assert json_values(typed) == {"started_on": "2026-03-01", "dose": 50.0, "signs": ["rash"]}
    assert validate_form_values(SPEC, json_values(typed)) == typed
