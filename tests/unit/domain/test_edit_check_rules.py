"""Edit-check rules at their boundaries, with the built-in protocol's declared checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.edit_checks import (
    DEFAULT_CHECKS,
    CheckContext,
    Finding,
    evaluate_checks,
    normalise_unit,
    value_at,
)
from trialdesk.domain.protocol import CheckTarget, EditCheck, RuleKind, Severity

CHECKS = load_protocol().edit_checks
TODAY = dt.date(2026, 3, 20)
NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
PLANNED = 7.2e7  # UC-MSC 1×10⁶ cells/kg × 72 kg


def _context(**given: Any) -> CheckContext:
    return CheckContext(today=TODAY, now=NOW, **given)


def _codes(collection: str, record: dict[str, Any], **given: Any) -> list[str]:
    return [f.code for f in evaluate_checks(CHECKS, collection, record, _context(**given))]


def _dose(value: float, on: dt.date = TODAY, **given: Any) -> list[str]:
    record = {"product": "uc_msc", "administered_on": on, "dose_value": value}
    return _codes("dose_administrations", record, planned_dose=PLANNED, **given)


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        (7.2, ["dose_tenfold", "dose_deviation"]),  # the 7.2 cells for 7.2×10⁷
        (PLANNED * 10, ["dose_deviation"]),  # exactly 10×: not refused, still a deviation
        (PLANNED * 10.001, ["dose_tenfold", "dose_deviation"]),
        (PLANNED / 10, ["dose_deviation"]),  # exactly a tenth
        (PLANNED / 10.001, ["dose_tenfold", "dose_deviation"]),
        (PLANNED * 1.1, []),  # exactly +10 %
        (PLANNED * 0.9, []),  # exactly −10 %
        (PLANNED * 1.1001, ["dose_deviation"]),
        (PLANNED * 0.8999, ["dose_deviation"]),
        (PLANNED, []),
    ],
)
def test_a_dose_is_checked_against_the_computed_dose(dose: float, expected: list[str]) -> None:
    assert _dose(dose) == expected


def test_the_dose_ratio_finding_is_hard_and_names_both_doses() -> None:
    record = {"product": "uc_msc", "administered_on": TODAY, "dose_value": 7.2}
    findings = evaluate_checks(
        CHECKS, "dose_administrations", record, _context(planned_dose=PLANNED)
    )
    tenfold = next(f for f in findings if f.code == "dose_tenfold")
    assert (tenfold.severity, tenfold.field) == (Severity.HARD, "dose_value")
    assert "7.2 is 10 × 10⁶ times smaller than the computed dose 72 × 10⁶" in tenfold.message


def test_without_a_computed_dose_the_dose_rules_say_nothing() -> None:
    record = {"product": "x", "administered_on": TODAY, "dose_value": 1.0}
    assert _codes("dose_administrations", record) == []


@pytest.mark.parametrize(
    ("days_apart", "refused"), [(0, True), (1, True), (2, False), (5, False), (-1, True)]
)
def test_doses_of_a_product_must_be_min_gap_days_apart(days_apart: int, refused: bool) -> None:
    other = TODAY - dt.timedelta(days=days_apart)
    codes = _dose(PLANNED, TODAY, min_gap_days=2, other_doses=(other,))
    assert ("dose_min_gap" in codes) is refused


def test_a_min_gap_of_zero_allows_doses_on_the_same_day() -> None:
    assert _dose(PLANNED, TODAY, min_gap_days=0, other_doses=(TODAY,)) == []


@pytest.mark.parametrize(("offset", "refused"), [(0, False), (1, True)])
def test_a_date_after_today_is_refused(offset: int, refused: bool) -> None:
    codes = _codes("adverse_events", {"onset_on": TODAY + dt.timedelta(days=offset)})
    assert ("date_in_future" in codes) is refused


def test_the_default_checks_refuse_only_dates_after_today() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    findings = evaluate_checks(
        DEFAULT_CHECKS, "therapies", {"started_on": TODAY, "stopped_on": tomorrow}, _context()
    )
    assert [(f.code, f.field) for f in findings] == [("date_in_future", "stopped_on")]


@pytest.mark.parametrize(("offset", "refused"), [(-1, True), (0, False), (1, False)])
def test_a_post_randomization_record_is_not_dated_before_randomization(
    offset: int, refused: bool
) -> None:
    randomized = TODAY - dt.timedelta(days=5)
    record = {"assessed_on": randomized + dt.timedelta(days=offset), "measurements": {}}
    codes = _codes("gvhd_assessments", record, randomized_on=randomized)
    assert ("before_randomization" in codes) is refused


def test_a_screening_visit_may_precede_randomization() -> None:
    before = TODAY - dt.timedelta(days=10)
    given = {"randomized_on": TODAY, "screening_visits": frozenset({"SCR"})}
    assert _codes("visits", {"visit_code": "SCR", "visit_date": before}, **given) == []
    assert _codes("visits", {"visit_code": "D8", "visit_date": before}, **given) == [
        "before_randomization"
    ]


def test_before_randomization_has_no_say_until_the_subject_is_randomized() -> None:
    assert _codes("outcomes", {"kind": "relapse", "occurred_on": TODAY}) == []


@pytest.mark.parametrize(("offset", "refused"), [(0, False), (1, True)])
def test_nothing_is_dated_after_death(offset: int, refused: bool) -> None:
    died = TODAY - dt.timedelta(days=3)
    record = {"term": "Sepsis", "onset_on": died + dt.timedelta(days=offset)}
    assert ("after_death" in _codes("adverse_events", record, died_on=died)) is refused


def _bilirubin(value: float, unit: str) -> list[str]:
    record = {"assessed_on": TODAY, "measurements": {"bilirubin": value, "bilirubin_unit": unit}}
    return _codes("gvhd_assessments", record)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (30.0, "mg/dL", []),
        (30.01, "mg/dL", ["bilirubin_mg_dl_range"]),
        (34.0, "mg/dL", ["bilirubin_mg_dl_range"]),  # the µmol/L value left in mg/dL
        (0.0, "mg/dL", []),
        (34.0, "µmol/L", []),  # the same number in the unit it was measured in
        (513.0, "umol/L", []),
        (514.0, "umol/L", ["bilirubin_umol_l_range"]),
        (1.0, "umol/L", []),
        (0.9, "µmol/l", ["bilirubin_umol_l_range"]),  # a mg/dL value entered as µmol/L
    ],
)
def test_bilirubin_is_plausible_for_its_unit(value: float, unit: str, expected: list[str]) -> None:
    assert _bilirubin(value, unit) == expected


def test_the_plausible_range_finding_suggests_the_other_unit() -> None:
    record = {"assessed_on": TODAY, "measurements": {"bilirubin": 34, "bilirubin_unit": "mg/dL"}}
    (finding,) = evaluate_checks(CHECKS, "gvhd_assessments", record, _context())
    assert finding == Finding(
        "bilirubin_mg_dl_range",
        Severity.SOFT,
        "measurements.bilirubin",
        "Bilirubin above 30 mg/dL is implausible; was it measured in µmol/L? "
        "(34 mg/dL is outside the plausible range 0–30 mg/dL)",
    )


def test_a_range_without_a_unit_checks_every_value() -> None:
    record = {"assessed_on": TODAY, "measurements": {"stool_ml_per_day": 10_001}}
    assert _codes("gvhd_assessments", record) == ["stool_volume_range"]
    record["measurements"] = {"stool_ml_per_day": 10_000}
    assert _codes("gvhd_assessments", record) == []


def test_a_visit_outside_every_window_of_its_code_is_flagged() -> None:
    windows = {
        "D8": (
            (dt.date(2026, 2, 7), dt.date(2026, 2, 9)),
            (dt.date(2026, 3, 7), dt.date(2026, 3, 9)),  # D8 of a repeated course
        )
    }
    for day, flagged in ((7, False), (9, False), (10, True), (6, True)):
        record = {"visit_code": "D8", "visit_date": dt.date(2026, 2, day)}
        assert ("visit_window" in _codes("visits", record, visit_windows=windows)) is flagged
    record = {"visit_code": "D8", "visit_date": dt.date(2026, 3, 8)}
    assert _codes("visits", record, visit_windows=windows) == []


def test_a_visit_without_a_planned_window_is_not_flagged() -> None:
    record = {"visit_code": "W8", "visit_date": TODAY}
    assert _codes("visits", record, visit_windows={"D8": ((TODAY, TODAY),)}) == []


@pytest.mark.parametrize(("offset", "warned"), [(-1, True), (0, False)])
def test_an_ae_onset_before_consent_is_a_warning(offset: int, warned: bool) -> None:
    consent = TODAY - dt.timedelta(days=30)
    record = {"term": "Rash", "onset_on": consent + dt.timedelta(days=offset)}
    assert ("ae_before_consent" in _codes("adverse_events", record, consented_on=consent)) is (
        warned
    )


@pytest.mark.parametrize(("seconds_ago", "warned"), [(59, True), (60, False), (61, False)])
def test_the_same_record_saved_less_than_a_minute_ago_is_a_likely_duplicate(
    seconds_ago: int, warned: bool
) -> None:
    record = {"term": "Rash", "onset_on": TODAY}
    saved = NOW - dt.timedelta(seconds=seconds_ago)
    earlier = ({"term": "Rash", "onset_on": TODAY, "created_at": saved},)
    codes = _codes("adverse_events", record, same_kind=earlier)
    assert ("duplicate_record" in codes) is warned


def test_a_record_differing_in_a_key_field_is_not_a_duplicate() -> None:
    record = {"term": "Rash", "onset_on": TODAY}
    earlier = ({"term": "Diarrhoea", "onset_on": TODAY, "created_at": NOW},)
    assert _codes("adverse_events", record, same_kind=earlier) == []


def test_a_check_applies_only_to_its_declared_fields() -> None:
    check = EditCheck(
        code="x",
        severity=Severity.SOFT,
        rule=RuleKind.NOT_AFTER_TODAY,
        applies_to=(CheckTarget("visits", "visit_date"),),
        message="m",
    )
    future = TODAY + dt.timedelta(days=1)
    assert evaluate_checks([check], "outcomes", {"occurred_on": future}, _context()) == ()
    assert evaluate_checks([check], "visits", {"visit_code": "D1"}, _context()) == ()


def test_units_and_paths_are_read_as_people_write_them() -> None:
    assert normalise_unit(" µmol/L ") == normalise_unit("umol/l") == "umol/l"
    assert value_at({"measurements": {"bilirubin": 2}}, "measurements.bilirubin") == 2
    assert value_at({"measurements": None}, "measurements.bilirubin") is None
