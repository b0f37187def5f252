"""One subject's plan as it stands: every planned dose and visit with its state and reason.

The subject page's timeline and the dashboard's "Overdue visits and doses" are both read from
:func:`subject_timeline`, so they cannot disagree. The calendar and the assessments' visits come
from :mod:`trialdesk.services.subjects.course_progress`; each item's state from
:func:`trialdesk.domain.plan_status.plan_item_status`, given the events that closed parts of the
plan (a switch to rescue therapy, the end of study treatment, death, withdrawal, loss to
follow-up), read from the subject's therapies and outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.calendar import (
    Calendar,
    PlannedVisit,
    PlanState,
    WindowStatus,
    visit_done_on,
)
from trialdesk.domain.display import quantity
from trialdesk.domain.plan_status import (
    PlanEvent,
    PlanEventKind,
    closing_event,
    describe_event,
    pair_doses,
    plan_item_status,
)
from trialdesk.domain.protocol import Protocol, VisitPhase
from trialdesk.services.ports import Record
from trialdesk.services.subjects.course_progress import CourseProgress, course_progress

__all__ = [
    "SubjectRecords",
    "SubjectTimeline",
    "TimelineItem",
    "subject_timeline",
]

#: Outcome kinds (``outcomes.kind``) that close (part of) the plan.
_OUTCOME_EVENTS = {
    "end_of_study_treatment": PlanEventKind.END_OF_STUDY_TREATMENT,
    "death": PlanEventKind.DEATH,
    "withdrawal": PlanEventKind.WITHDRAWAL,
    "lost_to_follow_up": PlanEventKind.LOST_TO_FOLLOW_UP,
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    kind: str  # "dose" or "visit"
    code: str
    label: str
    course: int | None
    day: int
    planned_on: dt.date
    earliest: dt.date
    latest: dt.date
    done_on: dt.date | None
    state: PlanState
    window: WindowStatus
    detail: str
    #: Why the item is cancelled, or no longer owed ("rescue therapy X started 2026-03-20").
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SubjectRecords:
    """One subject's records, each in date order (then id)."""

    doses: Sequence[Record]
    visits: Sequence[Record]
    assessments: Sequence[Record]
    screenings: Sequence[Record]
    therapies: Sequence[Record]
    outcomes: Sequence[Record]


@dataclass(frozen=True, slots=True)
class SubjectTimeline:
    progress: CourseProgress
    items: tuple[TimelineItem, ...]
    events: tuple[PlanEvent, ...]

    @property
    def overdue(self) -> tuple[TimelineItem, ...]:
        """Items still owed whose window has closed: the dashboard's overdue list."""
        return tuple(i for i in self.items if i.window is WindowStatus.OVERDUE)

    @property
    def treatment_ended(self) -> str | None:
        """What ended study treatment, for the header ("rescue therapy X started …")."""
        event = closing_event(self.events, treatment=True)
        return None if event is None else describe_event(event)


def _plan_events(therapies: Sequence[Record], outcomes: Sequence[Record]) -> tuple[PlanEvent, ...]:
    """The events among a subject's therapies and outcomes that close (part of) the plan."""
    events = [
        PlanEvent(PlanEventKind.RESCUE_THERAPY, t["started_on"], t["name"])
        for t in therapies
        if t["kind"] == "rescue"
    ]
    events += [
        PlanEvent(_OUTCOME_EVENTS[o["kind"]], o["occurred_on"])
        for o in outcomes
        if o["kind"] in _OUTCOME_EVENTS
    ]
    return tuple(sorted(events, key=lambda e: e.on))


def _dose_items(
    calendar: Calendar, doses: Sequence[Record], events: Sequence[PlanEvent], today: dt.date
) -> list[TimelineItem]:
    paired = pair_doses(
        calendar.administrations, [(d["product"], d["administered_on"]) for d in doses]
    )
    done_on = {
        (p.intervention, p.course, p.day): d["administered_on"]
        for p, d in zip(paired, doses, strict=True)
        if p is not None
    }
    items = []
    for planned in calendar.administrations:
        done = done_on.get((planned.intervention, planned.course, planned.day))
        status = plan_item_status(
            earliest=planned.earliest, latest=planned.latest, done_on=done, today=today,
            treatment=True, events=events,
        )  # fmt: skip
        amount = f"{quantity(planned.dose, planned.unit)} {planned.route}"
        items.append(
            TimelineItem(
                "dose", planned.intervention, planned.name, planned.course, planned.day,
                planned.date, planned.earliest, planned.latest, done, status.state,
                status.window, amount, status.reason,
            )
        )  # fmt: skip
    return items


def _visit_items(
    calendar: Calendar,
    records: SubjectRecords,
    matched: Mapping[int, PlannedVisit],
    events: Sequence[PlanEvent],
    today: dt.date,
) -> list[TimelineItem]:
    recorded: dict[str, list[Record]] = {}
    for visit in records.visits:
        recorded.setdefault(visit["visit_code"], []).append(visit)
    assessed_on = {
        (v.visit, v.course): r["assessed_on"]
        for r in records.assessments
        if (v := matched.get(r["id"])) is not None
    }
    # The latest screening is the one that led to randomization (a rescreen opens a new one).
    screened_on = records.screenings[-1]["screened_on"] if records.screenings else None
    items = []
    for planned in calendar.visits:
        same = recorded.get(planned.visit, [])
        done = visit_done_on(
            planned, recorded_on=same.pop(0)["visit_date"] if same else None,
            assessed_on=assessed_on.get((planned.visit, planned.course)), screened_on=screened_on,
        )  # fmt: skip
        status = plan_item_status(
            earliest=planned.earliest, latest=planned.latest, done_on=done, today=today,
            treatment=planned.phase is VisitPhase.COURSE, events=events,
        )  # fmt: skip
        items.append(
            TimelineItem(
                "visit", planned.visit, planned.label, planned.course, planned.day, planned.date,
                planned.earliest, planned.latest, done, status.state, status.window,
                ", ".join(a.replace("_", " ") for a in planned.assessments), status.reason,
            )
        )  # fmt: skip
    return items


def subject_timeline(
    protocol: Protocol, arm: str | None, records: SubjectRecords, today: dt.date
) -> SubjectTimeline:
    """The subject's progress and plan on ``today``; no items until the calendar is known."""
    progress = course_progress(protocol, arm, records.doses, records.assessments)
    events = _plan_events(records.therapies, records.outcomes)
    items: list[TimelineItem] = []
    if progress.calendar is not None:
        items = _dose_items(progress.calendar, records.doses, events, today)
        items += _visit_items(progress.calendar, records, progress.matched, events, today)
    items.sort(key=lambda i: (i.day, i.kind != "visit", i.code))
    return SubjectTimeline(progress, tuple(items), events)
