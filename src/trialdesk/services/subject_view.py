"""Read side of the subject page: everything a site sees about one subject, as plain dataclasses.

One read, one permission check (``view_subject`` at the subject's site, so another site's subject
is "not found"). Derived views come from the domain: the calendar is planned from the subject's
arm, the weight recorded with the latest dose and study day 1 (the day of the first dose, by the
protocol's definition); each planned item gets its state and window status from
:func:`trialdesk.domain.calendar.window_status`; the protocol's next step comes from
:func:`trialdesk.domain.decisions.decide_next_step`; reporting clocks are recomputed from the
stored seriousness and causality so their status is current.

Assessments carry no visit code, so each one is matched to the course staging visit whose planned
date is nearest (each visit takes at most one assessment, first come first served).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditEntry, record_fingerprint
from trialdesk.domain.calendar import (
    Calendar,
    PlannedVisit,
    PlanState,
    WindowStatus,
    plan_calendar,
    window_status,
)
from trialdesk.domain.decisions import NextStep, ProtocolDecision, decide_next_step
from trialdesk.domain.gvhd import Response
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.clocks import ClockStatus, reporting_clocks
from trialdesk.domain.safety.seriousness import (
    Causality,
    ProductAssessment,
    SeriousnessCriterion,
)
from trialdesk.services.access import Actor, load_actor, require_subject
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects import SubjectRead, read_subject_row

__all__ = [
    "AdverseEventView",
    "AllocationView",
    "AssessmentView",
    "ClockView",
    "SignatureView",
    "SubjectPage",
    "TimelineItem",
    "load_subject_page",
]

_STAGING = "gvhd_staging"


@dataclass(frozen=True, slots=True)
class AllocationView:
    """What a site sees of the allocation: arm and time, never list position or block."""

    arm: str
    arm_label: str
    allocated_at: dt.datetime


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


@dataclass(frozen=True, slots=True)
class AssessmentView:
    id: int
    assessed_on: dt.date
    visit: str | None
    course: int | None
    stages: dict[str, int]
    grade: int
    response: str | None


@dataclass(frozen=True, slots=True)
class ClockView:
    kind: str
    due_at: dt.datetime
    status: ClockStatus


@dataclass(frozen=True, slots=True)
class AdverseEventView:
    id: int
    term: str
    ctcae_grade: int
    onset_on: dt.date
    aware_at: dt.datetime
    serious: bool
    criteria: tuple[str, ...]
    susar_products: tuple[str, ...]
    clocks: tuple[ClockView, ...]


@dataclass(frozen=True, slots=True)
class SignatureView:
    id: int
    entity: str
    entity_id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool


@dataclass(frozen=True, slots=True)
class SubjectPage:
    subject: SubjectRead
    allocation: AllocationView | None
    day1: dt.date | None
    weight_kg: float | None
    courses: int
    timeline: tuple[TimelineItem, ...]
    next_step: ProtocolDecision | None
    screenings: tuple[Record, ...]
    consents: tuple[Record, ...]
    doses: tuple[Record, ...]
    visits: tuple[Record, ...]
    assessments: tuple[AssessmentView, ...]
    adverse_events: tuple[AdverseEventView, ...]
    therapies: tuple[Record, ...]
    outcomes: tuple[Record, ...]
    signatures: tuple[SignatureView, ...]
    audit: tuple[AuditEntry, ...]
    may_enter_data: bool
    may_randomize: bool
    may_sign: bool
    #: When the page was read (UTC): "today" for date fields and the reporting clocks.
    now: dt.datetime

    @property
    def products(self) -> tuple[str, ...]:
        """Products of the subject's arm (for the dose form)."""
        return tuple(sorted({i.code for i in self.timeline if i.kind == "dose"}))


def _by_date(rows: Sequence[Record], column: str) -> tuple[Record, ...]:
    return tuple(sorted(rows, key=lambda r: (r[column], r["id"])))


def _match_assessments(
    visits: Sequence[PlannedVisit], assessments: Sequence[Record]
) -> dict[int, PlannedVisit]:
    """Assessment id → the staging visit it belongs to (nearest planned date, one per visit)."""
    staging = [v for v in visits if v.course is not None and _STAGING in v.assessments]
    taken: set[tuple[str, int | None]] = set()
    matched: dict[int, PlannedVisit] = {}
    for row in assessments:
        free = [v for v in staging if (v.visit, v.course) not in taken]
        if not free:
            break
        day = row["assessed_on"]
        best = min(free, key=lambda v: (abs((day - v.date).days), v.course or 0, v.day))
        taken.add((best.visit, best.course))
        matched[row["id"]] = best
    return matched


