"""Dosing and the visit calendar of NCT04738981, both arms, from study day 1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.calendar import dose_for_weight, plan_calendar, plan_course, study_date
from trialdesk.domain.errors import InputError

PROTOCOL = load_protocol()
DAY1 = dt.date(2024, 3, 1)
MSC, ANTIBODY = PROTOCOL.arm("msc_cd25").interventions


def test_msc_dose_is_one_million_cells_per_kg() -> None:
    dose = dose_for_weight(MSC, 65, PROTOCOL.weight_limits)
    assert dose.amount == pytest.approx(6.5e7)
    assert dose.unit == "cells"


@pytest.mark.parametrize("weight", [40, 65, 120])
def test_anti_cd25_dose_is_20_mg_whatever_the_weight(weight: float) -> None:
    dose = dose_for_weight(ANTIBODY, weight, PROTOCOL.weight_limits)
    assert (dose.amount, dose.unit) == (20, "mg")


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (0, "must be > 0, not 0"),
        (-70, "must be > 0, not -70"),
        (math.nan, "must be > 0, not nan"),
        (650, "650 kg is outside the plausible range 30–250 kg"),
        (6.5, "6.5 kg is outside the plausible range 30–250 kg"),
    ],
)
def test_impossible_weight_is_refused_naming_the_field(weight: float, message: str) -> None:
    with pytest.raises(InputError) as caught:
        dose_for_weight(MSC, weight, PROTOCOL.weight_limits)
    assert [(e.field, e.message) for e in caught.value.errors] == [("weight_kg", message)]


def test_study_day_one_is_the_first_dose_date() -> None:
    assert study_date(DAY1, 1) == DAY1
    assert study_date(DAY1, 0) == dt.date(2024, 2, 29)
    assert study_date(dt.date(2023, 12, 30), 4) == dt.date(2024, 1, 2)


def test_experimental_arm_gets_four_msc_infusions_and_five_antibody_doses() -> None:
    plan = plan_calendar(PROTOCOL, "msc_cd25", 65, DAY1)
    by_product: dict[str, list[int]] = {}
    for a in plan.administrations:
        by_product.setdefault(a.intervention, []).append(a.day)
    assert by_product == {"anti_cd25": [1, 4, 8, 15, 22], "uc_msc": [1, 8, 15, 22]}
    msc_doses = [a.dose for a in plan.administrations if a.intervention == "uc_msc"]
    assert msc_doses == pytest.approx([6.5e7] * 4)


def test_control_arm_gets_only_the_antibody() -> None:
    plan = plan_calendar(PROTOCOL, "cd25", 80, DAY1)
    assert {a.intervention for a in plan.administrations} == {"anti_cd25"}
    assert [a.date for a in plan.administrations] == [
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 4),
        dt.date(2024, 3, 8),
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 22),
    ]


def test_week_one_antibody_is_given_on_days_1_and_4_with_windows() -> None:
    plan = plan_calendar(PROTOCOL, "cd25", 80, DAY1)
    first, second = plan.administrations[:2]
    assert (first.day, first.earliest, first.latest) == (1, DAY1, DAY1)  # day 1 has no window
    assert (second.day, second.earliest, second.latest) == (
        4,
        dt.date(2024, 3, 3),
        dt.date(2024, 3, 5),
    )
    assert second.min_gap_days == 2


def test_dose_window_never_starts_before_the_minimum_gap() -> None:
    close = dataclasses.replace(ANTIBODY, days=(1, 3), window_days=1, min_gap_days=2)
    arm = dataclasses.replace(PROTOCOL.arm("cd25"), interventions=(close,))
    protocol = dataclasses.replace(PROTOCOL, arms=(arm,))
    second = plan_calendar(protocol, "cd25", 80, DAY1).administrations[1]
    assert (second.earliest, second.latest) == (study_date(DAY1, 3), study_date(DAY1, 4))


def test_assessment_windows_follow_the_protocol() -> None:
    visits = {v.visit: v for v in plan_calendar(PROTOCOL, "msc_cd25", 65, DAY1).visits}
    assert (visits["SCR"].earliest, visits["SCR"].latest) == (
        dt.date(2024, 2, 22),
        dt.date(2024, 2, 29),
    )
    assert (visits["D1"].earliest, visits["D1"].latest) == (DAY1, DAY1)
    assert (visits["D8"].earliest, visits["D8"].latest) == (
        dt.date(2024, 3, 7),
        dt.date(2024, 3, 9),
    )
    primary = visits["D29"]
    assert (primary.date, primary.earliest, primary.latest) == (
        dt.date(2024, 3, 29),
        dt.date(2024, 3, 27),
        dt.date(2024, 3, 31),
    )
    assert "response" in primary.assessments
    assert (visits["W12"].day, visits["W12"].earliest) == (85, dt.date(2024, 5, 17))
    assert (visits["W52"].date, visits["W52"].latest) == (
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 14),
    )


def test_calendar_lists_visits_in_date_order() -> None:
    plan = plan_calendar(PROTOCOL, "msc_cd25", 65, DAY1, courses=2)
    days = [v.day for v in plan.visits]
    assert days == sorted(days)
    assert plan.courses == (1, 2)


def test_second_course_after_partial_response_starts_on_day_29() -> None:
    course2 = plan_course(PROTOCOL, "msc_cd25", 65, DAY1, course=2)
    antibody = [a for a in course2.administrations if a.intervention == "anti_cd25"]
    assert [a.day for a in antibody] == [29, 32, 36, 43, 50]
    assert [a.course_day for a in antibody] == [1, 4, 8, 15, 22]
    assert antibody[0].date == dt.date(2024, 3, 29)
    assert (antibody[0].earliest, antibody[0].latest) == (
        dt.date(2024, 3, 28),
        dt.date(2024, 3, 30),
    )  # only study day 1 is without a window
    assert {v.course for v in course2.visits} == {2}
    assert course2.visits[-1].day == 57  # end-of-course-2 assessment


def test_whole_plan_with_two_courses_contains_both_courses() -> None:
    plan = plan_calendar(PROTOCOL, "msc_cd25", 65, DAY1, courses=2)
    assert len([a for a in plan.administrations if a.intervention == "uc_msc"]) == 8
    assert [v.course for v in plan.visits if v.visit == "D29"] == [1, 2]


@pytest.mark.parametrize("courses", [0, 3])
def test_more_courses_than_the_protocol_allows_are_refused(courses: int) -> None:
    with pytest.raises(InputError, match="courses: must be between 1 and 2"):
        plan_calendar(PROTOCOL, "msc_cd25", 65, DAY1, courses=courses)


def test_course_number_outside_the_protocol_is_refused() -> None:
    with pytest.raises(InputError, match="course: must be between 1 and 2, not 3"):
        plan_course(PROTOCOL, "msc_cd25", 65, DAY1, course=3)


def test_unknown_arm_is_refused() -> None:
    with pytest.raises(InputError, match="arm: unknown arm 'msc'"):
        plan_calendar(PROTOCOL, "msc", 65, DAY1)


def test_weight_is_checked_even_for_fixed_dose_arms() -> None:
    with pytest.raises(InputError, match="weight_kg: must be > 0"):
        plan_calendar(PROTOCOL, "cd25", 0, DAY1)
