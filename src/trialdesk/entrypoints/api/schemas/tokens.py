"""API tokens for scripts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from trialdesk.entrypoints.api.schemas.text import Line

__all__ = ["ApiTokenCreate", "ApiTokenCreated", "ApiTokenRead"]


class ApiTokenCreate(BaseModel):
    name: Annotated[Line, Field(max_length=100)] = Field(description="What the token is for")


class ApiTokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiTokenCreated(ApiTokenRead):
    """Shown once: keep ``token``; only its hash is stored."""

    token: str