def _decide(
    protocol: Protocol, assessments: Sequence[Record], matched: dict[int, PlannedVisit]
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


def _timeline(
    calendar: Calendar,
    doses: Sequence[Record],
    visits: Sequence[Record],
    matched: dict[int, PlannedVisit],
    assessments: Sequence[Record],
    today: dt.date,
) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    given: dict[str, list[Record]] = {}
    for dose in doses:
        given.setdefault(dose["product"], []).append(dose)
    for planned in calendar.administrations:
        done = given.get(planned.intervention, [])
        row = done.pop(0) if done else None
        done_on = row["administered_on"] if row else None
        state, window = window_status(planned.earliest, planned.latest, done_on, today)
        amount = f"{planned.dose:g} {planned.unit} {planned.route}"
        items.append(
            TimelineItem(
                "dose", planned.intervention, planned.name, planned.course, planned.day,
                planned.date, planned.earliest, planned.latest, done_on, state, window, amount,
            )
        )  # fmt: skip
    recorded: dict[str, list[Record]] = {}
    for visit in visits:
        recorded.setdefault(visit["visit_code"], []).append(visit)
    assessed_on = {
        (v.visit, v.course): r["assessed_on"]
        for r in assessments
        if (v := matched.get(r["id"])) is not None
    }
    for planned_visit in calendar.visits:
        same = recorded.get(planned_visit.visit, [])
        done_on = same.pop(0)["visit_date"] if same else None
        done_on = done_on or assessed_on.get((planned_visit.visit, planned_visit.course))
        state, window = window_status(planned_visit.earliest, planned_visit.latest, done_on, today)
        items.append(
            TimelineItem(
                "visit", planned_visit.visit, planned_visit.label, planned_visit.course,
                planned_visit.day, planned_visit.date, planned_visit.earliest,
                planned_visit.latest, done_on, state, window,
                ", ".join(a.replace("_", " ") for a in planned_visit.assessments),
            )
        )  # fmt: skip
    return sorted(items, key=lambda i: (i.day, i.kind != "visit", i.code))


def _adverse_event(row: Record, now: dt.datetime) -> AdverseEventView:
    criteria = tuple(row["seriousness_criteria"])
    products = [
        ProductAssessment(code, Causality(causality), bool(row["expected"]))
        for code, causality in row["related_to"].items()
    ]
    clocks = reporting_clocks(
        [SeriousnessCriterion(c) for c in criteria], products, aware_at=row["aware_at"]
    )
    return AdverseEventView(
        id=row["id"], term=row["term"], ctcae_grade=row["ctcae_grade"], onset_on=row["onset_on"],
        aware_at=row["aware_at"], serious=bool(row["serious"]), criteria=criteria,
        susar_products=tuple(row["derived"].get("susar_products", ())),
        clocks=tuple(ClockView(c.kind.value, c.due_at, c.status(now)) for c in clocks),
    )  # fmt: skip


def _signature(uow: UnitOfWork, row: Record) -> SignatureView:
    record = uow.records.get(row["entity"], row["entity_id"])
    holds = (
        bool(row["is_valid"])
        and record is not None
        and row["record_hash"] == record_fingerprint(row["entity"], record)
    )
    return SignatureView(
        row["id"], row["entity"], row["entity_id"], row["printed_name"], row["signed_at"],
        row["meaning"], holds,
    )  # fmt: skip


def _allocation(protocol: Protocol, row: Record | None) -> AllocationView | None:
    if row is None:
        return None
    return AllocationView(row["arm"], protocol.arm(row["arm"]).label, row["allocated_at"])


def _permissions(actor: Actor, site_id: int) -> tuple[bool, bool, bool]:
    return (
        actor.may(Action.ENTER_DATA, site_id),
        actor.may(Action.RANDOMIZE, site_id),
        actor.may(Action.SIGN, site_id),
    )


def load_subject_page(
    uow: UnitOfWork, *, as_user: int, subject_id: int, protocol: Protocol
) -> SubjectPage:
    """Everything the subject page shows, if the user may see the subject."""
    with uow:
        actor = load_actor(uow, as_user)
        row = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        now = uow.clock.now()
        today = now.astimezone(dt.UTC).date()

        def rows(table: str, column: str) -> tuple[Record, ...]:
            return _by_date(uow.records.find(table, subject_id=subject_id), column)

        doses = rows("dose_administrations", "administered_on")
        visits = rows("visits", "visit_date")
        assessments = rows("gvhd_assessments", "assessed_on")
        allocations = uow.records.find("allocations", subject_id=subject_id)
        allocation = _allocation(protocol, allocations[0] if allocations else None)
        day1 = doses[0]["administered_on"] if doses else None
        weight = next((d["weight_kg"] for d in reversed(doses) if d["weight_kg"]), None)
        timeline: list[TimelineItem] = []
        views: list[AssessmentView] = []
        decision = None
        courses = 1
        matched: dict[int, PlannedVisit] = {}
        if allocation is not None and day1 is not None and weight is not None:
            full = plan_calendar(
                protocol, allocation.arm, weight, day1, protocol.course.max_courses
            )
            matched = _match_assessments(full.visits, assessments)
            decision = _decide(protocol, assessments, matched)
            courses = decision.course if decision is not None else 1
            if decision is not None and decision.step is NextStep.REPEAT_COURSE:
                courses += 1
            calendar = plan_calendar(protocol, allocation.arm, weight, day1, courses)
            timeline = _timeline(calendar, doses, visits, matched, assessments, today)
        for a in assessments:
            visit = matched.get(a["id"])
            views.append(
                AssessmentView(
                    a["id"], a["assessed_on"], visit.visit if visit else None,
                    visit.course if visit else None,
                    {"skin": a["skin_stage"], "liver": a["liver_stage"],
                     "upper_gi": a["upper_gi_stage"], "lower_gi": a["lower_gi_stage"]},
                    a["grade"], a["response"],
                )
            )  # fmt: skip
        may_enter, may_randomize, may_sign = _permissions(actor, row["site_id"])
        return SubjectPage(
            subject=read_subject_row(uow, row),
            allocation=allocation,
            day1=day1,
            weight_kg=weight,
            courses=courses,
            timeline=tuple(timeline),
            next_step=decision,
            screenings=rows("screening_records", "screened_on"),
            consents=rows("consents", "consented_on"),
            doses=doses,
            visits=visits,
            assessments=tuple(views),
            adverse_events=tuple(
                _adverse_event(r, now) for r in rows("adverse_events", "onset_on")
            ),
            therapies=rows("therapies", "started_on"),
            outcomes=rows("outcomes", "occurred_on"),
            signatures=tuple(_signature(uow, r) for r in rows("signatures", "signed_at")),
            audit=tuple(uow.audit.entries(subject_id=subject_id)),
            may_enter_data=may_enter,
            may_randomize=may_randomize,
            may_sign=may_sign,
            now=now,
        )
