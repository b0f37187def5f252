"""Time-point endpoints: the day-28 primary endpoint and durable response at day 56."""

import math

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    NOT_EVALUABLE,
    RESPONSE_CODE,
    EndpointWindow,
    Response,
    TimedResponse,
    durable_response,
    durable_response_arrays,
    overall_response_rate,
    response_at,
    response_at_arrays,
    select_in_window,
)

DAY28 = EndpointWindow(target_day=29, days_before=2, days_after=2)
DAY56 = EndpointWindow(target_day=57, days_before=7, days_after=7)
NAN = math.nan


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([1, 8, 15, 22, 29], 4),  # on target
        ([1, 8, 27, 31], 3),  # tie two days either side: the later
        ([28, 30], 1),  # tie one day either side: the later
        ([27, 30], 1),  # the closer one, late
        ([28, 31], 0),  # the closer one, early
        ([29, 29], 1),  # same day twice: the one recorded last
        ([26, 32], -1),  # both just outside the window
        ([27], 0),  # first day of the window is inside
        ([31], 0),  # last day of the window is inside
        ([NAN, 30, NAN], 1),  # empty slots are ignored
        ([NAN, NAN], -1),
    ],
)
def test_selects_the_assessment_closest_to_target_preferring_the_later(
    days: list[float], expected: int
) -> None:
    assert int(select_in_window(np.array(days, dtype=float), DAY28)) == expected


def test_select_in_window_works_row_by_row_and_with_no_assessments() -> None:
    days = np.array([[1, 29, NAN], [28, 30, 40], [1, 2, 3]])
    assert select_in_window(days, DAY28).tolist() == [1, 1, -1]
    assert select_in_window(np.empty((3, 0)), DAY28).tolist() == [-1, -1, -1]


def test_select_in_window_needs_an_assessment_axis() -> None:
    with pytest.raises(InputError, match="study_days"):
        select_in_window(np.array(29.0), DAY28)


def test_response_at_arrays_returns_not_evaluable_when_nothing_is_in_the_window() -> None:
    days = np.array([[8, 29], [8, 15]])
    codes = np.array(
        [[RESPONSE_CODE[Response.PR], RESPONSE_CODE[Response.CR]], [RESPONSE_CODE[Response.PR]] * 2]
    )
    assert response_at_arrays(days, codes, DAY28).tolist() == [
        RESPONSE_CODE[Response.CR],
        NOT_EVALUABLE,
    ]


def test_response_at_arrays_refuses_codes_of_another_shape() -> None:
    with pytest.raises(InputError, match="response_codes"):
        response_at_arrays(np.zeros((2, 3)), np.zeros((2, 2), dtype=np.int8), DAY28)


def test_one_patient_day28_endpoint_uses_the_assessment_in_the_window() -> None:
    history = [
        TimedResponse(8, Response.NR),
        TimedResponse(28, Response.PR),
        TimedResponse(30, Response.CR),
    ]
    result = response_at(history, DAY28)
    assert result.evaluable
    assert result.assessment == TimedResponse(30, Response.CR)
    assert result.complete_response
    assert result.overall_response


def test_missing_day28_assessment_is_not_evaluable_and_an_itt_non_responder() -> None:
    result = response_at([TimedResponse(8, Response.PR)], DAY28)
    assert not result.evaluable
    assert result.response is None
    assert not result.complete_response
    assert not result.overall_response
    assert not response_at([], DAY28).evaluable


def test_partial_response_counts_for_orr_but_not_for_cr() -> None:
    result = response_at([TimedResponse(29, Response.PR)], DAY28)
    assert result.overall_response
    assert not result.complete_response


@pytest.mark.parametrize(
    ("day28", "day56", "durable"),
    [
        (Response.CR, Response.CR, True),
        (Response.PR, Response.CR, True),
        (Response.CR, Response.PR, True),
        (Response.CR, Response.PD, False),
        (Response.NR, Response.CR, False),  # not a responder at day 28
        (Response.MR, Response.PR, False),
    ],
)
def test_durable_response_needs_a_response_at_day28_still_present_at_day56(
    day28: Response, day56: Response, durable: bool
) -> None:
    history = [TimedResponse(29, day28), TimedResponse(57, day56)]
    assert durable_response(history, DAY28, DAY56) is durable


def test_durable_response_is_false_without_a_day56_assessment() -> None:
    assert not durable_response([TimedResponse(29, Response.CR)], DAY28, DAY56)


def test_durable_response_arrays_treat_not_evaluable_as_non_response() -> None:
    cr, pr = RESPONSE_CODE[Response.CR], RESPONSE_CODE[Response.PR]
    first = np.array([cr, pr, NOT_EVALUABLE, cr])
    later = np.array([pr, NOT_EVALUABLE, cr, cr])
    assert durable_response_arrays(first, later).tolist() == [True, False, False, True]


def test_overall_response_rate_keeps_not_evaluable_patients_in_the_denominator() -> None:
    cr, pr, nr = RESPONSE_CODE[Response.CR], RESPONSE_CODE[Response.PR], RESPONSE_CODE[Response.NR]
    assert overall_response_rate(np.array([cr, pr, nr, NOT_EVALUABLE])) == 0.5


def test_overall_response_rate_needs_patients() -> None:
    with pytest.raises(InputError, match="at least one patient"):
        overall_response_rate(np.array([], dtype=np.int8))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target_day": math.nan}, "target_day"),
        ({"target_day": 29, "days_before": -1}, "days_before"),
        ({"target_day": 29, "days_after": math.inf}, "days_after"),
    ],
)
def test_endpoint_window_refuses_impossible_values(fields: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as caught:
        EndpointWindow(**fields)
    assert caught.value.errors[0].field == field


def test_endpoint_window_bounds() -> None:
    assert (DAY28.first_day, DAY28.last_day) == (27, 31)
