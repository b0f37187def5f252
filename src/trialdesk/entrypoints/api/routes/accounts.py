"""Account lifecycle: change one's password; an administrator's resets, deactivation, revocation
and the trial's sign-in settings. Each administrator's act needs a reason (audited)."""

from __future__ import annotations

from fastapi import APIRouter, Path

from trialdesk.domain.access import Action
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.admin import user_read
from trialdesk.entrypoints.api.schemas.accounts import (
    PasswordChange,
    PasswordChanged,
    PasswordResetRead,
    Reason,
    RoleRevoke,
    SecuritySettingsRead,
    SecuritySettingsUpdate,
)
from trialdesk.entrypoints.api.schemas.admin import UserRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.accounts import account_lifecycle, security_settings
from trialdesk.services.accounts.identity import require_study_action

__all__ = ["router"]

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)
_USERNAME = Path(min_length=1, max_length=64)


@router.post("/me/password", response_model=PasswordChanged)
def change_my_password(
    body: PasswordChange, context: ContextDep, principal: ApiUser
) -> PasswordChanged:
    """Change your own password (the current one is required); your other sessions end.

    A session signed in with a one-time or expired password may call this (and ``GET /me``)
    and nothing else until it has.
    """
    pending = account_lifecycle.change_password(
        context.store.new_uow(), as_user=principal.user_id,
        current_password=body.current_password, new_password=body.new_password,
        session_token=principal.session_token,
    )  # fmt: skip
    return PasswordChanged(pending_step=pending)


@router.post("/users/{username}/deactivate", response_model=UserRead)
def deactivate_user(
    body: Reason, context: ContextDep, principal: ApiUser, username: str = _USERNAME
) -> UserRead:
    """Deactivate an account: no sign-in, its sessions end and its API tokens stop working."""
    return user_read(account_lifecycle.deactivate_user(
        context.store.new_uow(), username=username, reason=body.reason, as_user=principal.user_id
    ))  # fmt: skip


@router.post("/users/{username}/reactivate", response_model=UserRead)
def reactivate_user(
    body: Reason, context: ContextDep, principal: ApiUser, username: str = _USERNAME
) -> UserRead:
    """Let a deactivated account sign in again."""
    return user_read(account_lifecycle.reactivate_user(
        context.store.new_uow(), username=username, reason=body.reason, as_user=principal.user_id
    ))  # fmt: skip


@router.post("/users/{username}/roles/revoke", response_model=UserRead)
def revoke_role(
    body: RoleRevoke, context: ContextDep, principal: ApiUser, username: str = _USERNAME
) -> UserRead:
    """Withdraw one role (the grant is kept, inactive, for the record)."""
    return user_read(account_lifecycle.revoke_role(
        context.store.new_uow(), username=username, role=body.role.value,
        site_code=body.site_code, reason=body.reason, as_user=principal.user_id,
    ))  # fmt: skip


@router.post("/users/{username}/password-reset", response_model=PasswordResetRead)
def reset_password(
    body: Reason, context: ContextDep, principal: ApiUser, username: str = _USERNAME
) -> PasswordResetRead:
    """Issue a one-time password (shown in this answer only); the user's sessions end.

    The user's API tokens keep working; deactivate the account to stop them.
    """
    reset = account_lifecycle.reset_password(
        context.store.new_uow(), username=username, reason=body.reason, as_user=principal.user_id
    )
    return PasswordResetRead(one_time_password=reset.password, user=user_read(reset.user))


@router.post("/users/{username}/two-factor-reset", response_model=UserRead)
def reset_two_factor(
    body: Reason, context: ContextDep, principal: ApiUser, username: str = _USERNAME
) -> UserRead:
    """Forget the user's authenticator and recovery codes; they set it up at the next sign-in."""
    return user_read(account_lifecycle.reset_two_factor(
        context.store.new_uow(), username=username, reason=body.reason, as_user=principal.user_id
    ))  # fmt: skip


def _settings_read(found: security_settings.SecuritySettings) -> SecuritySettingsRead:
    return SecuritySettingsRead(
        two_factor_roles=sorted(found.two_factor_roles),
        password_max_age_days=found.password_max_age_days,
    )


@router.get("/security-settings", response_model=SecuritySettingsRead)
def read_security_settings(context: ContextDep, principal: ApiUser) -> SecuritySettingsRead:
    """Which roles must sign in with two-factor codes, and how long a password lasts."""
    require_study_action(
        context.store.new_read_uow(), as_user=principal.user_id, action=Action.MANAGE_ACCOUNTS
    )
    return _settings_read(security_settings.read_security_settings(context.store.new_read_uow()))


@router.patch("/security-settings", response_model=SecuritySettingsRead)
def update_security_settings(
    body: SecuritySettingsUpdate, context: ContextDep, principal: ApiUser
) -> SecuritySettingsRead:
    """Change the sign-in settings (applies from each user's next sign-in)."""
    roles = None if body.two_factor_roles is None else [r.value for r in body.two_factor_roles]
    return _settings_read(security_settings.update_security_settings(
        context.store.new_uow(), as_user=principal.user_id, reason=body.reason,
        two_factor_roles=roles, password_max_age_days=body.password_max_age_days,
    ))  # fmt: skip
