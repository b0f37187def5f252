"""An account after creation: password change and reset, deactivation, role revocation.

21 CFR 11.300 asks for periodic password checks and for loss management; every change here is
audited in its own transaction with who did it, to whom, when and (for an administrator's act)
why. Administrators may not use these paths on their own account: another administrator, or the
command-line operator, resets or deactivates an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import FieldError, InputError, NotFoundError, PermissionDeniedError
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.accounts.accounts import (
    PASSWORD_POLICY,
    UserRead,
    admin_actor,
    read_user,
    user_by_name,
)
from trialdesk.services.accounts.sessions import end_sessions, live_session
from trialdesk.services.accounts.sign_in import advance_session, password_matches
from trialdesk.services.clinical.recording import audit_event, require_reason
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.trial.first_run import generate_password

__all__ = [
    "PasswordReset",
    "change_password",
    "change_password_of",
    "deactivate_user",
    "reactivate_user",
    "reset_password",
    "reset_two_factor",
    "revoke_role",
]


def _why(reason: str | None) -> str:
    try:
        return require_reason(reason)
    except InputError:
        raise InputError.single("reason", "say why (it is kept in the audit trail)") from None


def _refuse_self(actor: Actor, user: Record, what: str) -> None:
    if actor.user_id is not None and actor.user_id == user["id"]:
        raise PermissionDeniedError(
            f"You may not {what} your own account here: ask another administrator"
        )


def _new_password_problems(password: str, username: str, current_hash: str | None,
                           uow: UnitOfWork) -> list[FieldError]:  # fmt: skip
    problems = [
        FieldError("new_password", p.message)
        for p in PASSWORD_POLICY.problems(password, username=username)
    ]
    if not problems and current_hash is not None and uow.passwords.verify(current_hash, password):
        problems.append(FieldError("new_password", "must differ from the current password"))
    return problems


def change_password(
    uow: UnitOfWork,
    *,
    as_user: int,
    current_password: str,
    new_password: str,
    session_token: str | None = None,
) -> str | None:
    """Change one's own password (the current one is required); the session's next step.

    A wrong current password counts towards the lockout (this is a password check like any
    other) and is reported on ``current_password``. The user's other sessions end; the one the
    change was made in (``session_token``) goes on to its next sign-in step, if any.
    """
    if not new_password:
        raise InputError.single("new_password", "is required")
    with uow:
        actor = load_actor(uow, as_user)
        user = password_matches(uow, as_user, current_password)
        if user is None:
            uow.commit()  # the failure counts, whatever happens next
            raise InputError.single("current_password", "is not your current password")
        problems = _new_password_problems(
            new_password, user["username"], user["password_hash"], uow
        )
        if problems:
            raise InputError(problems)
        now = uow.clock.now()
        uow.records.update(
            "users", as_user,
            {"password_hash": uow.passwords.hash(new_password), "password_changed_at": now,
             "must_change_password": False},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", as_user,
            field="password", new="changed by its owner", reason="password changed by its owner",
        )  # fmt: skip
        keep = None
        pending = None
        if session_token is not None:
            pending = advance_session(uow, session_token, second_factor_done=True)
            keep = _session_id(uow, session_token)
        end_sessions(uow, actor, as_user, keep=keep, reason="password changed")
        uow.commit()
    return pending


def change_password_of(
    uow: UnitOfWork, *, username: str, current_password: str, new_password: str
) -> None:
    """:func:`change_password` for someone who names their account (the command line)."""
    with uow:
        found = uow.records.find("users", username=username)
    if not found:
        # The same answer as a wrong password: the command line tells no more than the login.
        raise InputError.single("current_password", "is not your current password")
    change_password(
        uow, as_user=int(found[0]["id"]), current_password=current_password,
        new_password=new_password,
    )  # fmt: skip


def _session_id(uow: UnitOfWork, token: str) -> int:
    return live_session(uow, token).session_id


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """An administrator's reset: the one-time password, shown once, and the account after it."""

    password: str
    user: UserRead


