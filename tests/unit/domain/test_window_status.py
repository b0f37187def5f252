"""State and window status of a planned dose or visit."""

from __future__ import annotations

import datetime as dt

import pytest

from trialdesk.domain.calendar import PlanState, WindowStatus, window_status
from trialdesk.domain.errors import InputError

EARLIEST, LATEST = dt.date(2026, 3, 8), dt.date(2026, 3, 10)
TODAY = dt.date(2026, 3, 20)


@pytest.mark.parametrize(
    ("done_on", "expected"),
    [
        (dt.date(2026, 3, 7), WindowStatus.EARLY),
        (EARLIEST, WindowStatus.IN_WINDOW),
        (LATEST, WindowStatus.IN_WINDOW),
        (dt.date(2026, 3, 11), WindowStatus.LATE),
    ],
)
def test_a_done_item_is_flagged_early_or_late_against_its_window(
    done_on: dt.date, expected: WindowStatus
) -> None:
    assert window_status(EARLIEST, LATEST, done_on, TODAY) == (PlanState.DONE, expected)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 3, 1), (PlanState.PLANNED, WindowStatus.UPCOMING)),
        (EARLIEST, (PlanState.PLANNED, WindowStatus.DUE)),
        (LATEST, (PlanState.PLANNED, WindowStatus.DUE)),
        (dt.date(2026, 3, 11), (PlanState.MISSED, WindowStatus.OVERDUE)),
    ],
)
def test_an_item_not_done_is_upcoming_due_or_missed_by_today(
    today: dt.date, expected: tuple[PlanState, WindowStatus]
) -> None:
    assert window_status(EARLIEST, LATEST, None, today) == expected


def test_a_window_that_closes_before_it_opens_is_refused() -> None:
    with pytest.raises(InputError, match="earliest"):
        window_status(LATEST, EARLIEST, None, TODAY)
