"""The trial dashboard's figures for the signed-in user's roles and sites."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.dashboard import DashboardRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.review.dashboard import trial_dashboard

__all__ = ["router"]

router = APIRouter(prefix="/dashboard", tags=["dashboard"], responses=ERROR_RESPONSES)


@router.get("", response_model=DashboardRead)
def read_dashboard(context: ContextDep, principal: ApiUser) -> DashboardRead:
    """Enrollment by site and arm, screen failures, open SAEs, overdue items, open queries."""
    figures = trial_dashboard(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol
    )
    return DashboardRead.model_validate(figures)
