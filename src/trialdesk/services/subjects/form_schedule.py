"""When a per-visit protocol form is owed: each visit's planned window and today's place in it.

The windows come from the subject's calendar (:mod:`trialdesk.services.subjects.course_progress`:
arm, study day 1 and the latest dose weight), so they exist once the first dose is recorded; "today"
is the site's calendar day. A visit given again in a repeated course is owed at its first
occurrence.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.edit_checks import today_of
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.subjects.course_progress import load_course_progress

__all__ = ["VisitState", "VisitWindow", "form_visit_windows", "visit_state"]


class VisitState(enum.StrEnum):
    DONE = "done"
    #: The window has opened (today or earlier) and no record is there yet.
    DUE = "due"
    #: The window opens after today.
    UPCOMING = "upcoming"
    #: No calendar yet (no first dose): when the visit falls is not known.
    NOT_PLANNED = "not_planned"


@dataclass(frozen=True, slots=True)
class VisitWindow:
    planned_on: dt.date
    earliest: dt.date


def form_visit_windows(
    uow: UnitOfWork, protocol: Protocol, subject_id: int
) -> tuple[Mapping[str, VisitWindow], dt.date]:
    """Each planned visit's first window (by visit code) and the site's today."""
    assessments = sorted(
        uow.records.find("gvhd_assessments", subject_id=subject_id),
        key=lambda r: (r["assessed_on"], r["id"]),
    )
    calendar = load_course_progress(uow, protocol, subject_id, assessments).calendar
    windows: dict[str, VisitWindow] = {}
    for visit in calendar.visits if calendar is not None else ():
        if visit.visit not in windows:
            windows[visit.visit] = VisitWindow(visit.date, visit.earliest)
    return windows, today_of(uow, zone_of_subject(uow, subject_id, protocol.time_zone))


def visit_state(done: bool, window: VisitWindow | None, today: dt.date) -> VisitState:
    """Done, due (its window open today or earlier), upcoming, or not planned yet."""
    if done:
        return VisitState.DONE
    if window is None:
        return VisitState.NOT_PLANNED
    return VisitState.DUE if window.earliest <= today else VisitState.UPCOMING
