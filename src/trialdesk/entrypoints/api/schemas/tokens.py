"""API tokens for scripts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

__all__ = ["ApiTokenCreate", "ApiTokenCreated", "ApiTokenRead"]


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for")


class ApiTokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiTokenCreated(ApiTokenRead):
    """Shown once: keep ``token``; only its hash is stored."""

    token: str
