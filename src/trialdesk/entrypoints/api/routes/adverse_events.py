"""Following an adverse event up: its current state, follow-up reports and report dates.

Each write goes through :mod:`trialdesk.services.safety.adverse_event_follow_up` (one transaction,
audited); the answer is the event as the subject view reads it afterwards, clocks included.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from trialdesk.domain.errors import NotFoundError
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.adverse_events import FollowUpCreate, ReportCreate
from trialdesk.entrypoints.api.schemas.clinical import AdverseEventRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.subject_reads import adverse_event_read
from trialdesk.services.safety import adverse_event_follow_up
from trialdesk.services.subjects import subject_view

__all__ = ["router"]

router = APIRouter(prefix="/subjects", tags=["adverse-events"], responses=ERROR_RESPONSES)
EventId = Path(ge=1, le=2**31 - 1)


def _event(
    context: ContextDep, principal: ApiUser, subject_id: int, event_id: int
) -> AdverseEventRead:
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    view = next((e for e in page.adverse_events if e.id == event_id), None)
    if view is None:
        raise NotFoundError(f"adverse event {event_id} not found")
    return adverse_event_read(view)


@router.get("/{subject_id}/adverse-events/{event_id}", response_model=AdverseEventRead)
def read_adverse_event(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId, event_id: int = EventId
) -> AdverseEventRead:
    """The event now: outcome, end date, each clock (met, late by, running, overdue by)."""
    return _event(context, principal, subject_id, event_id)


@router.post(
    "/{subject_id}/adverse-events/{event_id}/follow-ups",
    response_model=AdverseEventRead, status_code=status.HTTP_201_CREATED,
)  # fmt: skip
def record_follow_up(
    body: FollowUpCreate, context: ContextDep, principal: ApiUser,
    subject_id: int = SubjectId, event_id: int = EventId,
) -> AdverseEventRead:  # fmt: skip
    """Save a follow-up report; seriousness, SUSAR status and clocks are derived again."""
    adverse_event_follow_up.record_ae_follow_up(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        adverse_event_id=event_id, reported_at=body.reported_at,
        default_time_zone=context.protocol.time_zone,
        outcome=body.outcome.value if body.outcome else None, resolved_on=body.resolved_on,
        ctcae_grade=body.ctcae_grade,
        seriousness=None if body.seriousness is None else {c.value for c in body.seriousness},
        products=None if body.products is None else {
            p.product: (p.causality.value, p.expected) for p in body.products
        },
        narrative=body.narrative, reason=body.reason,
    )  # fmt: skip
    return _event(context, principal, subject_id, event_id)


@router.post("/{subject_id}/adverse-events/{event_id}/reports", response_model=AdverseEventRead)
def record_report(
    body: ReportCreate, context: ContextDep, principal: ApiUser,
    subject_id: int = SubjectId, event_id: int = EventId,
) -> AdverseEventRead:  # fmt: skip
    """Enter when a report was sent; it stops the matching clock (met, or late by how much)."""
    adverse_event_follow_up.record_ae_report(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        adverse_event_id=event_id, recipient=body.recipient.value,
        reported_at=body.reported_at, reason=body.reason,
    )  # fmt: skip
    return _event(context, principal, subject_id, event_id)
