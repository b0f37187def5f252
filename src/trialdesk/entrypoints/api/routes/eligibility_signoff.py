"""The investigator's part of eligibility: attest judgement criteria, sign the eligibility.

Only an investigator at the subject's site may do either; another site's subject is "not found".
"""

from __future__ import annotations

from fastapi import APIRouter, status

from trialdesk.domain.errors import AuthenticationError, InputError
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.clinical import SignatureRead
from trialdesk.entrypoints.api.schemas.eligibility_signoff import (
    AttestationCreate,
    EligibilitySignatureCreate,
)
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.subjects import EligibilityRead
from trialdesk.entrypoints.api.subject_reads import eligibility_result_read
from trialdesk.services.subjects import eligibility_signoff

__all__ = ["router"]

router = APIRouter(prefix="/subjects", tags=["subjects"], responses=ERROR_RESPONSES)


@router.post("/{subject_id}/screening/attestations", response_model=EligibilityRead)
def attest_criteria(
    body: AttestationCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> EligibilityRead:
    """Answer investigator-only criteria on the latest screening record (investigators only)."""
    result = eligibility_signoff.attest_criteria(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        answers=body.answers, protocol=context.protocol, reason=body.reason,
    )  # fmt: skip
    return eligibility_result_read(result)


@router.post(
    "/{subject_id}/eligibility-signature",
    response_model=SignatureRead,
    status_code=status.HTTP_201_CREATED,
)
def sign_eligibility(
    body: EligibilitySignatureCreate,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
) -> SignatureRead:
    """Sign the latest screening record: the subject meets every criterion (investigators only)."""
    try:
        signed = eligibility_signoff.sign_eligibility(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            password=body.password,
        )  # fmt: skip
    except AuthenticationError as error:
        # Re-entering the password is part of the form; the session itself is still good.
        raise InputError.single("password", error.message) from None
    manifest = signed.signature
    return SignatureRead(
        id=manifest.id, entity="screening_records", entity_id=signed.screening_id,
        printed_name=manifest.printed_name, signed_at=manifest.signed_at,
        meaning=manifest.meaning, is_valid=manifest.is_valid,
    )  # fmt: skip
