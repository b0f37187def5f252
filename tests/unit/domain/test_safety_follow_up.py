"""AE follow-up: clocks that keep their start, report dates that stop them, end-date rules."""

import datetime as dt

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety import (
    AdverseEvent,
    AeOutcome,
    Causality,
    ClockKind,
    ClockStatus,
    ProductAssessment,
    SeriousnessCriterion,
)
from trialdesk.domain.safety.follow_up import (
    CLOCK_RECIPIENT,
    ReportRecipient,
    clocks_since,
    describe_duration,
    follow_up_problems,
    read_clock,
    report_time_problems,
)

S = SeriousnessCriterion
AWARE = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
LATER = AWARE + dt.timedelta(days=3)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
RELATED_UNEXPECTED = [ProductAssessment("uc_msc", Causality.PROBABLE, expected=False)]


def test_every_clock_kind_is_stopped_by_a_report() -> None:
    assert set(CLOCK_RECIPIENT) == set(ClockKind)
    assert CLOCK_RECIPIENT[ClockKind.INVESTIGATOR_TO_SPONSOR] is ReportRecipient.SPONSOR
    assert CLOCK_RECIPIENT[ClockKind.OTHER_SUSAR] is ReportRecipient.REGULATOR
    assert ReportRecipient.ETHICS_COMMITTEE not in CLOCK_RECIPIENT.values()


def test_seriousness_gained_at_a_follow_up_starts_the_clock_at_the_follow_up() -> None:
    [clock] = clocks_since({S.HOSPITALIZATION}, [], aware_at=LATER, started={})
    assert clock.starts_at == LATER
    assert clock.due_at == LATER + 24 * HOUR


def test_a_clock_that_already_ran_keeps_its_start_at_a_later_follow_up() -> None:
    started = {ClockKind.INVESTIGATOR_TO_SPONSOR: AWARE}
    clocks = clocks_since({S.DEATH}, RELATED_UNEXPECTED, aware_at=LATER, started=started)
    by_kind = {c.kind: c for c in clocks}
    assert by_kind[ClockKind.INVESTIGATOR_TO_SPONSOR].due_at == AWARE + 24 * HOUR
    # Became a fatal SUSAR only now: the 7-day clock and its follow-up count from the follow-up.
    assert by_kind[ClockKind.FATAL_SUSAR].starts_at == LATER
    assert by_kind[ClockKind.FATAL_SUSAR_FOLLOW_UP].due_at == LATER + dt.timedelta(days=15)
    assert [c.kind for c in clocks] == [
        ClockKind.INVESTIGATOR_TO_SPONSOR, ClockKind.FATAL_SUSAR, ClockKind.FATAL_SUSAR_FOLLOW_UP
    ]  # fmt: skip


def test_a_non_serious_event_runs_no_clock_whatever_ran_before() -> None:
    started = {ClockKind.INVESTIGATOR_TO_SPONSOR: AWARE}
    assert clocks_since(set(), [], aware_at=LATER, started=started) == ()


[SAE_CLOCK] = clocks_since({S.HOSPITALIZATION}, [], aware_at=AWARE, started={})
DUE = AWARE + 24 * HOUR

# (case, now, reported at, status, delay, summary)
READINGS = [
    ("reported well in time", DUE + HOUR, AWARE + HOUR, ClockStatus.MET, None, "met"),
    ("reported exactly at the deadline", DUE + HOUR, DUE, ClockStatus.MET, None, "met"),
    ("reported one minute late", DUE + HOUR, DUE + MINUTE, ClockStatus.LATE, MINUTE,
     "late by 1 min"),
    ("reported a day and 2 hours late", DUE + 30 * HOUR, DUE + 26 * HOUR, ClockStatus.LATE,
     26 * HOUR, "late by 1 d 2 h"),
    ("running, not yet due", AWARE + HOUR, None, ClockStatus.OPEN, None,
     "due 2024-03-02 09:30 UTC"),
    ("due soon is still running", DUE, None, ClockStatus.DUE_SOON, None,
     "due 2024-03-02 09:30 UTC"),
    ("overdue by a second", DUE + dt.timedelta(seconds=1), None, ClockStatus.OVERDUE,
     dt.timedelta(seconds=1), "overdue by under 1 min"),
    ("overdue by 3 hours 5 minutes", DUE + 3 * HOUR + 5 * MINUTE, None, ClockStatus.OVERDUE,
     3 * HOUR + 5 * MINUTE, "overdue by 3 h 5 min"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "reported", "status", "delay", "summary"),
    [pytest.param(*case[1:], id=case[0]) for case in READINGS],
)
def test_a_clock_reads_met_late_running_or_overdue(now, reported, status, delay, summary) -> None:
    reading = read_clock(SAE_CLOCK, now, reported)
    assert reading.status is status
    assert reading.delay == delay
    assert reading.summary == summary
    assert reading.is_running is (reported is None)
    assert reading.recipient is ReportRecipient.SPONSOR