def reset_password(
    uow: UnitOfWork, *, username: str, reason: str, as_user: int | None
) -> PasswordReset:
    """Issue a one-time password (changed at the next sign-in); the account is unlocked.

    Every open session of the user ends. The user's API tokens keep working: they are separate
    credentials, revoked by their owner or by deactivating the account.
    """
    why = _why(reason)
    with uow:
        actor = admin_actor(uow, as_user)
        user = user_by_name(uow, username)
        _refuse_self(actor, user, "reset the password of")
        password = generate_password()
        uow.records.update(
            "users", user["id"],
            {"password_hash": uow.passwords.hash(password), "must_change_password": True,
             "password_changed_at": uow.clock.now(), "failed_logins": 0, "locked_until": None},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
            field="password", old=username, new="one-time password issued", reason=why,
        )  # fmt: skip
        end_sessions(uow, actor, user["id"], reason="password reset by an administrator")
        result = read_user(uow, {**user, "must_change_password": True, "locked_until": None})
        uow.commit()
    return PasswordReset(password, result)


def _set_active(
    uow: UnitOfWork, username: str, reason: str, as_user: int | None, *, active: bool
) -> UserRead:
    why = _why(reason)
    with uow:
        actor = admin_actor(uow, as_user)
        user = user_by_name(uow, username)
        _refuse_self(actor, user, "deactivate" if not active else "reactivate")
        if bool(user["is_active"]) == active:
            state = "active" if active else "deactivated"
            raise InputError.single("username", f"{username} is already {state}")
        uow.records.update("users", user["id"], {"is_active": active})
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
            field="is_active", old=not active, new=active, reason=why,
        )  # fmt: skip
        if not active:
            end_sessions(uow, actor, user["id"], reason="account deactivated")
        result = read_user(uow, {**user, "is_active": active})
        uow.commit()
    return result


def deactivate_user(
    uow: UnitOfWork, *, username: str, reason: str, as_user: int | None
) -> UserRead:
    """Disable an account (never deleted or handed on): no sign-in, its API tokens stop."""
    return _set_active(uow, username, reason, as_user, active=False)


def reactivate_user(
    uow: UnitOfWork, *, username: str, reason: str, as_user: int | None
) -> UserRead:
    """Let a deactivated account sign in again (its roles are as they were)."""
    return _set_active(uow, username, reason, as_user, active=True)


def revoke_role(
    uow: UnitOfWork,
    *,
    username: str,
    role: str,
    site_code: str | None,
    reason: str,
    as_user: int | None,
) -> UserRead:
    """Withdraw a role; the grant row stays (inactive) so history keeps who could do what."""
    why = _why(reason)
    try:
        parsed = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError.single("role", f"unknown role {role!r}; use one of: {allowed}") from None
    with uow:
        actor = admin_actor(uow, as_user)
        user = user_by_name(uow, username)
        site_id = None
        if site_code is not None:
            sites = uow.records.find("sites", code=site_code)
            if not sites:
                raise NotFoundError(f"site {site_code!r} not found")
            site_id = sites[0]["id"]
        grants = uow.records.find(
            "role_assignments", user_id=user["id"], role=parsed.value, site_id=site_id,
            is_active=True,
        )  # fmt: skip
        if not grants:
            raise NotFoundError(f"{username} holds no {parsed.value} role there")
        uow.records.update("role_assignments", grants[0]["id"], {"is_active": False})
        audit_event(
            uow, actor, AuditAction.ROLE_REVOKED, "role_assignments", grants[0]["id"],
            old={"username": username, "role": parsed.value, "site": site_code}, reason=why,
        )  # fmt: skip
        result = read_user(uow, user)
        uow.commit()
    return result


def reset_two_factor(
    uow: UnitOfWork, *, username: str, reason: str, as_user: int | None
) -> UserRead:
    """Forget a user's authenticator and recovery codes (a lost phone); they enrol again."""
    why = _why(reason)
    with uow:
        actor = admin_actor(uow, as_user)
        user = user_by_name(uow, username)
        _refuse_self(actor, user, "reset two-factor sign-in of")
        if user["totp_secret"] is None:
            raise InputError.single("username", f"{username} has no two-factor sign-in to reset")
        uow.records.update(
            "users", user["id"],
            {"totp_secret": None, "totp_confirmed_at": None, "totp_last_step": None},
        )  # fmt: skip
        now = uow.clock.now()
        for code in uow.records.find("recovery_codes", user_id=user["id"], used_at=None):
            uow.records.update("recovery_codes", code["id"], {"used_at": now})
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
            field="two_factor", old="enrolled", new="reset", reason=why,
        )  # fmt: skip
        end_sessions(uow, actor, user["id"], reason="two-factor sign-in reset")
        result = read_user(uow, {**user, "totp_confirmed_at": None})
        uow.commit()
    return result
