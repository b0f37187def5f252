"""Steroid-refractory, -dependent and -intolerant acute GVHD (EBMT–NIH–CIBMTR 2018).

A **screening aid**: it reads a steroid course and a dated assessment history and says which
published criterion the record meets, with its reasoning. The investigator confirms the
diagnosis; trialdesk never enrols a patient on this result alone.

Definitions (Schoemans HM et al., Bone Marrow Transplant 2018;53:1401-15):

* refractory — (a) progression within 3–5 days of starting prednisone ≥ 2 mg/kg/day or
  equivalent; (b) no improvement within 5–7 days of starting it; (c) incomplete response after
  more than 28 days of immunosuppression that includes steroids;
* dependent — prednisone cannot be tapered under 2 mg/kg/day after an initially successful
  treatment of ≥ 7 days, or aGVHD recurs during the taper;
* intolerant — steroids cause unacceptable toxicity.

The day thresholds and the dose threshold are parameters (:class:`RefractoryDefinition`, in
:mod:`trialdesk.domain.refractory_definitions`), so the Thomas textbook definition, the
MSB-GVHD001 trial definition and a protocol's own thresholds are configurations, not code.

Day numbers count from the steroid start (the start date is day 0). Reading choices where the
text leaves room:

* (a) fires on *any* assessment in its window that shows progression;
* (b) reads the *latest* assessment in its window: improvement on day 7 after none on day 5
  clears (b);
* the first refractory criterion wins the classification (refractory before dependent before
  intolerant), and every criterion met is still listed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.refractory_definitions import (
    DEFINITIONS,
    EBMT_NIH_CIBMTR_2018,
    MSB_GVHD001,
    THOMAS_TEXTBOOK,
    DrugConvention,
    RefractoryDefinition,
    refractory_definition,
)

__all__ = [
    "DEFINITIONS",
    "EBMT_NIH_CIBMTR_2018",
    "MSB_GVHD001",
    "THOMAS_TEXTBOOK",
    "DiseaseStatus",
    "DoseChange",
    "DrugConvention",
    "GradeAssessment",
    "RefractoryCriterion",
    "RefractoryDefinition",
    "StatusAssessment",
    "SteroidClassification",
    "SteroidCourse",
    "SteroidResponse",
    "classify_steroid_response",
    "refractory_definition",
]


class DiseaseStatus(enum.StrEnum):
    """aGVHD activity at an assessment, compared with the steroid start."""

    RESOLVED = "resolved"  # complete response: no active aGVHD
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    PROGRESSED = "progressed"


# Lower is better; used to recognise a recurrence (activity rising after its best point).
_STATUS_ACTIVITY = {
    DiseaseStatus.RESOLVED: 0,
    DiseaseStatus.IMPROVED: 1,
    DiseaseStatus.UNCHANGED: 2,
    DiseaseStatus.PROGRESSED: 3,
}


@dataclass(frozen=True, slots=True)
class StatusAssessment:
    """A dated judgement of the course of aGVHD since the steroid start."""

    on: dt.date
    status: DiseaseStatus


@dataclass(frozen=True, slots=True)
class GradeAssessment:
    """A dated overall MAGIC grade (0–4); the one on or before the start is the baseline."""

    on: dt.date
    grade: int


@dataclass(frozen=True, slots=True)
class DoseChange:
    """From ``on``, the prednisone-equivalent dose is ``mg_per_kg_day`` (0 = stopped)."""

    on: dt.date
    mg_per_kg_day: float


@dataclass(frozen=True, slots=True)
class SteroidCourse:
    """First-line steroids: start date, starting dose and later dose changes (the taper).

    Doses are prednisone-equivalent mg/kg/day; convert with
    :func:`trialdesk.domain.corticosteroids.prednisone_equivalent`.
    """

    start: dt.date
    initial_mg_per_kg_day: float
    taper: tuple[DoseChange, ...] = ()
    #: The investigator's description of unacceptable steroid toxicity, when there is one.
    intolerance: str | None = None


class SteroidResponse(enum.StrEnum):
    REFRACTORY = "refractory"
    DEPENDENT = "dependent"
    INTOLERANT = "intolerant"
    NOT_ESTABLISHED = "not_established"
    INSUFFICIENT_DATA = "insufficient_data"


class RefractoryCriterion(enum.StrEnum):
    A_PROGRESSION = "a"
    B_NO_IMPROVEMENT = "b"
    C_INCOMPLETE_RESPONSE = "c"
    DEPENDENT_TAPER_FAILED = "dependent_taper_failed"
    DEPENDENT_RECURRENCE = "dependent_recurrence"
    INTOLERANT = "intolerant"


@dataclass(frozen=True, slots=True)
class SteroidClassification:
    """The screening result: category, every criterion met, and why, in plain words."""

    result: SteroidResponse
    criteria: tuple[RefractoryCriterion, ...]
    reasons: tuple[str, ...]
    definition: str
    #: Always true: this is a screening aid; the investigator confirms the diagnosis.
    screening_aid: bool = field(default=True)

    @property
    def criterion(self) -> RefractoryCriterion | None:
        """The criterion that decided the result (the first one met), if any."""
        return self.criteria[0] if self.criteria else None


@dataclass(frozen=True, slots=True)
class _Point:
    day: int
    status: DiseaseStatus
    activity: int


def _validate_course(course: SteroidCourse) -> list[FieldError]:
    errors: list[FieldError] = []
    if course.initial_mg_per_kg_day <= 0:
        errors.append(FieldError("course.initial_mg_per_kg_day", "must be > 0 mg/kg/day"))
    previous = course.start
    for i, change in enumerate(course.taper):
        if change.on <= previous:
            what = "the steroid start" if i == 0 else f"course.taper[{i - 1}].on"
            errors.append(FieldError(f"course.taper[{i}].on", f"must be after {what}"))
        previous = max(previous, change.on)
        if change.mg_per_kg_day < 0:
            errors.append(FieldError(f"course.taper[{i}].mg_per_kg_day", "must be ≥ 0 mg/kg/day"))
    return errors


def _points(
    start: dt.date, assessments: Sequence[StatusAssessment | GradeAssessment]
) -> tuple[list[_Point], list[FieldError], str | None]:
    """Turn the history into day-numbered points; the third item explains missing data."""
    errors: list[FieldError] = []
    kinds = {type(a) for a in assessments}
    if len(kinds) > 1:
        return [], [FieldError("assessments", "mixes statuses and grades; give one kind")], None
    for i in range(1, len(assessments)):
        if assessments[i].on <= assessments[i - 1].on:
            errors.append(FieldError(f"assessments[{i}].on", "must be after the one before"))
    points: list[_Point] = []
    baseline: int | None = None
    for i, item in enumerate(assessments):
        day = (item.on - start).days
        if isinstance(item, StatusAssessment):
            if day < 1:
                errors.append(FieldError(f"assessments[{i}].on", "must be after the steroid start"))
            points.append(_Point(day, item.status, _STATUS_ACTIVITY[item.status]))
            continue
        if not 0 <= item.grade <= 4:
            errors.append(FieldError(f"assessments[{i}].grade", "must be a grade from 0 to 4"))
        elif day <= 0:
            baseline = item.grade
        elif baseline is not None:
            points.append(_Point(day, _grade_status(baseline, item.grade), item.grade))
    if baseline == 0:
        errors.append(FieldError("assessments", "baseline grade must be ≥ 1 (active aGVHD)"))
    missing = None
    if kinds == {GradeAssessment} and baseline is None:
        missing = "no MAGIC grade on or before the steroid start to compare with"
    return points, errors, missing


def _grade_status(baseline: int, grade: int) -> DiseaseStatus:
    if grade == 0:
        return DiseaseStatus.RESOLVED
    if grade < baseline:
        return DiseaseStatus.IMPROVED
    return DiseaseStatus.UNCHANGED if grade == baseline else DiseaseStatus.PROGRESSED


def _dose_on(course: SteroidCourse, day: int) -> float:
    dose = course.initial_mg_per_kg_day
    for change in course.taper:
        if (change.on - course.start).days <= day:
            dose = change.mg_per_kg_day
    return dose


def classify_steroid_response(
    course: SteroidCourse,
    assessments: Sequence[StatusAssessment | GradeAssessment],
    definition: RefractoryDefinition = EBMT_NIH_CIBMTR_2018,
) -> SteroidClassification:
    """Classify a steroid course as refractory, dependent, intolerant or neither.

    Raises :class:`~trialdesk.domain.errors.InputError` naming the field when dates are out of
    order, a dose is negative or a grade is not 0–4.
    """
    points, errors, missing = _points(course.start, assessments)
    errors = _validate_course(course) + errors
    if errors:
        raise InputError(errors)
    criteria: list[RefractoryCriterion] = []
    reasons: list[str] = []
    evaluable = _refractory(course, points, definition, criteria, reasons)
    _dependent(course, points, definition, criteria, reasons)
    if course.intolerance:
        criteria.append(RefractoryCriterion.INTOLERANT)
        reasons.append(f"unacceptable steroid toxicity: {course.intolerance}")
    if criteria:
        result = _RESULT_OF[criteria[0]]
    elif evaluable:
        result = SteroidResponse.NOT_ESTABLISHED
    else:
        result = SteroidResponse.INSUFFICIENT_DATA
        if missing:
            reasons.insert(0, missing)
    return SteroidClassification(result, tuple(criteria), tuple(reasons), definition.name)


_RESULT_OF = {
    RefractoryCriterion.A_PROGRESSION: SteroidResponse.REFRACTORY,
    RefractoryCriterion.B_NO_IMPROVEMENT: SteroidResponse.REFRACTORY,
    RefractoryCriterion.C_INCOMPLETE_RESPONSE: SteroidResponse.REFRACTORY,
    RefractoryCriterion.DEPENDENT_TAPER_FAILED: SteroidResponse.DEPENDENT,
    RefractoryCriterion.DEPENDENT_RECURRENCE: SteroidResponse.DEPENDENT,
    RefractoryCriterion.INTOLERANT: SteroidResponse.INTOLERANT,
}


# Doses reach us computed (mg ÷ kg × potency factor, split doses summed), so a dose meant to be
# exactly at a threshold can arrive a rounding error under it; that still counts as reaching it.
_DOSE_TOLERANCE = 1e-9


def _in(window: tuple[int, int], day: int) -> bool:
    return window[0] <= day <= window[1]


def _refractory(
    course: SteroidCourse,
    points: list[_Point],
    d: RefractoryDefinition,
    criteria: list[RefractoryCriterion],
    reasons: list[str],
) -> bool:
    """Append the refractory criteria met; return whether (b) or (c) could be judged at all."""
    evaluable = False
    if course.initial_mg_per_kg_day < d.min_dose_mg_per_kg_day - _DOSE_TOLERANCE:
        reasons.append(
            f"starting dose {course.initial_mg_per_kg_day:g} mg/kg/day is below "
            f"{d.min_dose_mg_per_kg_day:g}: criteria (a) and (b) do not apply"
        )
    else:
        progressed = [
            p
            for p in points
            if _in(d.progression_window, p.day) and p.status is DiseaseStatus.PROGRESSED
        ]
        if progressed:
            criteria.append(RefractoryCriterion.A_PROGRESSION)
            reasons.append(f"(a) progression on day {progressed[0].day} of steroids")
        in_b = [p for p in points if _in(d.no_improvement_window, p.day)]
        if in_b:
            evaluable = True
            latest = in_b[-1]
            if latest.status in (DiseaseStatus.UNCHANGED, DiseaseStatus.PROGRESSED):
                criteria.append(RefractoryCriterion.B_NO_IMPROVEMENT)
                reasons.append(f"(b) no improvement by day {latest.day} ({latest.status})")
        else:
            first, last = d.no_improvement_window
            reasons.append(f"no assessment between day {first} and day {last} for (b)")
    if d.incomplete_after_days is not None:
        late = [p for p in points if p.day > d.incomplete_after_days]
        evaluable = evaluable or bool(late)
        incomplete = [
            p
            for p in late
            if p.status is not DiseaseStatus.RESOLVED and _dose_on(course, p.day) > 0
        ]
        if incomplete:
            criteria.append(RefractoryCriterion.C_INCOMPLETE_RESPONSE)
            reasons.append(
                f"(c) response still incomplete on day {incomplete[0].day}, "
                f"more than {d.incomplete_after_days} days on steroids"
            )
    return evaluable


def _dependent(
    course: SteroidCourse,
    points: list[_Point],
    d: RefractoryDefinition,
    criteria: list[RefractoryCriterion],
    reasons: list[str],
) -> None:
    success = next(
        (p for p in points if p.status in (DiseaseStatus.RESOLVED, DiseaseStatus.IMPROVED)),
        None,
    )
    if success is None:
        return
    dose = course.initial_mg_per_kg_day
    taper_day: int | None = None
    went_below = False
    for change in course.taper:
        day = (change.on - course.start).days
        if change.mg_per_kg_day < dose and taper_day is None and day >= d.min_successful_days:
            taper_day = day
        threshold = d.dependence_dose_mg_per_kg_day - _DOSE_TOLERANCE
        went_below = went_below or change.mg_per_kg_day < threshold
        raised_back = dose < change.mg_per_kg_day and (change.mg_per_kg_day >= threshold)
        if taper_day is not None and went_below and raised_back:
            criteria.append(RefractoryCriterion.DEPENDENT_TAPER_FAILED)
            reasons.append(
                f"dose raised back to {change.mg_per_kg_day:g} mg/kg/day on day {day}: "
                f"could not be tapered under {d.dependence_dose_mg_per_kg_day:g}"
            )
            break
        dose = change.mg_per_kg_day
    if taper_day is None:
        return
    best = min(p.activity for p in points if p.day <= max(taper_day, success.day))
    for p in points:
        if p.day > taper_day and p.day > success.day:
            if p.activity > best:
                criteria.append(RefractoryCriterion.DEPENDENT_RECURRENCE)
                reasons.append(
                    f"aGVHD worse again on day {p.day}, during the taper begun on day {taper_day}"
                )
                return
            best = min(best, p.activity)
