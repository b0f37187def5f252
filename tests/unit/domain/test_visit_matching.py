"""Matching recorded GVHD assessments to the planned staging visits of a subject's calendar."""

from __future__ import annotations

import datetime as dt

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.calendar import Calendar, plan_calendar
from trialdesk.domain.visit_matching import (
    STAGING_ASSESSMENT,
    AssessmentRef,
    baseline_assessment,
    has_response,
    match_assessments_to_visits,
)

DAY1 = dt.date(2026, 3, 2)


def _calendar(courses: int = 1) -> Calendar:
    return plan_calendar(load_protocol(), "msc_cd25", 70.0, DAY1, courses=courses)


def _on(study_day: int) -> dt.date:
    return DAY1 + dt.timedelta(days=study_day - 1)


def _codes(matched: dict[int, object]) -> dict[int, tuple[str, int | None]]:
    return {i: (v.visit, v.course) for i, v in matched.items()}  # type: ignore[attr-defined]


def test_each_assessment_takes_the_staging_visit_nearest_its_date() -> None:
    matched = match_assessments_to_visits(
        _calendar().visits, [(1, _on(1)), (2, _on(9)), (3, _on(14)), (4, _on(30))]
    )
    assert _codes(matched) == {1: ("D1", 1), 2: ("D8", 1), 3: ("D15", 1), 4: ("D29", 1)}


def test_a_visit_takes_one_assessment_so_a_second_one_moves_to_the_next_free_visit() -> None:
    matched = match_assessments_to_visits(_calendar().visits, [(1, _on(8)), (2, _on(8))])
    assert _codes(matched) == {1: ("D8", 1), 2: ("D1", 1)}


def test_only_staging_visits_are_matched() -> None:
    calendar = _calendar()
    matched = match_assessments_to_visits(calendar.visits, [(1, _on(4))])
    assert all(STAGING_ASSESSMENT in v.assessments for v in matched.values())
    assert _codes(matched)[1] != ("D4", 1)  # day 4 is a dosing visit without staging


def test_a_course_visit_wins_a_tie_with_a_follow_up_visit_on_the_same_day() -> None:
    calendar = _calendar(courses=2)
    same_day = [
        v for v in calendar.visits if v.date == _on(57) and STAGING_ASSESSMENT in v.assessments
    ]
    assert len(same_day) == 2, "the built-in plan has course 2's D29 and week 8 on day 57"
    matched = match_assessments_to_visits(calendar.visits, [(1, _on(57))])
    assert matched[1].course == 2


def test_without_a_second_course_a_week_8_assessment_is_the_week_8_visit() -> None:
    matched = match_assessments_to_visits(_calendar().visits, [(1, _on(57))])
    assert matched[1].course is None
    assert matched[1].date == _on(57)


def test_assessments_left_over_once_every_visit_is_taken_belong_to_no_visit() -> None:
    staging = [v for v in _calendar().visits if STAGING_ASSESSMENT in v.assessments]
    extra = len(staging) + 2
    matched = match_assessments_to_visits(
        _calendar().visits, [(i, _on(1)) for i in range(1, extra + 1)]
    )
    assert len(matched) == len(staging)
    assert set(matched) == set(range(1, len(staging) + 1))


def test_a_chosen_visit_is_kept_whatever_the_date() -> None:
    # Assessed on day 9 but saved as week 2: the date would say D8, the user said D15.
    matched = match_assessments_to_visits(
        _calendar().visits, [AssessmentRef(1, _on(9), "D15"), AssessmentRef(2, _on(16))]
    )
    assert _codes(matched) == {1: ("D15", 1), 2: ("D22", 1)}


def test_a_chosen_visit_is_taken_before_any_date_match_in_recording_order() -> None:
    # The first-recorded assessment would take D8 by date; the later one chose D8.
    matched = match_assessments_to_visits(
        _calendar().visits, [AssessmentRef(1, _on(9)), AssessmentRef(2, _on(10), "D8")]
    )
    assert _codes(matched) == {1: ("D15", 1), 2: ("D8", 1)}


def test_a_chosen_code_takes_the_course_of_that_code_nearest_the_date() -> None:
    # Day 29 is course 1's D29 and course 2's D1: the code decides which one.
    visits = _calendar(courses=2).visits
    matched = match_assessments_to_visits(
        visits, [AssessmentRef(1, _on(29), "D1"), AssessmentRef(2, _on(29), "D29")]
    )
    assert _codes(matched) == {1: ("D1", 2), 2: ("D29", 1)}


def test_an_assessment_dated_before_day_1_belongs_to_no_visit() -> None:
    matched = match_assessments_to_visits(
        _calendar().visits, [AssessmentRef(1, _on(-5)), AssessmentRef(2, _on(1))]
    )
    assert _codes(matched) == {2: ("D1", 1)}


def _baseline(refs: list[AssessmentRef], planned: bool = True) -> int | None:
    matched = match_assessments_to_visits(_calendar().visits, refs) if planned else None
    chosen = baseline_assessment(refs, matched, "D1")
    return None if chosen is None else chosen.id


def test_the_baseline_is_the_day_1_assessment_not_an_earlier_record() -> None:
    day1, week1, before = (
        AssessmentRef(1, _on(1)),
        AssessmentRef(2, _on(8)),
        AssessmentRef(3, _on(-3)),
    )
    assert _baseline([day1, week1, before]) == 1
    # Recorded later, dated earlier: it neither becomes the baseline nor has a response.
    assert not has_response(before, AssessmentRef(1, _on(1)))
    assert has_response(week1, day1)
    assert not has_response(day1, day1)


def test_the_baseline_is_the_assessment_chosen_for_the_baseline_visit() -> None:
    refs = [AssessmentRef(1, _on(1), "D8"), AssessmentRef(2, _on(2), "D1")]
    assert _baseline(refs) == 2


def test_without_a_day_1_assessment_there_is_no_baseline_once_the_calendar_is_known() -> None:
    assert _baseline([AssessmentRef(1, _on(8), "D8")]) is None


def test_before_the_calendar_is_known_the_chosen_baseline_visit_then_the_earliest_counts() -> None:
    refs = [AssessmentRef(1, _on(3)), AssessmentRef(2, _on(1)), AssessmentRef(3, _on(5), "D8")]
    assert _baseline(refs, planned=False) == 2
    assert _baseline([*refs, AssessmentRef(4, _on(4), "D1")], planned=False) == 4
    assert _baseline([AssessmentRef(3, _on(5), "D8")], planned=False) is None
