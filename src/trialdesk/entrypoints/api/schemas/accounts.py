"""Account lifecycle bodies: password change and reset, deactivation, revocation, settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from trialdesk.domain.access import Role
from trialdesk.entrypoints.api.schemas.admin import UserRead
from trialdesk.entrypoints.api.schemas.text import Code, Line, Password

__all__ = [
    "PasswordChange",
    "PasswordChanged",
    "PasswordResetRead",
    "Reason",
    "RoleRevoke",
    "SecuritySettingsRead",
    "SecuritySettingsUpdate",
]

#: Why an administrator acts on an account (kept in the audit trail).
ReasonText = Annotated[Line, Field(examples=["left the study team"])]


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


class PasswordChanged(BaseModel):
    """What is left of the session's sign-in (``null`` for a token or a complete sign-in)."""

    pending_step: str | None


class Reason(BaseModel):
    reason: ReasonText


class RoleRevoke(BaseModel):
    role: Role
    site_code: Code | None = Field(None, description="The site of a site role; null if study-wide.")
    reason: ReasonText


class PasswordResetRead(BaseModel):
    """The one-time password: in this answer only; it must be changed at the next sign-in."""

    one_time_password: str
    user: UserRead


class SecuritySettingsRead(BaseModel):
    two_factor_roles: list[Role]
    password_max_age_days: int = Field(description="0: passwords never expire.")


class SecuritySettingsUpdate(BaseModel):
    two_factor_roles: list[Role] | None = None
    password_max_age_days: int | None = Field(None, ge=0, le=3650)
    reason: ReasonText
