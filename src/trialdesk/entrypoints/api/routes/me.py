"""``GET /api/v1/me``: who the credentials belong to."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.api.deps import ApiUser
from trialdesk.entrypoints.api.schemas.admin import RoleGrantRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.me import MeRead

__all__ = ["router"]

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)


@router.get("", response_model=MeRead)
def read_me(principal: ApiUser) -> MeRead:
    """The signed-in user and their roles."""
    user = principal.user
    return MeRead(
        user_id=user.user_id,
        username=user.username,
        full_name=user.full_name,
        roles=[RoleGrantRead(role=g.role, site_code=g.site_code) for g in user.grants],
    )
