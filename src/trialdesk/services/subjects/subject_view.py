"""Read side of the subject page: everything a site sees about one subject, as plain dataclasses.

One read, one permission check (``view_subject`` at the subject's site, so another site's subject is
"not found"). Derived views come from the domain: the calendar, the assessments' visits, the
protocol's next step and each planned item's state (cancelled by a switch of therapy, the end of
study treatment or death) from :func:`trialdesk.services.subjects.subject_plan.subject_timeline`,
which the dashboard's overdue list reads too; reporting clocks are recomputed from the stored
seriousness and causality so their status is current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditEntry, record_fingerprint
from trialdesk.domain.decisions import ProtocolDecision
from trialdesk.domain.gvhd.attribution import attribution_notes
from trialdesk.domain.lifecycle import may_be_randomized, may_receive_study_treatment
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.clocks import ClockStatus
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.recording import is_locked
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.safety.adverse_event_records import (
    FOLLOW_UPS,
    REPORT_COLUMNS,
    clock_readings,
    current_outcome,
)
from trialdesk.services.subjects.subject_plan import SubjectRecords, TimelineItem, subject_timeline
from trialdesk.services.subjects.subjects import SubjectRead, read_subject_row

__all__ = [
    "AdverseEventView",
    "AllocationView",
    "AssessmentView",
    "ClockView",
    "FollowUpView",
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
class AssessmentView:
    id: int
    assessed_on: dt.date
    visit: str | None
    course: int | None
    stages: dict[str, int]
    grade: int
    response: str | None
    #: Additional systemic GVHD therapy since the last assessment (None: not recorded), which.
    additional_therapy: bool | None = None
    additional_therapy_names: str | None = None
    #: "Liver: not staged — attributed to drug cholestasis", one per attributed organ.
    attribution_notes: tuple[str, ...] = ()
    #: The stored attribution record (biopsy, causes, measured and counted stage per organ).
    attribution: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ClockView:
    kind: str
    due_at: dt.datetime
    status: ClockStatus
    #: Whose report stops the clock, when it was sent, and "met", "late by …", "overdue by …".
    recipient: str = ""
    starts_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    delay: dt.timedelta | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class FollowUpView:
    number: int
    reported_at: dt.datetime
    #: {field: [old, new]}
    changes: dict[str, list[object]]
    narrative: str | None
    created_at: dt.datetime


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
    outcome: str = ""
    resolved_on: dt.date | None = None
    #: When each report was sent, by recipient (``None``: not yet).
    reports: dict[str, dt.datetime | None] = field(default_factory=dict)
    follow_ups: tuple[FollowUpView, ...] = ()
    #: CTCAE v5.0 coding: the term's MedDRA code and system organ class (``None``: uncoded).
    meddra_code: int | None = None
    soc: str | None = None


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
    #: What ended study treatment (a switch to rescue therapy, the end of study treatment, death),
    #: shown instead of the protocol's next step once it has happened.
    treatment_ended: str | None
    #: The assessment responses are measured against (``None``: none yet).
    baseline_id: int | None
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
    #: Randomize: the user's role at the site, while the subject's state allows randomization.
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


def _adverse_event(
    row: Record, now: dt.datetime, follow_ups: Sequence[Record] = ()
) -> AdverseEventView:
    criteria = tuple(row["seriousness_criteria"])
    clocks = tuple(
        ClockView(
            r.clock.kind.value, r.clock.due_at, r.status, r.recipient.value, r.clock.starts_at,
            r.reported_at, r.delay, r.summary,
        )
        for r in clock_readings(row, now)
    )  # fmt: skip
    return AdverseEventView(
        id=row["id"], term=row["term"], ctcae_grade=row["ctcae_grade"], onset_on=row["onset_on"],
        aware_at=row["aware_at"], serious=bool(row["serious"]), criteria=criteria,
        susar_products=tuple(row["derived"].get("susar_products", ())), clocks=clocks,
        outcome=current_outcome(row).value, resolved_on=row.get("resolved_on"),
        meddra_code=row.get("meddra_code"), soc=row.get("soc"),
        reports={to.value: row.get(column) for to, column in REPORT_COLUMNS.items()},
        follow_ups=tuple(
            FollowUpView(f["follow_up_number"], f["reported_at"], f["changes"], f["narrative"],
                         f["created_at"])
            for f in sorted(follow_ups, key=lambda f: f["follow_up_number"])
            if f["adverse_event_id"] == row["id"]
        ),
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
        screenings = rows("screening_records", "screened_on")
        therapies, outcomes = rows("therapies", "started_on"), rows("outcomes", "occurred_on")
        plan = subject_timeline(
            protocol, allocation.arm if allocation else None,
            SubjectRecords(doses, visits, assessments, screenings, therapies, outcomes), today,
        )  # fmt: skip
        progress, matched = plan.progress, plan.progress.matched
        views: list[AssessmentView] = []
        for a in assessments:
            visit = matched.get(a["id"])
            views.append(
                AssessmentView(
                    a["id"], a["assessed_on"], a["visit_code"] or (visit.visit if visit else None),
                    visit.course if visit else None,
                    {"skin": a["skin_stage"], "liver": a["liver_stage"],
                     "upper_gi": a["upper_gi_stage"], "lower_gi": a["lower_gi_stage"]},
                    a["grade"], a["response"],
                    a.get("additional_therapy"), a.get("additional_therapy_names"),
                    tuple(attribution_notes(a.get("attribution"))), a.get("attribution"),
                )
            )  # fmt: skip
        may_enter, may_randomize, may_sign = _permissions(actor, row["site_id"])
        follow_ups = uow.records.find(FOLLOW_UPS, subject_id=subject_id)
        may_enter = may_enter and not is_locked(uow, "subjects", subject_id, None)
        return SubjectPage(
            subject=read_subject_row(uow, row),
            allocation=allocation,
            day1=progress.day1,
            weight_kg=progress.weight_kg,
            courses=progress.courses,
            timeline=plan.items,
            next_step=progress.decision,
            treatment_ended=plan.treatment_ended,
            baseline_id=progress.baseline.id if progress.baseline else None,
            screenings=screenings,
            consents=rows("consents", "consented_on"),
            doses=doses,
            visits=visits,
            assessments=tuple(views),
            adverse_events=tuple(
                _adverse_event(r, now, follow_ups) for r in rows("adverse_events", "onset_on")
            ),
            therapies=therapies,
            outcomes=outcomes,
            signatures=tuple(_signature(uow, r) for r in rows("signatures", "signed_at")),
            audit=tuple(uow.audit.entries(subject_id=subject_id)),
            may_enter_data=may_enter,
            may_record_dose=may_enter and may_receive_study_treatment(row["state"]),
            may_randomize=may_randomize and allocation is None and may_be_randomized(row["state"]),
            may_sign=may_sign,
            now=now,
        )
