"""Sites, users and role grants (administration; sponsor administrators only)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from trialdesk.domain.access import Action, Role

__all__ = [
    "RoleGrantCreate",
    "RoleGrantRead",
    "RoleRead",
    "SiteCreate",
    "SiteRead",
    "UserCreate",
    "UserRead",
]


class SiteCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, examples=["PKU01"])
    name: str = Field(min_length=1, max_length=200)


class SiteRead(BaseModel):
    id: int
    code: str
    name: str


class RoleGrantCreate(BaseModel):
    role: Role
    site_code: str | None = Field(
        default=None, max_length=32, description="Site for site roles; none for study-wide roles"
    )


class RoleGrantRead(BaseModel):
    role: Role
    site_code: str | None


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    role: Role
    site_code: str | None = Field(default=None, max_length=32)


class UserRead(BaseModel):
    id: int
    username: str
    full_name: str
    is_active: bool
    locked_until: dt.datetime | None
    roles: list[RoleGrantRead]


class RoleRead(BaseModel):
    """A role and the actions it allows (the one permission model)."""

    role: Role
    actions: list[Action]
