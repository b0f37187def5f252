"""Sites, users and role grants (administration; sponsor administrators only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from trialdesk.domain.access import Action, Role
from trialdesk.entrypoints.api.schemas.text import Code, Line, Password

__all__ = [
    "RoleGrantCreate",
    "RoleGrantRead",
    "RoleRead",
    "SiteCreate",
    "SiteRead",
    "SiteTimeZoneUpdate",
    "UserCreate",
    "UserRead",
]


class SiteCreate(BaseModel):
    code: Code = Field(examples=["PKU01"])
    name: Line


class SiteRead(BaseModel):
    id: int
    code: str
    name: str
    time_zone: str | None = Field(
        default=None, description="IANA time zone of the site; null follows the protocol default"
    )


class SiteTimeZoneUpdate(BaseModel):
    time_zone: Annotated[str, Field(max_length=64)] | None = Field(
        examples=["Asia/Shanghai"],
        description="IANA time zone name; null (or empty) returns to the protocol default",
    )


class RoleGrantCreate(BaseModel):
    role: Role
    site_code: Code | None = Field(
        default=None, description="Site for site roles; none for study-wide roles"
    )


class RoleGrantRead(BaseModel):
    role: Role
    site_code: str | None


class UserCreate(BaseModel):
    username: Annotated[Line, Field(max_length=64)]
    full_name: Line
    password: Password
    role: Role
    site_code: Code | None = None


class UserRead(BaseModel):
    id: int
    username: str
    full_name: str
    is_active: bool
    locked_until: dt.datetime | None
    roles: list[RoleGrantRead]
    must_change_password: bool = Field(
        False, description="The password is one-time and must be changed at the next sign-in."
    )
    two_factor_enrolled: bool = False


class RoleRead(BaseModel):
    """A role and the actions it allows (the one permission model)."""

    role: Role
    actions: list[Action]
