"""The query status machine, its assignees and its age bands."""

from __future__ import annotations

import datetime as dt

import pytest

from trialdesk.domain.access import Role
from trialdesk.domain.errors import StateError
from trialdesk.domain.labels import label
from trialdesk.domain.queries import (
    AGE_BANDS,
    OPEN_QUERY_STATES,
    Assignee,
    QueryMove,
    QueryStatus,
    Transition,
    age_band,
    age_in_days,
    in_age_band,
    move,
    raiser_assignee,
)

S = QueryStatus


@pytest.mark.parametrize("status", [S.OPEN, S.REOPENED])
def test_the_site_answers_an_open_query_back_to_its_raiser(status: QueryStatus) -> None:
    assert move(status, QueryMove.ANSWER, raised_by=Assignee.MONITOR) == Transition(
        S.ANSWERED, Assignee.MONITOR
    )


@pytest.mark.parametrize("status", [S.OPEN, S.ANSWERED, S.REOPENED])
def test_a_reviewer_closes_a_query_not_yet_closed(status: QueryStatus) -> None:
    moved = move(status, QueryMove.CLOSE, raised_by=Assignee.DATA_MANAGER)
    assert moved == Transition(S.CLOSED, Assignee.DATA_MANAGER)


def test_reopening_an_answered_query_hands_it_to_the_site() -> None:
    assert move(S.ANSWERED, QueryMove.REOPEN, raised_by=Assignee.MONITOR) == Transition(
        S.REOPENED, Assignee.SITE
    )


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.ANSWERED, QueryMove.ANSWER),
        (S.OPEN, QueryMove.REOPEN),
        (S.REOPENED, QueryMove.REOPEN),
        *((S.CLOSED, a) for a in QueryMove),
    ],
)
def test_moves_that_do_not_apply_are_refused(status: QueryStatus, action: QueryMove) -> None:
    with pytest.raises(StateError):
        move(status, action, raised_by=Assignee.MONITOR)


def test_closed_is_final_and_says_so() -> None:
    with pytest.raises(StateError, match="closed"):
        move(S.CLOSED, QueryMove.REOPEN, raised_by=Assignee.MONITOR)


def test_open_states_are_open_and_reopened() -> None:
    assert {S.OPEN, S.REOPENED} == OPEN_QUERY_STATES


def test_an_answer_goes_back_to_the_raisers_review_role() -> None:
    assert raiser_assignee({Role.MONITOR}) is Assignee.MONITOR
    assert raiser_assignee({Role.DATA_MANAGER}) is Assignee.DATA_MANAGER
    assert raiser_assignee({Role.MONITOR, Role.DATA_MANAGER}) is Assignee.DATA_MANAGER
    # An edit check's query, confirmed by site staff, goes to data management.
    assert raiser_assignee({Role.SITE_COORDINATOR}) is Assignee.DATA_MANAGER


NOW = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)


def test_age_counts_from_the_last_status_change() -> None:
    created = NOW - dt.timedelta(days=40)
    changed = NOW - dt.timedelta(days=3, hours=2)
    assert age_in_days(NOW, status_changed_at=changed, created_at=created) == 3


def test_age_falls_back_to_creation_for_older_rows() -> None:
    created = NOW - dt.timedelta(days=40)
    assert age_in_days(NOW, status_changed_at=None, created_at=created) == 40


def test_age_is_never_negative() -> None:
    later = NOW + dt.timedelta(hours=1)
    assert age_in_days(NOW, status_changed_at=later, created_at=later) == 0


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0-7"), (7, "0-7"), (8, "8-14"), (14, "8-14"), (15, "15-30"), (30, "15-30"),
     (31, ">30"), (400, ">30")],
)  # fmt: skip
def test_age_bands_have_inclusive_edges(days: int, band: str) -> None:
    assert age_band(days) == band
    assert in_age_band(days, band)
    assert [b for b in AGE_BANDS if in_age_band(days, b)] == [band]


def test_an_unknown_age_band_is_refused() -> None:
    with pytest.raises(ValueError, match="age band"):
        in_age_band(3, "0-3")


def test_every_status_and_assignee_has_a_label() -> None:
    assert label("query_status", "reopened") == "Re-opened"
    assert all(label("query_status", s.value) != s.value for s in S)
    assert label("query_assignee", "data_manager") == "Data manager"
