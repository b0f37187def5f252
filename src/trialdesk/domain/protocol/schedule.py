"""The visit schedule: when each visit is due, its window, and what is assessed there."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Visit", "VisitPhase"]


class VisitPhase(enum.StrEnum):
    """How a visit's ``day`` is counted.

    ``screening`` and ``follow_up`` days are study days (day 1 = first study dose, day 0 the day
    before). ``course`` days are counted from the first day of each course, and the visit is
    repeated in every course given; day ``length_days + 1`` is the end-of-course assessment.
    """

    SCREENING = "screening"
    COURSE = "course"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class Visit:
    """A planned visit due on ``day``, allowed from ``day - window_before`` to ``+ window_after``.

    ``assessments`` name what is done at the visit (``gvhd_staging``, ``dosing``, ...).
    """

    code: str
    label: str
    phase: VisitPhase
    day: int
    window_before: int
    window_after: int
    assessments: tuple[str, ...]
