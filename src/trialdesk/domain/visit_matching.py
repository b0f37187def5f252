"""Which planned visit a recorded GVHD assessment belongs to.

Assessments are recorded with a date, not a visit code, so the calendar, the protocol decision
at week 4 and the subject page all need the same answer to "which visit was this?". The rule:
each assessment, in the order given (recording order), takes the GVHD-staging visit of the
subject's own plan whose planned date is nearest; each visit takes at most one assessment; on a
tie a course visit wins over a follow-up visit on the same day, then the earlier course, then the
earlier study day. The visit's window is not a condition here — an assessment outside it is
still that visit's assessment, flagged early or late by the calendar — whereas the primary
endpoint reads only an assessment inside its window (:mod:`trialdesk.domain.gvhd.endpoints`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from trialdesk.domain.calendar import PlannedVisit

__all__ = ["STAGING_ASSESSMENT", "match_assessments_to_visits"]

#: The assessment code of the protocol's visit schedule that marks a GVHD-staging visit.
STAGING_ASSESSMENT = "gvhd_staging"


def match_assessments_to_visits(
    visits: Sequence[PlannedVisit], assessments: Sequence[tuple[int, dt.date]]
) -> dict[int, PlannedVisit]:
    """Assessment id → the staging visit it belongs to (nearest planned date, one per visit).

    ``assessments`` are ``(id, assessed_on)`` pairs in recording order; assessments left over
    once every staging visit is taken belong to no visit and are absent from the result.
    """
    staging = [v for v in visits if STAGING_ASSESSMENT in v.assessments]
    taken: set[tuple[str, int | None]] = set()
    matched: dict[int, PlannedVisit] = {}
    for assessment_id, assessed_on in assessments:
        free = [v for v in staging if (v.visit, v.course) not in taken]
        if not free:
            break
        best = min(
            free,
            key=lambda v: (
                abs((assessed_on - v.date).days),
                v.course is None,
                v.course or 0,
                v.day,
            ),
        )
        taken.add((best.visit, best.course))
        matched[assessment_id] = best
    return matched
