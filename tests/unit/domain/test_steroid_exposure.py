"""Corticosteroid exposure: daily dose, cumulative dose, taper milestones, re-escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from trialdesk.domain.corticosteroids import Corticosteroid
from trialdesk.domain.errors import InputError
from trialdesk.domain.steroid_exposure import (
    SteroidPeriod,
    TaperStatus,
    cumulative_dose_mg,
    daily_dose_mg,
    periods_from_records,
    re_escalation,
    steroid_exposure,
    taper_status,
)

DAY1 = dt.date(2026, 3, 2)
MP = Corticosteroid.METHYLPREDNISOLONE
PRED = Corticosteroid.PREDNISONE


def day(n: int) -> dt.date:
    """Date of study day ``n``."""
    return DAY1 + dt.timedelta(days=n - 1)


def test_daily_dose_converts_with_the_potency_table() -> None:
    assert daily_dose_mg([SteroidPeriod(MP, 80.0, DAY1)], DAY1) == pytest.approx(100.0)
    dexamethasone = SteroidPeriod(Corticosteroid.DEXAMETHASONE, 7.5, DAY1)
    assert daily_dose_mg([dexamethasone], DAY1) == pytest.approx(50.0)
    with pytest.raises(InputError) as caught:
        SteroidPeriod(PRED, -0.5, DAY1)
    assert caught.value.errors[0].field == "dose_mg_per_day"


def test_daily_dose_counts_the_change_day_once_at_the_new_dose_and_adds_drugs() -> None:
    periods = [
        SteroidPeriod(MP, 80.0, day(-5), day(10)),
        SteroidPeriod(MP, 40.0, day(10), None),
        SteroidPeriod(PRED, 5.0, day(12), day(12)),
    ]
    assert daily_dose_mg(periods, day(9)) == pytest.approx(100.0)
    assert daily_dose_mg(periods, day(10)) == pytest.approx(50.0)  # new row wins its first day
    assert daily_dose_mg(periods, day(12)) == pytest.approx(55.0)
    assert daily_dose_mg(periods, day(13)) == pytest.approx(50.0)
    assert daily_dose_mg(periods, day(-7)) == 0.0


def test_cumulative_dose_starts_on_study_day_one() -> None:
    periods = [SteroidPeriod(PRED, 10.0, day(-10), None)]
    assert cumulative_dose_mg(periods, DAY1, day(1)) == pytest.approx(10.0)
    assert cumulative_dose_mg(periods, DAY1, day(28)) == pytest.approx(280.0)
    assert cumulative_dose_mg(periods, DAY1, day(0)) == 0.0


@pytest.mark.parametrize(
    ("dose", "day1", "expected"),
    [
        (0.0, 50.0, TaperStatus.OFF),
        (24.9, 50.0, TaperStatus.HALF_OR_LESS),
        (25.0, 50.0, TaperStatus.HALF_OR_LESS),  # exactly half counts as halved
        (25.1, 50.0, TaperStatus.REDUCED),
        (49.9, 50.0, TaperStatus.REDUCED),
        (50.0, 50.0, TaperStatus.NOT_REDUCED),
        (60.0, 50.0, TaperStatus.NOT_REDUCED),
        (5.0, 0.0, TaperStatus.STARTED_AFTER_DAY1),
        (0.0, 0.0, TaperStatus.OFF),
    ],
)
def test_taper_status_boundaries(dose: float, day1: float, expected: TaperStatus) -> None:
    assert taper_status(dose, day1) is expected


def test_taper_labels_are_words_not_codes() -> None:
    assert TaperStatus.HALF_OR_LESS.label == "≤ 50 % of day-1 dose"
    assert TaperStatus.OFF.label == "off steroids"


@pytest.mark.parametrize(
    ("new_dose", "escalated"),
    [(49.9, False), (50.0, False), (50.1, True)],
)
def test_re_escalation_needs_a_dose_above_the_day1_dose(new_dose: float, escalated: bool) -> None:
    periods = [SteroidPeriod(PRED, 50.0, day(-3), day(9)), SteroidPeriod(PRED, new_dose, day(10))]
    found = re_escalation(periods, DAY1)
    assert (found is not None) is escalated
    if found is not None:
        assert (found.study_day, found.date, found.dose_mg) == (10, day(10), 50.1)
        assert "day 10" in found.description


def test_a_period_starting_on_day_one_is_not_a_re_escalation() -> None:
    periods = [SteroidPeriod(PRED, 20.0, day(-3), day(0)), SteroidPeriod(PRED, 80.0, day(1))]
    assert re_escalation(periods, DAY1) is None
    later = [*periods, SteroidPeriod(PRED, 90.0, day(2))]
    found = re_escalation(later, DAY1)
    assert found is not None
    assert found.study_day == 2


def test_an_unknown_re_escalation_rule_is_refused_naming_the_setting() -> None:
    with pytest.raises(InputError) as caught:
        re_escalation([], DAY1, "any_increase")
    assert caught.value.errors[0].field == "form_settings.steroid_re_escalation"


def test_exposure_summary_milestones_and_cumulative_per_kg() -> None:
    periods = [
        SteroidPeriod(MP, 80.0, day(-5), day(14)),  # 100 mg prednisone
        SteroidPeriod(PRED, 50.0, day(15), day(40)),
        SteroidPeriod(PRED, 0.0, day(41), None),
    ]
    exposure = steroid_exposure(periods, DAY1, 50.0, as_of=day(60))
    assert exposure.day1_dose_mg == pytest.approx(100.0)
    assert exposure.current_dose_mg == 0.0
    d28, d56 = exposure.day28, exposure.day56
    assert d28 is not None
    assert d56 is not None
    assert d28.dose_mg == pytest.approx(50.0)
    assert d28.status is TaperStatus.HALF_OR_LESS
    assert d28.share_of_day1 == pytest.approx(0.5)
    assert d28.cumulative_mg == pytest.approx(14 * 100 + 14 * 50)
    assert d28.cumulative_mg_per_kg == pytest.approx((14 * 100 + 14 * 50) / 50)
    assert d56.status is TaperStatus.OFF
    assert d56.cumulative_mg == pytest.approx(14 * 100 + 26 * 50)
    assert exposure.cumulative_mg == pytest.approx(d56.cumulative_mg)
    assert exposure.re_escalation is None


def test_milestones_not_reached_are_none_and_weight_unknown_leaves_mg_per_kg_none() -> None:
    periods = [SteroidPeriod(PRED, 30.0, day(1))]
    before = steroid_exposure(periods, DAY1, None, as_of=day(27))
    assert before.day28 is None
    assert before.day56 is None
    assert before.cumulative_mg_per_kg is None
    at = steroid_exposure(periods, DAY1, None, as_of=day(28))
    assert at.day28 is not None
    assert at.day28.cumulative_mg == pytest.approx(28 * 30.0)
    assert at.day56 is None


def test_a_re_escalation_after_as_of_is_not_yet_known() -> None:
    periods = [SteroidPeriod(PRED, 30.0, day(1), day(9)), SteroidPeriod(PRED, 60.0, day(10))]
    assert steroid_exposure(periods, DAY1, 60.0, as_of=day(9)).re_escalation is None
    assert steroid_exposure(periods, DAY1, 60.0, as_of=day(10)).re_escalation is not None


def test_periods_from_form_values_accept_iso_dates_and_name_bad_rows() -> None:
    rows = [
        {"drug": "prednisone", "dose_mg_per_day": 20, "started_on": "2026-03-10",
         "stopped_on": None, "route": "oral"},
        {"drug": "methylprednisolone", "dose_mg_per_day": 80.0,
         "started_on": dt.date(2026, 3, 1), "stopped_on": "2026-03-09", "route": "iv"},
    ]  # fmt: skip
    periods = periods_from_records(rows)
    assert [p.drug for p in periods] == [MP, PRED]
    assert periods[0].stopped_on == dt.date(2026, 3, 9)
    with pytest.raises(InputError) as caught:
        periods_from_records([rows[0], {**rows[1], "stopped_on": "2026-02-01"}])
    assert caught.value.errors[0].field == "rows[1].stopped_on"
    with pytest.raises(InputError) as caught:
        periods_from_records([{**rows[0], "drug": "cortisone"}])
    assert caught.value.errors[0].field == "rows[0].drug"


def test_weight_must_be_positive() -> None:
    with pytest.raises(InputError) as caught:
        steroid_exposure([], DAY1, 0.0, as_of=DAY1)
    assert caught.value.errors[0].field == "weight_kg"
