"""Dosing and the visit calendar: doses for a body weight, planned dates and their windows.

Study day 1 is the day of the first study dose; study day *d* falls on ``day1 + (d - 1)`` days.
Course *c* starts on study day ``(c - 1) * length_days + 1``, so a repeated 28-day course starts on
day 29, the day of the week-4 assessment that found the partial response. Administrations on
study day 1 have no window (they define day 1), nor does a visit on study day 1; every other
administration may be given ``± window_days`` around its planned day, but not earlier than
``min_gap_days`` after the previous planned dose, and every other visit within its window.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass

from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import (
    DoseBasis,
    Intervention,
    Protocol,
    Visit,
    VisitPhase,
    WeightLimits,
)

__all__ = [
    "Calendar",
    "PlanState",
    "PlannedAdministration",
    "PlannedDose",
    "PlannedVisit",
    "WindowStatus",
    "check_weight",
    "dose_for_weight",
    "plan_calendar",
    "plan_course",
    "study_date",
    "visit_done_on",
    "window_status",
]


@dataclass(frozen=True, slots=True)
class PlannedDose:
    amount: float
    unit: str


@dataclass(frozen=True, slots=True)
class PlannedAdministration:
    """One planned dose of one intervention, with the dates it may be given."""

    intervention: str
    name: str
    course: int
    course_day: int
    day: int
    date: dt.date
    dose: float
    unit: str
    route: str
    earliest: dt.date
    latest: dt.date
    min_gap_days: int


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """One planned visit; ``course`` is None for screening and follow-up visits."""

    visit: str
    label: str
    course: int | None
    day: int
    date: dt.date
    earliest: dt.date
    latest: dt.date
    assessments: tuple[str, ...]
    phase: VisitPhase


@dataclass(frozen=True, slots=True)
class Calendar:
    """Planned administrations and visits of one patient, each in date order."""

    arm: str
    weight_kg: float
    day1: dt.date
    courses: tuple[int, ...]
    administrations: tuple[PlannedAdministration, ...]
    visits: tuple[PlannedVisit, ...]


def study_date(day1: dt.date, day: int) -> dt.date:
    """Calendar date of study day ``day`` (there is no day 0 offset: day 1 is ``day1``)."""
    return day1 + dt.timedelta(days=day - 1)


def check_weight(weight_kg: float, limits: WeightLimits) -> None:
    """Refuse a weight that is not positive or outside the protocol's plausible range."""
    if not math.isfinite(weight_kg) or weight_kg <= 0:
        raise InputError.single("weight_kg", f"must be > 0, not {weight_kg:g}")
    if not limits.min_kg <= weight_kg <= limits.max_kg:
        raise InputError.single(
            "weight_kg",
            f"{weight_kg:g} kg is outside the plausible range "
            f"{limits.min_kg:g}–{limits.max_kg:g} kg",
        )


def dose_for_weight(
    intervention: Intervention, weight_kg: float, limits: WeightLimits
) -> PlannedDose:
    """Dose of ``intervention`` for a patient weighing ``weight_kg``.

    A per-kg dose is multiplied by the weight (UC-MSC 1×10⁶ cells/kg × 65 kg = 6.5×10⁷ cells); a
    fixed dose is the same for everyone. The weight must be > 0 and within ``limits``.
    """
    check_weight(weight_kg, limits)
    if intervention.dose_basis is DoseBasis.PER_KG:
        return PlannedDose(intervention.dose * weight_kg, intervention.unit)
    return PlannedDose(intervention.dose, intervention.unit)


def plan_course(
    protocol: Protocol, arm_code: str, weight_kg: float, day1: dt.date, course: int
) -> Calendar:
    """Administrations and course visits of one course (e.g. course 2 after a partial response)."""
    arm = protocol.arm(arm_code)
    check_weight(weight_kg, protocol.weight_limits)
    if not 1 <= course <= protocol.course.max_courses:
        raise InputError.single(
            "course", f"must be between 1 and {protocol.course.max_courses}, not {course}"
        )
    offset = (course - 1) * protocol.course.length_days
    administrations = [
        administration
        for intervention in arm.interventions
        for administration in _administrations(protocol, intervention, weight_kg, day1, course)
    ]
    visits = [
        _planned_visit(v, day1, offset + v.day, course)
        for v in protocol.visits_in(VisitPhase.COURSE)
    ]
    return Calendar(
        arm=arm.code,
        weight_kg=weight_kg,
        day1=day1,
        courses=(course,),
        administrations=tuple(sorted(administrations, key=lambda a: (a.day, a.intervention))),
        visits=tuple(sorted(visits, key=lambda v: v.day)),
    )


