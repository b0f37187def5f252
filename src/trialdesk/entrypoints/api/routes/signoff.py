"""Casebook sign-off by the site's investigator, its manifest, and the sign-off worklist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.review import (
    AwaitingSignatureRead,
    CasebookSignatureCreate,
    CasebookSignatureRead,
    CasebookStatusRead,
    RecordSignatureRead,
)
from trialdesk.services.review import casebook_signoff, review

__all__ = ["router"]

router = APIRouter(tags=["casebook sign-off"], responses=ERROR_RESPONSES)


@router.post(
    "/subjects/{subject_id}/casebook/signature",
    response_model=CasebookSignatureRead,
    status_code=201,
)
def sign_casebook(
    body: CasebookSignatureCreate,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
) -> CasebookSignatureRead:
    """Sign the whole casebook (the site's investigator, password re-entered)."""
    signed = casebook_signoff.sign_casebook(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        password=body.password, meaning=body.meaning,
    )  # fmt: skip
    return CasebookSignatureRead.model_validate(signed)


@router.get("/subjects/{subject_id}/casebook/signature", response_model=CasebookStatusRead)
def read_casebook_signature(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> CasebookStatusRead:
    """The latest casebook signature and whether it still holds (null: never signed)."""
    found = casebook_signoff.casebook_signature(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id
    )
    return CasebookStatusRead(
        signature=None if found is None else CasebookSignatureRead.model_validate(found)
    )


@router.get("/signatures/awaiting", response_model=list[AwaitingSignatureRead])
def awaiting(context: ContextDep, principal: ApiUser) -> list[AwaitingSignatureRead]:
    """Casebooks of your sites awaiting your signature (never signed or invalidated)."""
    found = casebook_signoff.awaiting_signature(context.store.new_uow(), as_user=principal.user_id)
    return [AwaitingSignatureRead.model_validate(w) for w in found]


# After /signatures/awaiting, so that path is not read as a signature id.
@router.get("/signatures/{signature_id}", response_model=RecordSignatureRead)
def read_signature(
    signature_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    context: ContextDep,
    principal: ApiUser,
) -> RecordSignatureRead:
    """One record signature's manifest, and whether it still holds for the record as it is."""
    found = review.check_signature(
        context.store.new_uow(), as_user=principal.user_id, signature_id=signature_id
    )
    return RecordSignatureRead.model_validate(found)
