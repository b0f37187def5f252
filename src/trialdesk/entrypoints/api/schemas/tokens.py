"""API tokens for scripts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from trialdesk.entrypoints.api.schemas.text import Line
from trialdesk.services.accounts.api_tokens import DEFAULT_VALID_DAYS, MAX_VALID_DAYS

__all__ = ["ApiTokenCreate", "ApiTokenCreated", "ApiTokenRead"]


class ApiTokenCreate(BaseModel):
    name: Annotated[Line, Field(max_length=100)] = Field(description="What the token is for")
    valid_days: int = Field(
        DEFAULT_VALID_DAYS,
        ge=1,
        le=MAX_VALID_DAYS,
        description=f"Days until the token expires (1–{MAX_VALID_DAYS})",
    )


class ApiTokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime = Field(description="After this instant the token is refused (401)")
    revoked_at: dt.datetime | None
    expired: bool


class ApiTokenCreated(ApiTokenRead):
    """Shown once: keep ``token``; only its hash is stored."""

    token: str
