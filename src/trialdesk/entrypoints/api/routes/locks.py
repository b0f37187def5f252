"""Locks at form, subject, site and study level (data managers); unlock with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.review import LockCreate, LockLevel, LockRead, UnlockCreate
from trialdesk.services.review import locks

__all__ = ["router"]

router = APIRouter(prefix="/locks", tags=["locks"], responses=ERROR_RESPONSES)

LockId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _one(context: ContextDep, principal: ApiUser, lock_id: int) -> LockRead | None:
    found = locks.active_locks(context.store.new_uow(), as_user=principal.user_id)
    return next((LockRead.model_validate(x) for x in found if x.id == lock_id), None)


@router.get("", response_model=list[LockRead])
def list_locks(
    context: ContextDep,
    principal: ApiUser,
    level: Annotated[LockLevel | None, Query()] = None,
    site_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[LockRead]:
    """Active locks on your sites and the study, oldest first; filter by level and site."""
    found = locks.active_locks(
        context.store.new_uow(), as_user=principal.user_id,
        level=None if level is None else level.value, site_id=site_id,
    )  # fmt: skip
    return [LockRead.model_validate(x) for x in found]


@router.post("", response_model=LockRead, status_code=201)
def create_lock(body: LockCreate, context: ContextDep, principal: ApiUser) -> LockRead:
    """Lock a form, subject, site or the study (409 if already locked); reason optional."""
    lock_id = locks.lock(
        context.store.new_uow(), as_user=principal.user_id, level=body.level.value,
        target_id=body.target_id,
        collection=None if body.collection is None else body.collection.value,
        reason=body.reason,
    )  # fmt: skip
    read = _one(context, principal, lock_id)
    assert read is not None
    return read


@router.post("/{lock_id}/unlock", status_code=204)
def unlock(lock_id: LockId, body: UnlockCreate, context: ContextDep, principal: ApiUser) -> None:
    """Lift a lock; the reason is required and audited."""
    locks.unlock(
        context.store.new_uow(), as_user=principal.user_id, lock_id=lock_id, reason=body.reason
    )
