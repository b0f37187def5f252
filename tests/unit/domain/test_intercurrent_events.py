"""Composite strategy: intercurrent events on or before the counted assessment are failures."""

from __future__ import annotations

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.endpoints import EndpointWindow, TimedResponse
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import (
    IntercurrentEvent,
    IntercurrentEventKind,
    composite_durable_response,
    composite_failure_arrays,
    composite_response_at,
    first_event,
)

WEEK4 = EndpointWindow(29, 2, 2)
DAY56 = EndpointWindow(57, 7, 7)
RESCUE = IntercurrentEventKind.ADDITIONAL_THERAPY
PD_THEN_CR = [TimedResponse(15, Response.PD), TimedResponse(29, Response.CR)]


def test_pd_day15_rescue_day16_cr_day29_is_a_failure_named_by_the_rescue() -> None:
    result = composite_response_at(PD_THEN_CR, WEEK4, [IntercurrentEvent(RESCUE, 16)])
    assert result.observed.response is Response.CR  # what was seen is kept
    assert not result.complete_response
    assert not result.overall_response
    assert result.reason == "additional systemic therapy day 16"


def test_the_same_course_without_rescue_is_a_complete_response() -> None:
    result = composite_response_at(PD_THEN_CR, WEEK4, [])
    assert result.complete_response
    assert result.reason == ""


@pytest.mark.parametrize(("event_day", "failure"), [(28, True), (29, True), (30, False)])
def test_an_event_counts_up_to_and_including_the_counted_assessment_day(
    event_day: int, failure: bool
) -> None:
    events = [IntercurrentEvent(IntercurrentEventKind.STEROID_RE_ESCALATION, event_day)]
    result = composite_response_at(PD_THEN_CR, WEEK4, events)
    assert result.failure_by_event is failure
    assert result.complete_response is not failure


@pytest.mark.parametrize(("event_day", "named"), [(31, True), (32, False)])
def test_with_no_assessment_in_the_window_events_count_to_the_window_end(
    event_day: int, named: bool
) -> None:
    events = [IntercurrentEvent(IntercurrentEventKind.WITHDRAWAL, event_day)]
    result = composite_response_at([TimedResponse(15, Response.PR)], WEEK4, events)
    assert not result.observed.evaluable
    assert not result.overall_response
    assert result.reason == (
        f"withdrawal or loss to follow-up day {event_day}" if named
        else "no assessment in the window"
    )  # fmt: skip


def test_same_day_events_are_named_by_precedence_death_first() -> None:
    events = [IntercurrentEvent(RESCUE, 20), IntercurrentEvent(IntercurrentEventKind.DEATH, 20),
              IntercurrentEvent(IntercurrentEventKind.WITHDRAWAL, 10)]  # fmt: skip
    assert first_event(events) == events[2]
    assert first_event(events[:2]) == events[1]
    assert first_event([]) is None


def test_durable_response_fails_when_the_event_falls_between_the_time_points() -> None:
    responses = [TimedResponse(29, Response.CR), TimedResponse(57, Response.CR)]
    assert composite_durable_response(responses, WEEK4, DAY56, []).overall_response
    broken = composite_durable_response(responses, WEEK4, DAY56, [IntercurrentEvent(RESCUE, 40)])
    assert not broken.overall_response
    assert broken.reason == "additional systemic therapy day 40"
    after = composite_durable_response(responses, WEEK4, DAY56, [IntercurrentEvent(RESCUE, 58)])
    assert after.overall_response


def test_array_form_matches_the_rule_at_each_boundary() -> None:
    counted = np.array([29.0, 29.0, 29.0, np.nan, np.nan, 29.0])
    events = np.array([28.0, 29.0, 30.0, 31.0, 32.0, np.nan])
    assert composite_failure_arrays(counted, events, WEEK4).tolist() == [
        True, True, False, True, False, False,
    ]  # fmt: skip
    with pytest.raises(InputError):
        composite_failure_arrays(counted, events[:2], WEEK4)


def test_an_event_needs_a_known_kind_and_a_whole_day() -> None:
    with pytest.raises(InputError) as caught:
        IntercurrentEvent("relapse", 3)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "kind"
    with pytest.raises(InputError) as caught:
        IntercurrentEvent(RESCUE, 3.5)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "study_day"
