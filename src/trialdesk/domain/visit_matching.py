"""Which planned visit a recorded GVHD assessment belongs to, and which one is the baseline.

The calendar, the protocol decision at week 4 and the subject page all need the same answer to
"which visit was this?". The rule:

* An assessment saved with the visit the user chose (``visit_code``) takes that visit: of the
  staging visits with that code in the subject's own plan, the free one nearest its date (the
  code alone does not name the course: D1 of course 2 falls on day 29, next to course 1's D29).
  The user's choice is never overridden by a date.
* Every other assessment (older rows were saved without a visit), in recording order, takes the
  free GVHD-staging visit whose planned date is nearest; on a tie a course visit wins over a
  follow-up visit on the same day, then the earlier course, then the earlier study day. An
  assessment dated before study day 1 belongs to no visit: it was done before treatment, so it
  can neither become the baseline nor push the later assessments onto other visits.

Each visit takes at most one assessment. The visit's window is not a condition here — an
assessment outside it is still that visit's assessment, flagged early or late by the calendar —
whereas the primary endpoint reads only an assessment inside its window
(:mod:`trialdesk.domain.gvhd.endpoints`).

The baseline (:func:`baseline_assessment`) is the assessment of the protocol's baseline visit in
course 1 (``assessment.baseline_visit``, D1 in the built-in protocol). Responses are measured
against it; an assessment dated before it has no response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.calendar import PlannedVisit

__all__ = [
    "STAGING_ASSESSMENT",
    "AssessmentRef",
    "baseline_assessment",
    "has_response",
    "match_assessments_to_visits",
]

#: The assessment code of the protocol's visit schedule that marks a GVHD-staging visit.
STAGING_ASSESSMENT = "gvhd_staging"


@dataclass(frozen=True, slots=True)
class AssessmentRef:
    """What matching needs of one saved assessment: its id, date and the visit the user chose."""

    id: int
    assessed_on: dt.date
    visit_code: str | None = None


def _ref(assessment: AssessmentRef | tuple[int, dt.date]) -> AssessmentRef:
    if isinstance(assessment, AssessmentRef):
        return assessment
    return AssessmentRef(assessment[0], assessment[1])


def _study_day1(visits: Sequence[PlannedVisit]) -> dt.date | None:
    return next((v.date - dt.timedelta(days=v.day - 1) for v in visits), None)


def match_assessments_to_visits(
    visits: Sequence[PlannedVisit], assessments: Sequence[AssessmentRef | tuple[int, dt.date]]
) -> dict[int, PlannedVisit]:
    """Assessment id → the staging visit it belongs to (see the module's rule).

    ``assessments`` are :class:`AssessmentRef` (or ``(id, assessed_on)`` pairs) in recording
    order; an assessment left without a visit is absent from the result.
    """
    refs = [_ref(a) for a in assessments]
    staging = [v for v in visits if STAGING_ASSESSMENT in v.assessments]
    taken: set[tuple[str, int | None]] = set()
    matched: dict[int, PlannedVisit] = {}

    def take(ref: AssessmentRef, candidates: list[PlannedVisit]) -> None:
        free = [v for v in candidates if (v.visit, v.course) not in taken]
        if free:
            best = min(
                free,
                key=lambda v: (
                    abs((ref.assessed_on - v.date).days),
                    v.course is None,
                    v.course or 0,
                    v.day,
                ),
            )
            taken.add((best.visit, best.course))
            matched[ref.id] = best

    # The user's choices first: a date-matched assessment must not take a chosen visit.
    for ref in refs:
        if ref.visit_code is not None:
            take(ref, [v for v in staging if v.visit == ref.visit_code])
    day1 = _study_day1(visits)
    for ref in refs:
        if ref.visit_code is None and (day1 is None or ref.assessed_on >= day1):
            take(ref, staging)
    return matched


def baseline_assessment(
    assessments: Sequence[AssessmentRef],
    matched: Mapping[int, PlannedVisit] | None,
    baseline_visit: str,
) -> AssessmentRef | None:
    """The assessment responses are measured against (``None``: no baseline yet).

    With the subject's calendar known (``matched`` from :func:`match_assessments_to_visits`),
    it is the assessment of ``baseline_visit`` in course 1, and nothing else: a record dated
    earlier never replaces it. Before the calendar is known (no first dose yet), an assessment
    the user saved as ``baseline_visit`` is the baseline; failing that, the earliest by date
    (then by recording order), which the first dose then confirms or replaces.
    """
    if matched is not None:
        return next(
            (
                a
                for a in assessments
                if (v := matched.get(a.id)) is not None
                and v.visit == baseline_visit
                and v.course == 1
            ),
            None,
        )
    chosen = [a for a in assessments if a.visit_code == baseline_visit]
    pool = chosen or [a for a in assessments if a.visit_code is None]
    return min(pool, key=lambda a: (a.assessed_on, a.id), default=None)


def has_response(assessment: AssessmentRef, baseline: AssessmentRef | None) -> bool:
    """Whether ``assessment`` has a response to ``baseline``: it is neither it nor before it."""
    return (
        baseline is not None
        and assessment.id != baseline.id
        and assessment.assessed_on >= baseline.assessed_on
    )
