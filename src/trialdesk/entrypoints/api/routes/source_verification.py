"""Source data verification: mark a form or a field verified, withdraw, worklist, progress.

The same service checks as the pages: only the subject's site monitor verifies; another site's
record is "not found".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.corrections import Collection
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.review import (
    SdvMarkRead,
    SdvProgressRead,
    VerificationCreate,
    VerificationDelete,
    WorklistItemRead,
    WorklistRead,
)
from trialdesk.services.clinical import corrections
from trialdesk.services.review import source_verification

__all__ = ["router"]

router = APIRouter(tags=["source verification"], responses=ERROR_RESPONSES)

RecordId = Path(ge=1, le=2**31 - 1)


def _marks(context: ContextDep, principal: ApiUser, subject_id: int) -> list[SdvMarkRead]:
    found = source_verification.marks_of_subject(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id
    )
    return [SdvMarkRead.model_validate(m) for m in found]


@router.post(
    "/subjects/{subject_id}/{collection}/{record_id}/verification",
    response_model=list[SdvMarkRead],
    status_code=201,
)
def verify(
    body: VerificationCreate,
    collection: Collection,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    record_id: int = RecordId,
) -> list[SdvMarkRead]:
    """Mark a form (no ``field``) or one field verified against source (monitors); the
    subject's marks afterwards."""
    source_verification.mark_verified(
        context.store.new_uow(), as_user=principal.user_id,
        table=corrections.COLLECTIONS[collection.value], record_id=record_id,
        field=body.field, subject_id=subject_id,
    )  # fmt: skip
    return _marks(context, principal, subject_id)


@router.delete(
    "/subjects/{subject_id}/{collection}/{record_id}/verification",
    response_model=list[SdvMarkRead],
)
def unverify(
    body: VerificationDelete,
    collection: Collection,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    record_id: int = RecordId,
) -> list[SdvMarkRead]:
    """Withdraw a verification made in error, with a reason."""
    source_verification.unverify(
        context.store.new_uow(), as_user=principal.user_id,
        table=corrections.COLLECTIONS[collection.value], record_id=record_id,
        field=body.field, reason=body.reason, subject_id=subject_id,
    )  # fmt: skip
    return _marks(context, principal, subject_id)


@router.get("/subjects/{subject_id}/verification", response_model=list[SdvMarkRead])
def subject_marks(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> list[SdvMarkRead]:
    """Every SDV mark of the subject, live and reset, oldest first."""
    return _marks(context, principal, subject_id)


@router.get("/source-verification/worklist", response_model=WorklistRead)
def worklist(
    context: ContextDep,
    principal: ApiUser,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> WorklistRead:
    """The monitor's records to verify per the protocol's SDV plan, by site, oldest first."""
    items, total = source_verification.worklist(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol,
        offset=offset, limit=limit,
    )  # fmt: skip
    return WorklistRead(items=[WorklistItemRead.model_validate(i) for i in items], total=total)


@router.get("/source-verification/progress", response_model=list[SdvProgressRead])
def progress(context: ContextDep, principal: ApiUser) -> list[SdvProgressRead]:
    """Required and verified records per site you may see."""
    found = source_verification.progress_by_site(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol
    )
    return [
        SdvProgressRead(site_code=code, required=p.required, verified=p.verified, percent=p.percent)
        for code, p in found.items()
    ]