def plan_calendar(
    protocol: Protocol, arm_code: str, weight_kg: float, day1: dt.date, courses: int = 1
) -> Calendar:
    """The whole plan: screening, ``courses`` consecutive courses, then the follow-up visits."""
    if not 1 <= courses <= protocol.course.max_courses:
        raise InputError.single(
            "courses", f"must be between 1 and {protocol.course.max_courses}, not {courses}"
        )
    parts = [plan_course(protocol, arm_code, weight_kg, day1, c) for c in range(1, courses + 1)]
    visits = [
        _planned_visit(v, day1, v.day, None) for v in protocol.visits_in(VisitPhase.SCREENING)
    ]
    visits += [v for part in parts for v in part.visits]
    visits += [
        _planned_visit(v, day1, v.day, None) for v in protocol.visits_in(VisitPhase.FOLLOW_UP)
    ]
    return Calendar(
        arm=parts[0].arm,
        weight_kg=weight_kg,
        day1=day1,
        courses=tuple(range(1, courses + 1)),
        administrations=tuple(a for part in parts for a in part.administrations),
        visits=tuple(sorted(visits, key=lambda v: v.day)),
    )


def _administrations(
    protocol: Protocol, intervention: Intervention, weight_kg: float, day1: dt.date, course: int
) -> list[PlannedAdministration]:
    dose = dose_for_weight(intervention, weight_kg, protocol.weight_limits)
    offset = (course - 1) * protocol.course.length_days
    planned: list[PlannedAdministration] = []
    previous_day: int | None = None
    for course_day in intervention.days:
        day = offset + course_day
        window = 0 if day == 1 else intervention.window_days
        earliest = day - window
        if previous_day is not None:
            earliest = max(earliest, previous_day + intervention.min_gap_days)
        planned.append(
            PlannedAdministration(
                intervention=intervention.code,
                name=intervention.name,
                course=course,
                course_day=course_day,
                day=day,
                date=study_date(day1, day),
                dose=dose.amount,
                unit=dose.unit,
                route=intervention.route,
                earliest=study_date(day1, earliest),
                latest=study_date(day1, day + window),
                min_gap_days=intervention.min_gap_days,
            )
        )
        previous_day = day
    return planned


def _planned_visit(visit: Visit, day1: dt.date, day: int, course: int | None) -> PlannedVisit:
    before, after = (0, 0) if day == 1 else (visit.window_before, visit.window_after)
    return PlannedVisit(
        visit=visit.code,
        label=visit.label,
        course=course,
        day=day,
        date=study_date(day1, day),
        earliest=study_date(day1, day - before),
        latest=study_date(day1, day + after),
        assessments=visit.assessments,
        phase=visit.phase,
    )


def visit_done_on(
    visit: PlannedVisit,
    *,
    recorded_on: dt.date | None,
    assessed_on: dt.date | None,
    screened_on: dt.date | None,
) -> dt.date | None:
    """The date a planned visit took place (``None``: not yet).

    A recorded visit counts first, then the GVHD assessment matched to it. The screening visit is
    the screening itself: a randomized subject was screened, so the screening record (its date)
    is the screening visit even when no separate visit was recorded.
    """
    if recorded_on is not None:
        return recorded_on
    if visit.phase is VisitPhase.SCREENING:
        return screened_on
    return assessed_on


class PlanState(enum.StrEnum):
    """Where a planned dose or visit stands: still to come, done, or its window has passed.

    ``cancelled``: no longer expected, because an event closed that part of the plan (a switch
    to rescue therapy, the end of study treatment, death); see :mod:`trialdesk.domain.plan_status`.
    """

    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class WindowStatus(enum.StrEnum):
    """When it happened (or not) against its window ``[earliest, latest]``."""

    IN_WINDOW = "in_window"
    EARLY = "early"
    LATE = "late"
    #: Not done and the window has closed.
    OVERDUE = "overdue"
    #: Not done; the window is open today.
    DUE = "due"
    #: Not done; the window opens later.
    UPCOMING = "upcoming"
    #: Not done, and no longer expected: an event cancelled it.
    CANCELLED = "cancelled"
    #: Not done, the window closed, and an event has closed the plan since: nothing is owed.
    CLOSED = "closed"


def window_status(
    earliest: dt.date, latest: dt.date, done_on: dt.date | None, today: dt.date
) -> tuple[PlanState, WindowStatus]:
    """State and window status of one planned item, done on ``done_on`` (``None``: not yet).

    A date outside the window is flagged (early or late), never refused: the record describes
    what happened, and the deviation is for review.
    """
    if earliest > latest:
        raise InputError.single("earliest", "must not be after latest")
    if done_on is not None:
        if done_on < earliest:
            return PlanState.DONE, WindowStatus.EARLY
        if done_on > latest:
            return PlanState.DONE, WindowStatus.LATE
        return PlanState.DONE, WindowStatus.IN_WINDOW
    if today > latest:
        return PlanState.MISSED, WindowStatus.OVERDUE
    if today >= earliest:
        return PlanState.PLANNED, WindowStatus.DUE
    return PlanState.PLANNED, WindowStatus.UPCOMING
