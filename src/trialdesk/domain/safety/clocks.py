"""Expedited reporting clocks, counted from the time of awareness (ICH E2A, China GCP 2020).

===============================================  ============================================
event                                            clocks (defaults; the protocol may change them)
===============================================  ============================================
not serious                                      none: reported in the regular data flow
serious (SAE)                                    investigator → sponsor within 24 h
SUSAR, fatal or life-threatening                 + sponsor → authorities 7 calendar days, then
                                                 a complete follow-up within 8 more days
any other SUSAR                                  + sponsor → authorities 15 calendar days
===============================================  ============================================

The investigator clock starts when the site became aware; the sponsor clocks start at the
sponsor's first knowledge (day 0), which is the site's awareness until the sponsor's own time is
recorded. Calendar days are counted as whole 24-hour periods from that instant, the strictest
reading; a deadline is never later than the regulation's end of that calendar day.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.safety.seriousness import (
    ProductAssessment,
    SeriousnessCriterion,
    susar_products,
)

__all__ = [
    "ClockKind",
    "ClockStatus",
    "ReportingClock",
    "ReportingRules",
    "reporting_clocks",
    "to_utc",
]


def to_utc(value: dt.datetime, field_name: str) -> dt.datetime:
    """Return ``value`` in UTC; a time without a time zone is refused, naming the field."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError.single(field_name, "must carry a time zone (e.g. 2024-03-01T08:00Z)")
    return value.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class ReportingRules:
    """Reporting deadlines as the protocol states them (defaults: clinical reference §6.2)."""

    investigator_to_sponsor: dt.timedelta = dt.timedelta(hours=24)
    fatal_susar: dt.timedelta = dt.timedelta(days=7)
    fatal_susar_follow_up: dt.timedelta = dt.timedelta(days=8)
    other_susar: dt.timedelta = dt.timedelta(days=15)
    #: A clock is "due soon" once no more than this share of its time is left.
    due_soon_fraction: float = 0.25

    def __post_init__(self) -> None:
        errors = [
            FieldError(name, "must be a positive duration")
            for name in (
                "investigator_to_sponsor",
                "fatal_susar",
                "fatal_susar_follow_up",
                "other_susar",
            )
            if getattr(self, name) <= dt.timedelta(0)
        ]
        if not 0 <= self.due_soon_fraction < 1:
            errors.append(FieldError("due_soon_fraction", "must be at least 0 and below 1"))
        if errors:
            raise InputError(errors)


class ClockKind(enum.StrEnum):
    INVESTIGATOR_TO_SPONSOR = "investigator_to_sponsor"
    FATAL_SUSAR = "fatal_or_life_threatening_susar"
    FATAL_SUSAR_FOLLOW_UP = "fatal_or_life_threatening_susar_follow_up"
    OTHER_SUSAR = "susar"


class ClockStatus(enum.StrEnum):
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    #: Reported, but after the deadline: the report exists and the deviation must be explained.
    LATE = "late"


@dataclass(frozen=True, slots=True)
class ReportingClock:
    """One reporting obligation: what, from when, and by when (all times in UTC)."""

    kind: ClockKind
    starts_at: dt.datetime
    due_at: dt.datetime
    due_soon_at: dt.datetime

    def status(self, now: dt.datetime, reported_at: dt.datetime | None = None) -> ClockStatus:
        """Where the clock stands at ``now``; ``reported_at`` is when the report was sent."""
        now = to_utc(now, "now")
        if reported_at is not None:
            reported_at = to_utc(reported_at, "reported_at")
            if reported_at < self.starts_at:
                raise InputError.single("reported_at", "is before the clock started")
            if reported_at > now:
                raise InputError.single("reported_at", "is after now")
            return ClockStatus.MET if reported_at <= self.due_at else ClockStatus.LATE
        if now > self.due_at:
            return ClockStatus.OVERDUE
        return ClockStatus.DUE_SOON if now >= self.due_soon_at else ClockStatus.OPEN


def _clock(
    kind: ClockKind, starts_at: dt.datetime, due_at: dt.datetime, rules: ReportingRules
) -> ReportingClock:
    due_soon_at = due_at - (due_at - starts_at) * rules.due_soon_fraction
    return ReportingClock(kind, starts_at, due_at, due_soon_at)


def reporting_clocks(
    criteria: Collection[SeriousnessCriterion],
    products: Iterable[ProductAssessment],
    *,
    aware_at: dt.datetime,
    sponsor_aware_at: dt.datetime | None = None,
    rules: ReportingRules | None = None,
) -> tuple[ReportingClock, ...]:
    """The expedited reporting clocks an adverse event starts, earliest deadline first.

    ``aware_at`` is when the site became aware; ``sponsor_aware_at`` is the sponsor's first
    knowledge, defaulting to ``aware_at``. Both must carry a time zone.
    """
    rules = rules or ReportingRules()
    site_aware = to_utc(aware_at, "aware_at")
    sponsor_aware = site_aware
    if sponsor_aware_at is not None:
        sponsor_aware = to_utc(sponsor_aware_at, "sponsor_aware_at")
        if sponsor_aware < site_aware:
            raise InputError.single("sponsor_aware_at", "must not be before aware_at")
    if not criteria:
        return ()
    clocks = [
        _clock(
            ClockKind.INVESTIGATOR_TO_SPONSOR,
            site_aware,
            site_aware + rules.investigator_to_sponsor,
            rules,
        )
    ]
    if susar_products(criteria, products):
        fatal = {SeriousnessCriterion.DEATH, SeriousnessCriterion.LIFE_THREATENING} & set(criteria)
        if fatal:
            initial_due = sponsor_aware + rules.fatal_susar
            clocks.append(_clock(ClockKind.FATAL_SUSAR, sponsor_aware, initial_due, rules))
            clocks.append(
                _clock(
                    ClockKind.FATAL_SUSAR_FOLLOW_UP,
                    sponsor_aware,
                    initial_due + rules.fatal_susar_follow_up,
                    rules,
                )
            )
        else:
            due = sponsor_aware + rules.other_susar
            clocks.append(_clock(ClockKind.OTHER_SUSAR, sponsor_aware, due, rules))
    return tuple(sorted(clocks, key=lambda clock: clock.due_at))
