"""The signed-in user's worklists: what each of their roles has to do next."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.review.worklists import load_worklists

__all__ = ["router"]

router = APIRouter(prefix="/worklist", tags=["worklist"], responses=ERROR_RESPONSES)


class WorkItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str
    #: The page where the work is done.
    href: str
    site: str
    overdue: bool


class WorkSectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    title: str
    items: list[WorkItemRead]


@router.get("", response_model=list[WorkSectionRead])
def read_worklist(context: ContextDep, principal: ApiUser) -> list[WorkSectionRead]:
    """Per role held: due and overdue items, forms to complete, queries, SDV backlog, locks,
    signatures due; empty for a role without subjects."""
    sections = load_worklists(
        context.store.new_read_uow(), as_user=principal.user_id, protocol=context.protocol
    )
    return [WorkSectionRead.model_validate(s) for s in sections]
