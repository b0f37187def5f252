"""Signing in: the password check with lockout, then the steps a session must pass before use.

The failed-login counter is changed under a lock on the user's row (``SELECT … FOR UPDATE`` on
PostgreSQL, the write lock on SQLite), so parallel guesses queue: once five have failed the rest
find the account locked and are never checked against the password, and every failure counted is
audited. Every refusal says the same thing, whether the account exists, is locked or the password
is wrong, and an unknown username costs one password hash like a known one, so neither the answer
nor its timing tells an attacker which accounts exist.

A session opened by a correct password may still have steps to pass, recorded on the session
(``pending_step``): the two-factor code (when enrolled), a password change (one-time or expired
password), then two-factor enrolment (when the user's roles require it). Until they are done the
session reaches only the page of its step.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from trialdesk.domain.access import LockoutPolicy, Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import AuthenticationError, InputError
from trialdesk.domain.password_policy import password_expired
from trialdesk.services.accounts import totp
from trialdesk.services.accounts.access import Actor
from trialdesk.services.accounts.security_settings import security_settings_in
from trialdesk.services.accounts.sessions import (
    SESSION_POLICY,
    Session,
    live_session,
    session_token_hash,
)
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "LOCKOUT_POLICY",
    "SIGN_IN_FAILED",
    "SignInStep",
    "login",
    "submit_second_factor",
    "verify_password",
]

LOCKOUT_POLICY = LockoutPolicy()
#: The one answer to every failed sign-in: it tells the rule, never which rule applied.
SIGN_IN_FAILED = (
    f"Sign-in failed. After {LOCKOUT_POLICY.max_failures} failed attempts an account is locked"
    f" for {int(LOCKOUT_POLICY.lock_duration.total_seconds() // 60)} minutes."
)
#: Hashed once per process and verified for unknown usernames, so they take as long as known ones.
_DUMMY_HASHES: dict[int, str] = {}


class SignInStep:
    """The steps a session may still have to pass, in the order they are asked for."""

    TWO_FACTOR = "two_factor"
    CHANGE_PASSWORD = "change_password"
    ENROL_TWO_FACTOR = "enrol_two_factor"


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    reason: str


def _dummy_hash(uow: UnitOfWork) -> str:
    key = id(uow.passwords)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = uow.passwords.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[key]


def _check(uow: UnitOfWork, user: Record, password: str) -> _Outcome:
    """The password check on a row the caller holds locked; counts failures towards lockout."""
    now = uow.clock.now()
    locked_until = user["locked_until"]
    if locked_until is not None and locked_until > now:
        # Not checked against the password: a locked account answers nothing about it.
        uow.passwords.verify(_dummy_hash(uow), password)
        return _Outcome(False, "account locked")
    matches = uow.passwords.verify(user["password_hash"], password)
    if not user["is_active"]:
        return _Outcome(False, "account deactivated")
    if matches:
        if user["failed_logins"] or user["locked_until"] is not None:
            uow.records.update("users", user["id"], {"failed_logins": 0, "locked_until": None})
        return _Outcome(True, "")
    _count_failure(uow, user)
    return _Outcome(False, "wrong password")


def _locked_user(uow: UnitOfWork, user_id: int) -> Record:
    found = uow.records.get_with_lock_state("users", user_id, for_update=True)
    assert found is not None
    return found[0]


def password_matches(uow: UnitOfWork, user_id: int, password: str) -> Record | None:
    """The user's locked row if the password is theirs; else ``None`` with the failure audited.

    The caller commits before refusing, so a failure always counts towards the lockout.
    """
    locked = _locked_user(uow, user_id)
    outcome = _check(uow, locked, password)
    if outcome.ok:
        return locked
    actor = Actor(user_id=locked["id"], username=locked["username"])
    audit_event(uow, actor, AuditAction.LOGIN_FAILED, "users", locked["id"], reason=outcome.reason)
    return None


def verify_password(uow: UnitOfWork, user: Record, password: str) -> None:
    """Check a password inside the caller's transaction (signing), counting failures.

    On failure the failure is recorded and committed before the error is raised, so a locked-out
    attacker cannot undo the count by making the request fail.
    """
    if password_matches(uow, int(user["id"]), password) is None:
        uow.commit()
        raise AuthenticationError(SIGN_IN_FAILED)


def _roles(uow: UnitOfWork, user_id: int) -> set[Role]:
    found = uow.records.get_user_with_grants(user_id)
    return {Role(row["role"]) for row in found[1]} if found else set()


def next_step(uow: UnitOfWork, user: Record, *, second_factor_done: bool) -> str | None:
    """The first sign-in step this user still has to pass in this session, or ``None``."""
    if user["totp_confirmed_at"] is not None and not second_factor_done:
        return SignInStep.TWO_FACTOR
    settings = security_settings_in(uow)
    now = uow.clock.now()
    if user["must_change_password"] or password_expired(
        user["password_changed_at"], now, max_age_days=settings.password_max_age_days
    ):
        return SignInStep.CHANGE_PASSWORD
    if user["totp_confirmed_at"] is None and settings.requires_two_factor(
        _roles(uow, int(user["id"]))
    ):
        return SignInStep.ENROL_TWO_FACTOR
    return None


def login(uow: UnitOfWork, *, username: str, password: str) -> Session:
    """Check the credentials and open a session, which may still have steps to pass."""
    with uow:
        found = uow.records.find("users", username=username)
        if not found:
            uow.passwords.verify(_dummy_hash(uow), password)
            audit_event(
                uow, Actor(None, username[:64]), AuditAction.LOGIN_FAILED, "users",
                field="username", new=username[:200], reason="unknown username",
            )  # fmt: skip
            uow.commit()
            raise AuthenticationError(SIGN_IN_FAILED)
        user = _locked_user(uow, int(found[0]["id"]))
        actor = Actor(user_id=user["id"], username=user["username"])
        outcome = _check(uow, user, password)
        if not outcome.ok:
            audit_event(
                uow, actor, AuditAction.LOGIN_FAILED, "users", user["id"], reason=outcome.reason
            )
            uow.commit()
            raise AuthenticationError(SIGN_IN_FAILED)
        now = uow.clock.now()
        pending = next_step(uow, user, second_factor_done=False)
        token = secrets.token_urlsafe(32)
        session_id = uow.records.add(
            "sessions",
            {"token_hash": session_token_hash(token), "user_id": user["id"], "started_at": now,
             "last_seen_at": now, "ended_at": None, "pending_step": pending},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.LOGIN, "sessions", session_id,
            reason=None if pending is None else f"password accepted; next step: {pending}",
        )  # fmt: skip
        uow.commit()
    expires = SESSION_POLICY.expires_at(started_at=now, last_seen_at=now)
    return Session(token=token, user_id=user["id"], expires_at=expires, pending_step=pending)


def advance_session(uow: UnitOfWork, token: str, *, second_factor_done: bool) -> str | None:
    """After a step is done: record the session's next step (in the caller's transaction)."""
    checked = live_session(uow, token)
    user = uow.records.get("users", checked.user_id)
    assert user is not None
    pending = next_step(uow, user, second_factor_done=second_factor_done)
    uow.records.update("sessions", checked.session_id, {"pending_step": pending})
    return pending


def _second_factor_matches(uow: UnitOfWork, user: Record, code: str) -> str | None:
    """How the code proved the second factor (``totp`` / ``recovery code``), or ``None``."""
    now = uow.clock.now()
    step = totp.matching_step(user["totp_secret"], code, now, after=user["totp_last_step"])
    if step is not None:
        uow.records.update("users", user["id"], {"totp_last_step": step})
        return "totp"
    for row in uow.records.find(
        "recovery_codes", user_id=user["id"], code_hash=totp.recovery_code_hash(code)
    ):
        if row["used_at"] is None:
            uow.records.update("recovery_codes", row["id"], {"used_at": now})
            return "recovery code"
    return None


def submit_second_factor(uow: UnitOfWork, *, token: str, code: str) -> str | None:
    """The two-factor step of a sign-in: an app's code or a recovery code; the next step.

    A wrong code counts towards the lockout like a wrong password; a code already used (or from
    an earlier time step) is refused, so a code seen once cannot be replayed.
    """
    with uow:
        checked = live_session(uow, token)
        if checked.pending_step != SignInStep.TWO_FACTOR:
            raise InputError.single("code", "no two-factor code is expected for this session")
        user = _locked_user(uow, checked.user_id)
        actor = Actor(user_id=user["id"], username=user["username"])
        locked = user["locked_until"] is not None and user["locked_until"] > uow.clock.now()
        how = None if locked or not user["is_active"] else _second_factor_matches(uow, user, code)
        if how is None:
            if not locked:
                _count_failure(uow, user)
            audit_event(
                uow, actor, AuditAction.LOGIN_FAILED, "sessions", checked.session_id,
                field="two_factor", reason="wrong or reused two-factor code",
            )  # fmt: skip
            uow.commit()
            raise AuthenticationError(
                "That code was not accepted: enter the current 6-digit code from your app, or "
                "an unused recovery code."
            )
        if user["failed_logins"]:
            uow.records.update("users", user["id"], {"failed_logins": 0})
        pending = advance_session(uow, token, second_factor_done=True)
        audit_event(
            uow, actor, AuditAction.LOGIN, "sessions", checked.session_id,
            field="two_factor", new=how,
        )  # fmt: skip
        uow.commit()
    return pending


def _count_failure(uow: UnitOfWork, user: Record) -> None:
    """One more failure on a row the caller holds locked; the lock, when it falls, is audited."""
    failures = int(user["failed_logins"]) + 1
    lock = LOCKOUT_POLICY.locked_until(failures, uow.clock.now())
    uow.records.update("users", user["id"], {"failed_logins": failures, "locked_until": lock})
    if lock is not None:
        actor = Actor(user_id=user["id"], username=user["username"])
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
            field="locked_until", new=lock, reason=f"{failures} failed sign-in attempts in a row",
        )  # fmt: skip
