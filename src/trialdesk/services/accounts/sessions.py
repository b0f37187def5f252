"""Sessions after login: checking a live session, recording its activity, logging out.

A session is known by the SHA-256 of its token; it lapses after the idle or absolute limit of
:data:`SESSION_POLICY` (21 CFR 11.300). ``accounts.login`` opens sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from trialdesk.domain.access import SessionPolicy
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import AuthenticationError
from trialdesk.services.accounts.access import Actor
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "SESSION_POLICY",
    "SESSION_TOUCH_INTERVAL",
    "Session",
    "SessionCheck",
    "end_sessions",
    "live_session",
    "logout",
    "session_holder",
    "session_token_hash",
    "validate_session",
]

SESSION_POLICY = SessionPolicy()
#: A session's last activity is written at most this often, so most requests only read; idle
#: expiry is therefore accurate to this interval (a session may lapse up to this much early).
SESSION_TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Session:
    """What the web layer keeps: the secret token (shown once) and when it lapses."""

    token: str
    user_id: int
    expires_at: dt.datetime
    #: The sign-in step the session must still pass before anything else, or ``None``.
    pending_step: str | None = None


def session_token_hash(token: str) -> str:
    """What is stored of a session token (never the token itself)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _open_session(uow: UnitOfWork, token: str) -> Record:
    found = uow.records.find("sessions", token_hash=session_token_hash(token))
    if not found or found[0]["ended_at"] is not None:
        raise AuthenticationError("not logged in")
    session = found[0]
    expiry = SESSION_POLICY.expires_at(
        started_at=session["started_at"], last_seen_at=session["last_seen_at"]
    )
    if uow.clock.now() >= expiry:
        raise AuthenticationError("session expired: log in again")
    return session


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """The user of a live session, and whether its last activity is due to be written."""

    user_id: int
    session_id: int
    touch_due: bool
    started_at: dt.datetime
    last_seen_at: dt.datetime
    pending_step: str | None = None


def live_session(uow: UnitOfWork, token: str) -> SessionCheck:
    """The live session behind a token, in a unit of work the caller opened (may be read-only).

    The session's user is not checked here: the caller must refuse an inactive user itself, as
    :func:`session_holder` does.
    """
    session = _open_session(uow, token)
    last_seen = session["last_seen_at"]
    due = uow.clock.now() - last_seen >= SESSION_TOUCH_INTERVAL
    return SessionCheck(
        int(session["user_id"]), int(session["id"]), due, session["started_at"], last_seen,
        session["pending_step"],
    )  # fmt: skip


def session_holder(uow: UnitOfWork, token: str) -> SessionCheck:
    """The live session's active user, in a unit of work the caller opened (may be read-only)."""
    checked = live_session(uow, token)
    user = uow.records.get("users", checked.user_id)
    if user is None or not user["is_active"]:
        raise AuthenticationError("not logged in")
    return checked


def validate_session(uow: UnitOfWork, *, token: str) -> Session:
    """The user behind a live session token; using it extends the idle timeout.

    The last activity is written only when the stored one is older than
    :data:`SESSION_TOUCH_INTERVAL`, so repeated use within that interval writes nothing.
    """
    with uow:
        checked = session_holder(uow, token)
        last_seen = checked.last_seen_at
        if checked.touch_due:
            last_seen = uow.clock.now()
            uow.records.update("sessions", checked.session_id, {"last_seen_at": last_seen})
        uow.commit()
    expires = SESSION_POLICY.expires_at(started_at=checked.started_at, last_seen_at=last_seen)
    return Session(
        token=token, user_id=checked.user_id, expires_at=expires, pending_step=checked.pending_step
    )


def end_sessions(
    uow: UnitOfWork, actor: Actor, user_id: int, *, keep: int | None = None, reason: str
) -> None:
    """End every open session of a user (but ``keep``), in the caller's transaction."""
    now = uow.clock.now()
    for session in uow.records.find("sessions", user_id=user_id, ended_at=None):
        if session["id"] != keep:
            uow.records.update("sessions", session["id"], {"ended_at": now})
            audit_event(uow, actor, AuditAction.LOGOUT, "sessions", session["id"], reason=reason)


def logout(uow: UnitOfWork, *, token: str) -> None:
    """End a session."""
    with uow:
        session = _open_session(uow, token)
        user = uow.records.get("users", session["user_id"])
        assert user is not None
        uow.records.update("sessions", session["id"], {"ended_at": uow.clock.now()})
        actor = Actor(user_id=user["id"], username=user["username"])
        audit_event(uow, actor, AuditAction.LOGOUT, "sessions", session["id"])
        uow.commit()
