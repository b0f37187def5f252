"""Subjects: the ones you may see; another site's subject is "not found", like a missing one."""

from __future__ import annotations

from fastapi import APIRouter, Path

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.subjects import SubjectRead
from trialdesk.services import subjects

__all__ = ["router"]

router = APIRouter(prefix="/subjects", tags=["subjects"], responses=ERROR_RESPONSES)


def _read(subject: subjects.SubjectRead) -> SubjectRead:
    return SubjectRead(
        id=subject.id,
        screening_number=subject.screening_number,
        subject_code=subject.subject_code,
        site_code=subject.site_code,
        state=subject.state,
    )


@router.get("", response_model=list[SubjectRead])
def list_subjects(context: ContextDep, principal: ApiUser) -> list[SubjectRead]:
    """Subjects of the sites where your roles let you see subjects."""
    found = subjects.list_subjects(context.store.new_uow(), as_user=principal.user_id)
    return [_read(s) for s in found]


@router.get("/{subject_id}", response_model=SubjectRead)
def read_subject(
    context: ContextDep, principal: ApiUser, subject_id: int = Path(ge=1, le=2**31 - 1)
) -> SubjectRead:
    """One subject, if your roles at its site let you see it."""
    found = subjects.get_subject(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id
    )
    return _read(found)
