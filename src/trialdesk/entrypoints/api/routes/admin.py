"""Administration: sites, users and role grants (sponsor administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from trialdesk.domain.access import PERMISSIONS, Action
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.admin import (
    RoleGrantCreate,
    RoleGrantRead,
    RoleRead,
    SiteCreate,
    SiteRead,
    SiteTimeZoneUpdate,
    UserCreate,
    UserRead,
)
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.accounts import accounts, site_zones
from trialdesk.services.accounts.identity import require_study_action

__all__ = ["router"]

router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)


def _require_admin(context: ContextDep, principal: ApiUser) -> None:
    require_study_action(
        context.store.new_uow(), as_user=principal.user_id, action=Action.MANAGE_ACCOUNTS
    )


def user_read(user: accounts.UserRead) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        is_active=user.is_active,
        locked_until=user.locked_until,
        roles=[RoleGrantRead(role=g.role, site_code=g.site_code) for g in user.roles],
        must_change_password=user.must_change_password,
        two_factor_enrolled=user.two_factor_enrolled,
    )


@router.get("/sites", response_model=list[SiteRead])
def list_sites(context: ContextDep, principal: ApiUser) -> list[SiteRead]:
    """Every trial site."""
    _require_admin(context, principal)
    return [
        SiteRead(id=s.id, code=s.code, name=s.name, time_zone=s.time_zone)
        for s in accounts.list_sites(context.store.new_uow())
    ]


@router.post("/sites", response_model=SiteRead, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, context: ContextDep, principal: ApiUser) -> SiteRead:
    """Register a trial site."""
    site = accounts.create_site(
        context.store.new_uow(), code=body.code, name=body.name, as_user=principal.user_id
    )
    return SiteRead(id=site.id, code=site.code, name=site.name)


@router.patch("/sites/{code}", response_model=SiteRead)
def set_site_time_zone(
    body: SiteTimeZoneUpdate,
    context: ContextDep,
    principal: ApiUser,
    code: str = Path(min_length=1, max_length=32),
) -> SiteRead:
    """Set the site's time zone (pages show its times there), or null for the protocol default."""
    site_zones.set_site_time_zone(
        context.store.new_uow(), code=code, zone=body.time_zone, as_user=principal.user_id
    )
    site = next(s for s in accounts.list_sites(context.store.new_uow()) if s.code == code)
    return SiteRead(id=site.id, code=site.code, name=site.name, time_zone=site.time_zone)


@router.get("/users", response_model=list[UserRead])
def list_users(context: ContextDep, principal: ApiUser) -> list[UserRead]:
    """Every account with its active roles."""
    _require_admin(context, principal)
    return [user_read(u) for u in accounts.list_users(context.store.new_uow())]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, context: ContextDep, principal: ApiUser) -> UserRead:
    """Create a personal account with a first role."""
    user = accounts.create_user(
        context.store.new_uow(),
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        role=body.role.value,
        site_code=body.site_code,
        as_user=principal.user_id,
    )
    return user_read(user)


@router.post(
    "/users/{username}/roles", response_model=UserRead, status_code=status.HTTP_201_CREATED
)
def grant_role(
    body: RoleGrantCreate,
    context: ContextDep,
    principal: ApiUser,
    username: str = Path(min_length=1, max_length=64),
) -> UserRead:
    """Give a user one more role, at a site or study-wide."""
    user = accounts.grant_role(
        context.store.new_uow(),
        username=username,
        role=body.role.value,
        site_code=body.site_code,
        as_user=principal.user_id,
    )
    return user_read(user)


@router.get("/roles", response_model=list[RoleRead])
def list_roles(_principal: ApiUser) -> list[RoleRead]:
    """Every role and the actions it allows."""
    return [RoleRead(role=role, actions=sorted(actions)) for role, actions in PERMISSIONS.items()]
