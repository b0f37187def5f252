"""Adverse-event follow-up: clocks that keep their start, report dates that stop them.

An event changes over time (outcome, end date, grade, seriousness, causality). Each follow-up is
learnt at a moment (its awareness time); a reporting clock the event did not run before, because
it was not serious or not a SUSAR yet, starts at that moment, while a clock that already ran
keeps its start. A clock stops when its report was sent:

==========================================  ==================================================
clock (:class:`~.clocks.ClockKind`)          stopped by the report to (:class:`ReportRecipient`)
==========================================  ==================================================
investigator → sponsor, 24 h                 sponsor
fatal or life-threatening SUSAR, 7 days      regulator
any other SUSAR, 15 days                     regulator (an event runs one of the two)
complete follow-up of the 7-day SUSAR        regulator follow-up
==========================================  ==================================================

The report to the ethics committee is recorded too; no clock of its own runs for it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.safety.adverse_event import AdverseEvent
from trialdesk.domain.safety.clocks import (
    ClockKind,
    ClockStatus,
    ReportingClock,
    ReportingRules,
    reporting_clocks,
    to_utc,
)
from trialdesk.domain.safety.seriousness import ProductAssessment, SeriousnessCriterion

__all__ = [
    "CLOCK_RECIPIENT",
    "ClockReading",
    "ReportRecipient",
    "clocks_since",
    "describe_duration",
    "follow_up_problems",
    "read_clock",
    "report_time_problems",
]


class ReportRecipient(enum.StrEnum):
    """Who an expedited report went to; each has its own "reported at" date."""

    SPONSOR = "sponsor"
    REGULATOR = "regulator"
    REGULATOR_FOLLOW_UP = "regulator_follow_up"
    ETHICS_COMMITTEE = "ethics_committee"


#: The report that stops each clock.
CLOCK_RECIPIENT: Mapping[ClockKind, ReportRecipient] = {
    ClockKind.INVESTIGATOR_TO_SPONSOR: ReportRecipient.SPONSOR,
    ClockKind.FATAL_SUSAR: ReportRecipient.REGULATOR,
    ClockKind.OTHER_SUSAR: ReportRecipient.REGULATOR,
    ClockKind.FATAL_SUSAR_FOLLOW_UP: ReportRecipient.REGULATOR_FOLLOW_UP,
}


def clocks_since(
    criteria: Collection[SeriousnessCriterion],
    products: Iterable[ProductAssessment],
    *,
    aware_at: dt.datetime,
    started: Mapping[ClockKind, dt.datetime],
    rules: ReportingRules | None = None,
) -> tuple[ReportingClock, ...]:
    """The clocks the event runs now, earliest deadline first.

    ``aware_at`` is when the site learnt the current facts (the first report or a follow-up);
    ``started`` holds the start of each clock that already ran. A clock in ``started`` keeps its
    start and length; any other starts at ``aware_at``, so seriousness gained at a follow-up
    counts from the follow-up, not from the first report.
    """
    clocks = []
    for clock in reporting_clocks(criteria, products, aware_at=aware_at, rules=rules):
        start = started.get(clock.kind)
        if start is not None:
            shift = to_utc(start, "started") - clock.starts_at
            clock = ReportingClock(
                clock.kind, clock.starts_at + shift, clock.due_at + shift, clock.due_soon_at + shift
            )
        clocks.append(clock)
    return tuple(sorted(clocks, key=lambda c: c.due_at))


@dataclass(frozen=True, slots=True)
class ClockReading:
    """Where one clock stands: met, late by ``delay``, running, or overdue by ``delay``."""

    clock: ReportingClock
    recipient: ReportRecipient
    reported_at: dt.datetime | None
    status: ClockStatus
    #: How late the report was (``late``) or how far past due the clock is (``overdue``).
    delay: dt.timedelta | None

    @property
    def is_running(self) -> bool:
        """No report yet, whether due or not."""
        return self.reported_at is None

    @property
    def summary(self) -> str:
        if self.status is ClockStatus.MET:
            return "met"
        if self.delay is not None:
            word = "late" if self.status is ClockStatus.LATE else "overdue"
            return f"{word} by {describe_duration(self.delay)}"
        return f"due {self.clock.due_at:%Y-%m-%d %H:%M} UTC"


def read_clock(
    clock: ReportingClock, now: dt.datetime, reported_at: dt.datetime | None
) -> ClockReading:
    """The clock at ``now``; a stored report time is taken as it is (it was checked when saved)."""
    recipient = CLOCK_RECIPIENT[clock.kind]
    if reported_at is not None:
        late = to_utc(reported_at, "reported_at") - clock.due_at
        if late > dt.timedelta(0):
            return ClockReading(clock, recipient, reported_at, ClockStatus.LATE, late)
        return ClockReading(clock, recipient, reported_at, ClockStatus.MET, None)
    status = clock.status(now)
    delay = to_utc(now, "now") - clock.due_at if status is ClockStatus.OVERDUE else None
    return ClockReading(clock, recipient, None, status, delay)


def describe_duration(delay: dt.timedelta) -> str:
    """``2 d 3 h``, ``5 h 12 min``, ``40 min``: the two largest units, rounded down."""
    minutes = int(delay.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts[:2])


def report_time_problems(
    reported_at: dt.datetime, *, clock_start: dt.datetime, now: dt.datetime
) -> list[FieldError]:
    """A report cannot be sent before the site knew what it reports, nor in the future."""
    try:
        sent = to_utc(reported_at, "reported_at")
    except InputError as error:
        return list(error.errors)
    if sent < to_utc(clock_start, "clock_start"):
        start = f"{to_utc(clock_start, 'clock_start'):%Y-%m-%d %H:%M} UTC"
        return [FieldError("reported_at", f"must not be before the site became aware ({start})")]
    if sent > to_utc(now, "now"):
        return [FieldError("reported_at", "must not be in the future")]
    return []


def follow_up_problems(
    event: AdverseEvent, *, reported_at: dt.datetime, now: dt.datetime
) -> list[FieldError]:
    """What the event's state after a follow-up must satisfy beyond the record's own rules.

    ``event`` is the event as the follow-up leaves it (its own consistency was checked when it
    was built: fatal means grade 5, an end date only once ended and not before onset).
    """
    errors: list[FieldError] = []
    if event.has_ended and event.resolved_on is None:
        errors.append(FieldError("resolved_on", f"is required when the outcome is {event.outcome}"))
    errors.extend(report_time_problems(reported_at, clock_start=event.aware_at, now=now))
    return errors
