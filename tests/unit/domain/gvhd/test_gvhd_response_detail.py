"""Organ response, best response, time to response and loss of response."""

from __future__ import annotations

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.endpoints import TimedResponse
from trialdesk.domain.gvhd.response_detail import (
    ORGAN_RESPONSE_BY_CODE,
    OrganResponse,
    best_response,
    first_response,
    loss_of_response,
    organ_response,
    organ_response_arrays,
)
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import IntercurrentEvent, IntercurrentEventKind

RESCUE = IntercurrentEventKind.ADDITIONAL_THERAPY


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (2, 0, OrganResponse.RESOLVED),
        (2, 1, OrganResponse.IMPROVED),
        (1, 0, OrganResponse.RESOLVED),
        (2, 2, OrganResponse.UNCHANGED),
        (2, 3, OrganResponse.WORSE),
        (0, 0, OrganResponse.NOT_INVOLVED),
        (0, 1, OrganResponse.WORSE),
        (4, 3, OrganResponse.IMPROVED),
    ],
)
def test_organ_response_at_each_stage_change(
    baseline: int, current: int, expected: OrganResponse
) -> None:
    assert organ_response(baseline, current) is expected


def test_array_form_matches_one_by_one_and_refuses_impossible_stages() -> None:
    base = np.array([[2, 0, 1, 3], [0, 1, 0, 0]])
    now = np.array([[0, 1, 1, 4], [0, 0, 0, 0]])
    codes = organ_response_arrays(base, now)
    assert [[ORGAN_RESPONSE_BY_CODE[c].label for c in row] for row in codes] == [
        ["resolved", "worse", "unchanged", "worse"],
        ["not involved", "resolved", "not involved", "not involved"],
    ]
    with pytest.raises(InputError):
        organ_response_arrays([5], [0])
    with pytest.raises(InputError) as caught:
        organ_response(2, True)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "current"


COURSE = [
    TimedResponse(8, Response.NR),
    TimedResponse(15, Response.PR),
    TimedResponse(22, Response.PD),
    TimedResponse(29, Response.CR),
]


@pytest.mark.parametrize(
    ("through", "expected"),
    [(7, None), (8, Response.NR), (14, Response.NR), (15, Response.PR), (29, Response.CR)],
)
def test_best_response_up_to_a_day(through: int, expected: Response | None) -> None:
    assert best_response(COURSE, through) is expected


@pytest.mark.parametrize(("event_day", "best"), [(29, Response.PR), (30, Response.CR)])
def test_best_response_ignores_assessments_on_or_after_an_intercurrent_event(
    event_day: int, best: Response
) -> None:
    assert best_response(COURSE, 31, [IntercurrentEvent(RESCUE, event_day)]) is best


@pytest.mark.parametrize(("event_day", "first_day"), [(15, None), (16, 15)])
def test_time_to_response_stops_at_the_first_intercurrent_event(
    event_day: int, first_day: int | None
) -> None:
    found = first_response(COURSE, [IntercurrentEvent(RESCUE, event_day)])
    assert (found.study_day if found else None) == first_day


def test_loss_of_response_is_the_first_non_response_or_rescue_after_it() -> None:
    lost = loss_of_response(COURSE)
    assert lost is not None
    assert (lost.study_day, lost.reason) == (22, "PD on day 22")
    kept = [TimedResponse(15, Response.PR), TimedResponse(29, Response.CR)]
    assert loss_of_response(kept) is None
    rescued = loss_of_response(kept, [IntercurrentEvent(RESCUE, 40)])
    assert rescued is not None
    assert rescued.reason == "additional systemic therapy day 40"
    died = [IntercurrentEvent(IntercurrentEventKind.DEATH, 40)]
    assert loss_of_response(kept, died) is None  # death is not a flare
    assert loss_of_response([TimedResponse(8, Response.NR)]) is None  # never responded