@pytest.mark.parametrize(
    ("delay", "text"),
    [
        (dt.timedelta(seconds=59), "under 1 min"),
        (MINUTE, "1 min"),
        (HOUR, "1 h"),
        (dt.timedelta(days=2, minutes=7), "2 d 7 min"),
        (dt.timedelta(days=9, hours=23, minutes=59), "9 d 23 h"),
    ],
)
def test_durations_read_in_their_two_largest_units(delay, text) -> None:
    assert describe_duration(delay) == text


@pytest.mark.parametrize(
    ("reported", "message"),
    [
        (AWARE - MINUTE, "must not be before the site became aware (2024-03-01 09:30 UTC)"),
        (AWARE + 2 * HOUR + MINUTE, "must not be in the future"),
        (dt.datetime(2024, 3, 1, 10), "must carry a time zone"),
    ],
)
def test_an_impossible_report_time_is_refused(reported, message) -> None:
    [problem] = report_time_problems(reported, clock_start=AWARE, now=AWARE + 2 * HOUR)
    assert problem.field == "reported_at"
    assert problem.message.startswith(message)


@pytest.mark.parametrize("reported", [AWARE, AWARE + 2 * HOUR])
def test_a_report_at_awareness_or_now_is_accepted(reported) -> None:
    assert report_time_problems(reported, clock_start=AWARE, now=AWARE + 2 * HOUR) == []


def _event(**changes: object) -> AdverseEvent:
    fields: dict[str, object] = {
        "term": "Sepsis", "grade": 3, "onset": dt.date(2024, 3, 1), "aware_at": AWARE,
        "outcome": AeOutcome.RECOVERING,
    }  # fmt: skip
    return AdverseEvent(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", [AeOutcome.RECOVERED, AeOutcome.RECOVERED_WITH_SEQUELAE])
def test_an_ended_outcome_needs_its_end_date(outcome) -> None:
    [problem] = follow_up_problems(_event(outcome=outcome), reported_at=LATER, now=LATER)
    assert (problem.field, problem.message) == (
        "resolved_on",
        f"is required when the outcome is {outcome}",
    )
    ended = _event(outcome=outcome, resolved_on=dt.date(2024, 3, 1))
    assert follow_up_problems(ended, reported_at=LATER, now=LATER) == []


def test_a_fatal_outcome_needs_grade_5_death_and_an_end_date() -> None:
    with pytest.raises(InputError, match="grade: must be 5 when the outcome is fatal"):
        _event(outcome=AeOutcome.FATAL, seriousness=frozenset({S.DEATH}))
    fatal = _event(outcome=AeOutcome.FATAL, grade=5, seriousness=frozenset({S.DEATH}))
    assert [p.field for p in follow_up_problems(fatal, reported_at=LATER, now=LATER)] == [
        "resolved_on"
    ]


def test_an_end_date_before_onset_is_refused() -> None:
    with pytest.raises(InputError, match="resolved_on: must not be before onset"):
        _event(outcome=AeOutcome.RECOVERED, resolved_on=dt.date(2024, 2, 29))


def test_a_follow_up_learnt_before_the_event_or_in_the_future_is_refused() -> None:
    early = follow_up_problems(_event(), reported_at=AWARE - MINUTE, now=LATER)
    assert [p.field for p in early] == ["reported_at"]
    future = follow_up_problems(_event(), reported_at=LATER + MINUTE, now=LATER)
    assert [p.message for p in future] == ["must not be in the future"]
    assert not _event().has_ended
