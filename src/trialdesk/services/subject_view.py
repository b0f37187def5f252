"""Read side of the subject page: everything a site sees about one subject, as plain dataclasses.

One read, one permission check (``view_subject`` at the subject's site, so another site's subject
is "not found"). Derived views come from the domain: the calendar, the assessments' visits and
the protocol's next step from :mod:`trialdesk.services.course_progress`; each planned item gets
its state and window status from :func:`trialdesk.domain.calendar.window_status`; reporting
clocks are recomputed from the stored seriousness and causality so their status is current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditEntry, record_fingerprint
from trialdesk.domain.calendar import (
    Calendar,
    PlannedVisit,
    PlanState,
    WindowStatus,
    visit_done_on,
    window_status,
)
from trialdesk.domain.decisions import ProtocolDecision
from trialdesk.domain.display import quantity
from trialdesk.domain.lifecycle import may_receive_study_treatment
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.clocks import ClockStatus, reporting_clocks
from trialdesk.domain.safety.seriousness import (
    Causality,
    ProductAssessment,
    SeriousnessCriterion,
)
from trialdesk.services.access import Actor, load_actor, require_subject
from trialdesk.services.course_progress import course_progress
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.recording import is_locked
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
    #: Clinical data entry (AEs, outcomes, ...): the user's role at the site, while not locked.
    may_enter_data: bool
    #: Dose entry: data entry while the subject is still on study treatment.
    may_record_dose: bool
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


def _timeline(
    calendar: Calendar,
    doses: Sequence[Record],
    visits: Sequence[Record],
    matched: Mapping[int, PlannedVisit],
    assessments: Sequence[Record],
    screened_on: dt.date | None,
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
        amount = f"{quantity(planned.dose, planned.unit)} {planned.route}"
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
        done_on = visit_done_on(
            planned_visit, recorded_on=same.pop(0)["visit_date"] if same else None,
            assessed_on=assessed_on.get((planned_visit.visit, planned_visit.course)),
            screened_on=screened_on,
        )  # fmt: skip
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
        progress = course_progress(
            protocol, allocation.arm if allocation else None, doses, assessments
        )
        matched = progress.matched
        screenings = rows("screening_records", "screened_on")
        # The latest screening is the one that led to randomization (a rescreen opens a new one).
        screened_on = screenings[-1]["screened_on"] if screenings else None
        timeline: list[TimelineItem] = []
        if progress.calendar is not None:
            timeline = _timeline(
                progress.calendar, doses, visits, matched, assessments, screened_on, today
            )
        views: list[AssessmentView] = []
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
        may_enter = may_enter and not is_locked(uow, "subjects", subject_id, None)
        return SubjectPage(
            subject=read_subject_row(uow, row),
            allocation=allocation,
            day1=progress.day1,
            weight_kg=progress.weight_kg,
            courses=progress.courses,
            timeline=tuple(timeline),
            next_step=progress.decision,
            screenings=screenings,
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
            may_record_dose=may_enter and may_receive_study_treatment(row["state"]),
            may_randomize=may_randomize,
            may_sign=may_sign,
            now=now,
        )
