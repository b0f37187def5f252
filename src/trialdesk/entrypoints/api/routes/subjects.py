"""Subjects: register, screen, consent, change state, randomize, and read the subject's record.

Another site's subject is "not found", exactly like a missing one (the services decide).
"""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.accounts import Reason
from trialdesk.entrypoints.api.schemas.clinical import AuditEntryRead, SubjectDetailRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.subjects import (
    AllocationRead,
    ConsentCreate,
    CreatedRead,
    RandomizationCreate,
    ScreeningCreate,
    ScreeningSaved,
    StateChangeCreate,
    SubjectCreate,
    SubjectRead,
)
from trialdesk.entrypoints.api.subject_reads import (
    audit_entry_read,
    current_subject,
    eligibility_read,
    subject_detail_read,
    subject_read,
)
from trialdesk.services.randomization.randomization import flag_allocation_error, randomize_subject
from trialdesk.services.subjects import subject_view, subjects

__all__ = ["SubjectId", "router"]

router = APIRouter(prefix="/subjects", tags=["subjects"], responses=ERROR_RESPONSES)

#: A subject id in the path (bounded so no database sees an out-of-range integer).
SubjectId = Path(ge=1, le=2**31 - 1)


@router.get("", response_model=list[SubjectRead])
def list_subjects(context: ContextDep, principal: ApiUser) -> list[SubjectRead]:
    """Subjects of the sites where your roles let you see subjects."""
    found = subjects.list_subjects(context.store.new_uow(), as_user=principal.user_id)
    return [subject_read(s) for s in found]


@router.post("", response_model=SubjectRead, status_code=status.HTTP_201_CREATED)
def register_subject(body: SubjectCreate, context: ContextDep, principal: ApiUser) -> SubjectRead:
    """Register a subject in screening at one of your sites."""
    created = subjects.register_subject(
        context.store.new_uow(), as_user=principal.user_id, site_code=body.site_code,
        screening_number=body.screening_number,
    )  # fmt: skip
    return subject_read(created)


@router.get("/{subject_id}", response_model=SubjectRead)
def read_subject(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SubjectRead:
    """One subject, if your roles at its site let you see it."""
    return current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )


@router.get("/{subject_id}/detail", response_model=SubjectDetailRead)
def read_subject_detail(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SubjectDetailRead:
    """The subject page's data: allocation, timeline, assessments, next step, AEs, signatures."""
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    return subject_detail_read(page)


@router.get("/{subject_id}/audit", response_model=list[AuditEntryRead])
def read_subject_audit(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> list[AuditEntryRead]:
    """The subject's audit trail (times in UTC)."""
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    return [audit_entry_read(e) for e in page.audit]


@router.post(
    "/{subject_id}/screenings", response_model=ScreeningSaved, status_code=status.HTTP_201_CREATED
)
def record_screening(
    body: ScreeningCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> ScreeningSaved:
    """Save a screening record; eligibility per criterion is derived.

    An answered criterion that fails moves the subject to screen failed; missing answers leave
    the screening incomplete (the subject stays in screening, ``missing`` lists them).
    """
    answers = {k: v for k, v in body.answers.items() if v is not None}
    subjects.record_screening(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        screened_on=body.screened_on, answers=answers, protocol=context.protocol,
        confirm=body.confirm, confirm_reason=body.reason,
    )  # fmt: skip
    verdict = eligibility_read(context.protocol, answers)
    subject = current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
    return ScreeningSaved(**verdict.model_dump(), subject=subject)


@router.post(
    "/{subject_id}/consents", response_model=CreatedRead, status_code=status.HTTP_201_CREATED
)
def record_consent(
    body: ConsentCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> CreatedRead:
    """Record informed consent."""
    consent_id = subjects.record_consent(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        consented_on=body.consented_on, form_version=body.form_version,
        obtained_by=body.obtained_by, protocol=context.protocol, confirm=body.confirm,
        confirm_reason=body.reason,
    )  # fmt: skip
    subject = current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
    return CreatedRead(id=consent_id, subject=subject)


@router.post("/{subject_id}/state", response_model=SubjectRead)
def change_state(
    body: StateChangeCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SubjectRead:
    """Move the subject through its lifecycle (eligible, screen failed with a reason, …)."""
    changed = subjects.change_state(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        target=body.state.value, reason=body.reason,
    )  # fmt: skip
    return subject_read(changed)


@router.post(
    "/{subject_id}/randomization",
    response_model=AllocationRead,
    status_code=status.HTTP_201_CREATED,
)
def randomize(
    body: RandomizationCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> AllocationRead:
    """Allocate the subject to an arm (irrevocable); you see the arm and time, nothing more."""
    allocation = randomize_subject(
        context.store.new_randomization_uow(), as_user=principal.user_id, subject_id=subject_id,
        stratification={
            "baseline_grade": body.baseline_grade,
            "gi_involvement": "yes" if body.gi_involvement else "no",
        },
    )  # fmt: skip
    subject = current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
    return AllocationRead(
        subject=subject, arm=allocation.arm,
        arm_label=context.protocol.arm(allocation.arm).label,
        allocated_at=allocation.allocated_at, allocated_by=allocation.allocated_by,
    )  # fmt: skip


@router.post("/{subject_id}/randomization/error", response_model=SubjectRead)
def flag_allocation_made_in_error(
    body: Reason, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SubjectRead:
    """Flag the subject's allocation as made in error, with the reason.

    The allocation stays (nothing is re-randomized) and the subject stays in the
    intention-to-treat set; the balance report counts flagged allocations.
    """
    flag_allocation_error(
        context.store.new_randomization_uow(), as_user=principal.user_id,
        subject_id=subject_id, reason=body.reason,
    )  # fmt: skip
    return current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
