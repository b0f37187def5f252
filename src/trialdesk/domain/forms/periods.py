"""Day counts the form derivations share: a period's length and the study day of a date.

Study day 1 is the day of the first study dose and there is no day 0 (as in
:mod:`trialdesk.domain.calendar`): a date ``d`` on or after day 1 is study day
``(d - day1).days + 1``.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["period_days", "study_day"]


def period_days(start: dt.date, stop: dt.date | None) -> int | None:
    """Days from ``start`` to ``stop`` counting both (1 for a one-day period); ``None`` if open."""
    if stop is None:
        return None
    return (stop - start).days + 1


def study_day(on: dt.date, day_one: dt.date | None) -> int | None:
    """The study day of ``on``; ``None`` before study day 1 or while there is none."""
    if day_one is None or on < day_one:
        return None
    return (on - day_one).days + 1
