"""The signed-in user."""

from __future__ import annotations

from pydantic import BaseModel

from trialdesk.entrypoints.api.schemas.admin import RoleGrantRead

__all__ = ["MeRead"]


class MeRead(BaseModel):
    user_id: int
    username: str
    full_name: str
    roles: list[RoleGrantRead]
