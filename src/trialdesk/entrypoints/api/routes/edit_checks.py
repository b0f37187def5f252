"""The edit checks' dry run: what a record would be told before it is saved."""

from __future__ import annotations

from fastapi import APIRouter, Path

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.edit_checks import (
    EditCheckPreview,
    FindingRead,
    FindingsRead,
)
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.clinical import edit_checks

__all__ = ["router"]

router = APIRouter(prefix="/subjects", tags=["clinical"], responses=ERROR_RESPONSES)

Collection = Path(
    min_length=1,
    max_length=32,
    pattern=r"^[a-z_]+$",
    examples=["dose_administrations"],
    description="The kind of record: visits, dose_administrations, gvhd_assessments, …",
)


@router.post("/{subject_id}/edit-checks/{collection}", response_model=FindingsRead)
def preview_edit_checks(
    body: EditCheckPreview,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    collection: str = Collection,
) -> FindingsRead:
    """Run the protocol's edit checks on would-be values; saves nothing.

    Hard findings would refuse the save; soft ones would need ``confirm`` and a ``reason``.
    """
    findings = edit_checks.preview_checks(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        collection=collection, values=body.values, protocol=context.protocol,
    )  # fmt: skip
    return FindingsRead(
        findings=[
            FindingRead(code=f.code, severity=f.severity, field=f.field, message=f.message)
            for f in findings
        ]
    )
