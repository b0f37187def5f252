"""Where a subject stands in the treatment course: assessments matched to visits, the next step.

Shared by the subject page and by the assessment save, so both derive the visit, course and
protocol step of an assessment the same way. The calendar is planned from the subject's arm,
the weight recorded with the latest dose and study day 1 (the day of the first dose, by the
protocol's definition); the next step comes from
:func:`trialdesk.domain.decisions.decide_next_step`.

Assessments are matched to visits by :func:`trialdesk.domain.visit_matching
.match_assessments_to_visits` (the visit the user chose first, then by date in recording order),
and the baseline is :func:`trialdesk.domain.visit_matching.baseline_assessment`. The plan holds
a second course only once the first course's decision was to repeat it, so after a switch of
therapy a week-8 assessment is the week-8 follow-up visit, not a course-2 visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trialdesk.domain.calendar import Calendar, PlannedVisit, plan_calendar
from trialdesk.domain.decisions import NextStep, ProtocolDecision, decide_next_step
from trialdesk.domain.gvhd import Response
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.visit_matching import (
    AssessmentRef,
    baseline_assessment,
    match_assessments_to_visits,
)
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "CourseProgress",
    "assessment_ref",
    "baseline_row",
    "course_progress",
    "load_baseline",
    "load_course_progress",
]


@dataclass(frozen=True, slots=True)
class CourseProgress:
    """Day 1, weight, assessment-to-visit matches, the next step and the calendar to show."""

    day1: dt.date | None = None
    weight_kg: float | None = None
    matched: Mapping[int, PlannedVisit] = field(default_factory=dict)
    decision: ProtocolDecision | None = None
    courses: int = 1
    #: Planned for ``courses`` courses; ``None`` until arm, first dose and weight are known.
    calendar: Calendar | None = None
    #: The baseline assessment (see :func:`baseline_of`); ``None`` while there is none.
    baseline: AssessmentRef | None = None


def assessment_ref(row: Record) -> AssessmentRef:
    """An assessment row as matching needs it (rows saved before the visit choice have none)."""
    return AssessmentRef(row["id"], row["assessed_on"], row.get("visit_code"))


def _assessment_refs(assessments: Sequence[Record]) -> list[AssessmentRef]:
    """The assessments as matching needs them, in recording (id) order."""
    return [assessment_ref(r) for r in sorted(assessments, key=lambda r: r["id"])]


def _decide(
    protocol: Protocol, assessments: Sequence[Record], matched: Mapping[int, PlannedVisit]
) -> ProtocolDecision | None:
    """The next step for the latest course that has assessments after its baseline."""
    decision = None
    for course in range(1, protocol.course.max_courses + 1):
        history = [
            (matched[r["id"]].visit, Response(r["response"]))
            for r in assessments
            if r["response"] is not None
            and r["id"] in matched
            and matched[r["id"]].course == course
        ]
        if not history:
            break
        decision = decide_next_step(protocol, history, course)
        if decision.step is not NextStep.REPEAT_COURSE:
            break
    return decision


def course_progress(
    protocol: Protocol,
    arm: str | None,
    doses: Sequence[Record],
    assessments: Sequence[Record],
) -> CourseProgress:
    """The subject's progress from the allocated arm and the doses and assessments by date."""
    day1 = doses[0]["administered_on"] if doses else None
    weight = next((d["weight_kg"] for d in reversed(doses) if d["weight_kg"]), None)
    refs = _assessment_refs(assessments)
    baseline_visit = protocol.assessment.baseline_visit
    if arm is None or day1 is None or weight is None:
        return CourseProgress(
            day1=day1, weight_kg=weight, baseline=baseline_assessment(refs, None, baseline_visit)
        )
    # Plan one course, then one more each time the latest course's decision was to repeat it.
    courses = 1
    while True:
        calendar = plan_calendar(protocol, arm, weight, day1, courses)
        matched = match_assessments_to_visits(calendar.visits, refs)
        decision = _decide(protocol, assessments, matched)
        repeat = (
            decision is not None
            and decision.step is NextStep.REPEAT_COURSE
            and decision.course == courses
            and courses < protocol.course.max_courses
        )
        if not repeat:
            break
        courses += 1
    return CourseProgress(
        day1=day1, weight_kg=weight, matched=matched, decision=decision, courses=courses,
        calendar=calendar, baseline=baseline_assessment(refs, matched, baseline_visit),
    )  # fmt: skip


def load_course_progress(
    uow: UnitOfWork, protocol: Protocol, subject_id: int, assessments: Sequence[Record]
) -> CourseProgress:
    """:func:`course_progress` with the arm and doses read in the caller's open unit of work."""
    allocations = uow.records.find("allocations", subject_id=subject_id)
    doses = sorted(
        uow.records.find("dose_administrations", subject_id=subject_id),
        key=lambda r: (r["administered_on"], r["id"]),
    )
    return course_progress(
        protocol, allocations[0]["arm"] if allocations else None, doses, assessments
    )


def load_baseline(
    uow: UnitOfWork, protocol: Protocol, subject_id: int, assessments: Sequence[Record]
) -> Record | None:
    """The baseline among ``assessments`` (one subject's rows) under the subject's calendar."""
    ordered = sorted(assessments, key=lambda r: (r["assessed_on"], r["id"]))
    return baseline_row(load_course_progress(uow, protocol, subject_id, ordered), assessments)


def baseline_row(progress: CourseProgress, assessments: Sequence[Record]) -> Record | None:
    """The row of ``progress``' baseline among ``assessments`` (``None``: no baseline)."""
    baseline = progress.baseline
    return next((r for r in assessments if baseline and r["id"] == baseline.id), None)
