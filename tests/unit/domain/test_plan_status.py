"""Planned doses and visits once events close the plan: cancelled with a reason, never overdue."""

from __future__ import annotations

import datetime as dt

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.calendar import PlanState, WindowStatus, plan_calendar
from trialdesk.domain.plan_status import (
    PlanEvent,
    PlanEventKind,
    closing_event,
    describe_event,
    pair_doses,
    plan_item_status,
)

DAY = dt.date(2026, 3, 10)
RESCUE = PlanEvent(PlanEventKind.RESCUE_THERAPY, DAY, "ruxolitinib")
END = PlanEvent(PlanEventKind.END_OF_STUDY_TREATMENT, DAY + dt.timedelta(days=2))
DEATH = PlanEvent(PlanEventKind.DEATH, DAY + dt.timedelta(days=5))


def _status(
    earliest: dt.date, latest: dt.date, *events: PlanEvent, treatment: bool = True,
    done_on: dt.date | None = None, today: dt.date = DAY + dt.timedelta(days=30),
) -> tuple[PlanState, WindowStatus, str | None]:  # fmt: skip
    status = plan_item_status(
        earliest=earliest, latest=latest, done_on=done_on, today=today, treatment=treatment,
        events=events,
    )  # fmt: skip
    return status.state, status.window, status.reason


def test_without_events_an_item_is_as_its_window_says() -> None:
    assert _status(DAY, DAY)[:2] == (PlanState.MISSED, WindowStatus.OVERDUE)
    assert _status(DAY, DAY, today=DAY)[:2] == (PlanState.PLANNED, WindowStatus.DUE)


def test_a_switch_to_rescue_therapy_cancels_the_later_doses_and_course_visits() -> None:
    later = DAY + dt.timedelta(days=3)
    assert _status(later, later, RESCUE) == (
        PlanState.CANCELLED, WindowStatus.CANCELLED, "rescue therapy ruxolitinib started 2026-03-10"
    )  # fmt: skip
    # The window still open on the day of the switch: cancelled too.
    assert _status(DAY - dt.timedelta(days=1), DAY, RESCUE)[0] is PlanState.CANCELLED


def test_an_item_missed_before_the_switch_stays_missed_but_is_no_longer_overdue() -> None:
    before = DAY - dt.timedelta(days=4)
    state, window, reason = _status(before, before, RESCUE)
    assert (state, window) == (PlanState.MISSED, WindowStatus.CLOSED)
    assert reason is not None
    assert "rescue therapy ruxolitinib" in reason


def test_follow_up_visits_stay_planned_after_the_end_of_study_treatment() -> None:
    week_8 = DAY + dt.timedelta(days=40)
    today = DAY + dt.timedelta(days=20)
    assert _status(week_8, week_8, RESCUE, END, treatment=False, today=today)[:2] == (
        PlanState.PLANNED, WindowStatus.UPCOMING,
    )  # fmt: skip
    assert _status(week_8, week_8, END, today=today)[2] == "end of study treatment on 2026-03-12"


def test_death_closes_every_open_plan_follow_up_included() -> None:
    week_8, missed = DAY + dt.timedelta(days=40), DAY + dt.timedelta(days=3)
    assert _status(week_8, week_8, DEATH, treatment=False) == (
        PlanState.CANCELLED, WindowStatus.CANCELLED, "died on 2026-03-15"
    )  # fmt: skip
    assert _status(missed, missed, DEATH, treatment=False)[:2] == (
        PlanState.MISSED, WindowStatus.CLOSED,
    )  # fmt: skip


def test_a_done_item_is_done_whatever_happened_later() -> None:
    assert _status(DAY, DAY, DEATH, done_on=DAY)[:2] == (PlanState.DONE, WindowStatus.IN_WINDOW)


def test_the_first_applicable_event_gives_the_reason() -> None:
    assert closing_event([DEATH, END, RESCUE], treatment=True) == RESCUE
    assert closing_event([END, RESCUE], treatment=False) is None
    assert closing_event([DEATH, RESCUE], treatment=False) == DEATH
    assert describe_event(PlanEvent(PlanEventKind.WITHDRAWAL, DAY)) == "withdrawn on 2026-03-10"
    unnamed = PlanEvent(PlanEventKind.RESCUE_THERAPY, DAY)
    assert describe_event(unnamed) == "rescue therapy started 2026-03-10"
    lost = PlanEvent(PlanEventKind.LOST_TO_FOLLOW_UP, DAY)
    assert describe_event(lost) == "lost to follow-up on 2026-03-10"


def test_the_nth_dose_of_a_product_is_its_nth_planned_administration() -> None:
    calendar = plan_calendar(load_protocol(), "cd25", 70.0, DAY, courses=2)
    days = [a.day for a in calendar.administrations if a.intervention == "anti_cd25"]
    given = [("anti_cd25", DAY + dt.timedelta(days=d - 1)) for d in reversed(days)]
    beyond = ("anti_cd25", DAY + dt.timedelta(days=100))
    paired = pair_doses(calendar.administrations, [*given, beyond])
    assert [p.day if p else None for p in paired] == [*reversed(days), None]
    assert paired[0] is not None
    assert paired[0].course == 2
