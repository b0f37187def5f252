"""Turning the services' dataclasses into the API's read schemas, and naming fields by body path."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from trialdesk.domain.audit import AuditEntry
from trialdesk.domain.decisions import ProtocolDecision
from trialdesk.domain.eligibility import CriterionStatus, EligibilityResult, evaluate_eligibility
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.clocks import ClockStatus
from trialdesk.entrypoints.api.schemas.clinical import (
    AdverseEventRead,
    AssessmentRead,
    AuditEntryRead,
    ClockRead,
    FollowUpRead,
    SignatureRead,
    SubjectDetailRead,
    TimelineItemRead,
)
from trialdesk.entrypoints.api.schemas.gvhd import NextStepRead
from trialdesk.entrypoints.api.schemas.subjects import (
    CriterionRead,
    EligibilityRead,
    SubjectRead,
)
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.subjects import subject_view, subjects

__all__ = [
    "adverse_event_read",
    "assessment_read",
    "audit_entry_read",
    "current_subject",
    "eligibility_read",
    "fields_under",
    "next_step_read",
    "subject_detail_read",
    "subject_read",
]


@contextmanager
def fields_under(prefix: str, names: frozenset[str] | None = None) -> Iterator[None]:
    """Re-home a service's field errors under ``prefix`` (``skin_bsa_pct`` → ``measurements.…``).

    With ``names``, only those fields move; others (``assessed_on``) are top-level already.
    """
    try:
        yield
    except InputError as error:
        moved = [
            FieldError(
                f"{prefix}.{e.field.removeprefix(prefix + '.')}"
                if names is None or e.field.split(".")[-1] in names
                else e.field,
                e.message,
            )
            for e in error.errors
        ]
        raise InputError(moved) from None


def subject_read(subject: subjects.SubjectRead) -> SubjectRead:
    return SubjectRead(
        id=subject.id,
        screening_number=subject.screening_number,
        subject_code=subject.subject_code,
        site_code=subject.site_code,
        state=subject.state,
    )


def current_subject(
    new_read_uow: Callable[[], UnitOfWork], *, as_user: int, subject_id: int
) -> SubjectRead:
    """The subject as it is now: what a write endpoint returns after it committed."""
    return subject_read(
        subjects.get_subject(new_read_uow(), as_user=as_user, subject_id=subject_id)
    )


def eligibility_read(protocol: Protocol, answers: Mapping[str, object]) -> EligibilityRead:
    """The protocol's verdict per criterion on these answers (computed by the domain)."""
    with fields_under("answers"):
        result = evaluate_eligibility(protocol, answers)
    return eligibility_result_read(result)


def eligibility_result_read(result: EligibilityResult) -> EligibilityRead:
    """A domain eligibility result as the API answers it."""
    return EligibilityRead(
        eligible=result.eligible,
        criteria=[
            CriterionRead(
                criterion_id=r.criterion_id,
                kind=r.kind,
                text=r.text,
                field=r.field,
                status=r.status,
                reason=r.reason,
            )
            for r in result.results
        ],
        missing=[r.criterion_id for r in result.results if r.status is CriterionStatus.MISSING],
    )


def next_step_read(decision: ProtocolDecision | None) -> NextStepRead | None:
    if decision is None:
        return None
    return NextStepRead(
        step=decision.step, reason=decision.reason, course=decision.course,
        visit=decision.visit, stop_rule=decision.stop_rule,
        treatment_failure=decision.treatment_failure,
    )  # fmt: skip


def assessment_read(
    view: subject_view.AssessmentView, decision: ProtocolDecision | None
) -> AssessmentRead:
    return AssessmentRead(
        id=view.id, assessed_on=view.assessed_on, visit=view.visit, course=view.course,
        stages=view.stages, grade=view.grade, response=view.response,
        next_step=next_step_read(decision), additional_therapy=view.additional_therapy,
        additional_therapy_names=view.additional_therapy_names, attribution=view.attribution,
    )  # fmt: skip


def _clock_read(clock: subject_view.ClockView) -> ClockRead:
    late = clock.status is ClockStatus.LATE
    return ClockRead(
        kind=clock.kind, due_at=clock.due_at, status=clock.status, recipient=clock.recipient,
        starts_at=clock.starts_at, reported_at=clock.reported_at,
        late_by=clock.delay if late else None, overdue_by=None if late else clock.delay,
        summary=clock.summary,
    )  # fmt: skip


def adverse_event_read(view: subject_view.AdverseEventView) -> AdverseEventRead:
    return AdverseEventRead(
        id=view.id, term=view.term, ctcae_grade=view.ctcae_grade, onset_on=view.onset_on,
        aware_at=view.aware_at, serious=view.serious, criteria=list(view.criteria),
        susar_products=list(view.susar_products),
        clocks=[_clock_read(c) for c in view.clocks],
        outcome=view.outcome, resolved_on=view.resolved_on, reports=dict(view.reports),
        meddra_code=view.meddra_code, soc=view.soc,
        follow_ups=[
            FollowUpRead(number=f.number, reported_at=f.reported_at, changes=f.changes,
                         narrative=f.narrative, created_at=f.created_at)
            for f in view.follow_ups
        ],
    )  # fmt: skip


def audit_entry_read(entry: AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(
        seq=entry.seq, occurred_at=entry.occurred_at, username=entry.username,
        action=entry.action.value, entity=entry.entity, entity_id=entry.entity_id,
        field=entry.field, old_value=entry.old_value, new_value=entry.new_value,
        reason=entry.reason,
    )  # fmt: skip


def _signature_read(view: subject_view.SignatureView) -> SignatureRead:
    return SignatureRead(
        id=view.id, entity=view.entity, entity_id=view.entity_id,
        printed_name=view.printed_name, signed_at=view.signed_at, meaning=view.meaning,
        is_valid=view.is_valid,
    )  # fmt: skip


def _timeline_read(item: subject_view.TimelineItem) -> TimelineItemRead:
    return TimelineItemRead(
        kind=item.kind, code=item.code, label=item.label, course=item.course, day=item.day,
        planned_on=item.planned_on, earliest=item.earliest, latest=item.latest,
        done_on=item.done_on, state=item.state, window=item.window, detail=item.detail,
        reason=item.reason,
    )  # fmt: skip


def subject_detail_read(page: subject_view.SubjectPage) -> SubjectDetailRead:
    allocation = page.allocation
    latest = page.assessments[-1].id if page.assessments else None
    return SubjectDetailRead(
        subject=subject_read(page.subject),
        arm=allocation.arm if allocation else None,
        arm_label=allocation.arm_label if allocation else None,
        allocated_at=allocation.allocated_at if allocation else None,
        day1=page.day1,
        weight_kg=page.weight_kg,
        next_step=next_step_read(page.next_step),
        treatment_ended=page.treatment_ended,
        timeline=[_timeline_read(i) for i in page.timeline],
        assessments=[
            assessment_read(a, page.next_step if a.id == latest else None) for a in page.assessments
        ],
        adverse_events=[adverse_event_read(e) for e in page.adverse_events],
        signatures=[_signature_read(s) for s in page.signatures],
    )
