"""API tokens for scripts: create, list, revoke, and authenticate a bearer token.

A token is shown once, when it is created; only its SHA-256 hash is stored. Creating and revoking
a token are account changes and go to the audit trail in the same transaction.

Every token expires: after 90 days unless its creator chose another lifetime, and after a year at
most, so a token forgotten in a script stops working by itself. A token cannot make further
tokens: a leaked one must not be able to outlive its own revocation or expiry. Signing out of
the pages does not revoke tokens; they belong to scripts, not to the browser session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import (
    AuthenticationError,
    FieldError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "DEFAULT_VALID_DAYS",
    "MAX_VALID_DAYS",
    "TOKEN_PREFIX",
    "ApiTokenCreated",
    "ApiTokenRead",
    "create_api_token",
    "issue_api_token",
    "list_api_tokens",
    "list_api_tokens_of",
    "revoke_api_token",
    "token_owner",
]

#: Every token starts with this, so a leaked token is easy to recognise in logs and scanners.
TOKEN_PREFIX = "td_"
_MAX_NAME = 100
#: A token's lifetime when its creator does not choose one, and the longest allowed.
DEFAULT_VALID_DAYS = 90
MAX_VALID_DAYS = 365


@dataclass(frozen=True, slots=True)
class ApiTokenRead:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    #: Whether the token's expiry has passed (as of the moment it was read).
    expired: bool


@dataclass(frozen=True, slots=True)
class ApiTokenCreated:
    """A new token: ``token`` is the secret, returned this once and never again."""

    token: str
    details: ApiTokenRead


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(row: Record, now: dt.datetime) -> ApiTokenRead:
    return ApiTokenRead(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        expired=row["expires_at"] <= now,
    )


def _checked(name: str, valid_days: int) -> str:
    problems = []
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _MAX_NAME:
        problems.append(FieldError("name", f"must be 1–{_MAX_NAME} characters"))
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        problems.append(
            FieldError("valid_days", f"must be a whole number of days from 1 to {MAX_VALID_DAYS}")
        )
    if problems:
        raise InputError(problems)
    return cleaned


def create_api_token(
    uow: UnitOfWork,
    *,
    as_user: int,
    name: str,
    valid_days: int = DEFAULT_VALID_DAYS,
    via_api_token: bool = False,
) -> ApiTokenCreated:
    """Issue a token that acts as ``as_user`` with exactly that user's roles.

    ``via_api_token`` says the request itself was authenticated by a token: refused, so that a
    token (perhaps leaked) cannot mint successors that outlive it.
    """
    if via_api_token:
        raise PermissionDeniedError(
            "You may not create an API token with an API token: that is for a signed-in user "
            "(the API tokens page) or the command line (trialdesk token create)"
        )
    cleaned = _checked(name, valid_days)
    with uow:
        actor = load_actor(uow, as_user)
        created = _issue(uow, actor, as_user, cleaned, valid_days)
        uow.commit()
    return created


def issue_api_token(
    uow: UnitOfWork, *, username: str, name: str, valid_days: int = DEFAULT_VALID_DAYS
) -> ApiTokenCreated:
    """The command-line operator issues a token for a user's script (audited as ``system``)."""
    cleaned = _checked(name, valid_days)
    with uow:
        owner = _active_user_named(uow, username)
        created = _issue(uow, load_actor(uow, None), owner, cleaned, valid_days)
        uow.commit()
    return created


def _active_user_named(uow: UnitOfWork, username: str) -> int:
    found = uow.records.find("users", username=username)
    if not found:
        raise NotFoundError(f"user {username!r} not found")
    if not found[0]["is_active"]:
        raise InputError.single("username", f"{username!r} is deactivated")
    return int(found[0]["id"])


def _issue(
    uow: UnitOfWork, actor: Actor, owner: int, name: str, valid_days: int
) -> ApiTokenCreated:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = uow.clock.now()
    values = {
        "user_id": owner,
        "name": name,
        "token_hash": _hash(token),
        "prefix": token[:10],
        "created_at": now,
        "expires_at": now + dt.timedelta(days=valid_days),
        "revoked_at": None,
    }
    token_id = uow.records.add("api_tokens", values)
    audit_event(
        uow, actor, AuditAction.ACCOUNT_CHANGED, "api_tokens", token_id, field="api_token",
        new={"name": name, "prefix": values["prefix"], "expires_at": values["expires_at"]},
    )  # fmt: skip
    return ApiTokenCreated(token=token, details=_read({**values, "id": token_id}, now))


def list_api_tokens(uow: UnitOfWork, *, as_user: int) -> list[ApiTokenRead]:
    """The user's own tokens, revoked and expired ones included (they show when access ended)."""
    with uow:
        load_actor(uow, as_user)
        now = uow.clock.now()
        return [_read(row, now) for row in uow.records.find("api_tokens", user_id=as_user)]


def list_api_tokens_of(uow: UnitOfWork, *, username: str) -> list[ApiTokenRead]:
    """A user's tokens, for the command-line operator."""
    with uow:
        found = uow.records.find("users", username=username)
        if not found:
            raise NotFoundError(f"user {username!r} not found")
        now = uow.clock.now()
        rows = uow.records.find("api_tokens", user_id=found[0]["id"])
        return [_read(row, now) for row in rows]


def revoke_api_token(uow: UnitOfWork, *, as_user: int, token_id: int) -> ApiTokenRead:
    """Revoke one of the user's tokens; another user's token is reported as not found."""
    with uow:
        actor = load_actor(uow, as_user)
        row = uow.records.get("api_tokens", token_id)
        if row is None or row["user_id"] != as_user:
            raise NotFoundError(f"API token {token_id} not found")
        if row["revoked_at"] is None:
            now = uow.clock.now()
            uow.records.update("api_tokens", token_id, {"revoked_at": now})
            audit_event(
                uow, actor, AuditAction.ACCOUNT_CHANGED, "api_tokens", token_id,
                field="revoked_at", new=now, reason="revoked by its owner",
            )  # fmt: skip
            row = {**row, "revoked_at": now}
        uow.commit()
        return _read(row, uow.clock.now())


def token_owner(uow: UnitOfWork, token: str) -> int:
    """The user id a live (well-formed, known, unrevoked) token belongs to.

    The owner's account is not checked here: the caller must refuse an inactive owner itself,
    as :func:`trialdesk.services.accounts.identity.describe_token_holder` does.
    """
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("invalid API token")
    found = uow.records.find("api_tokens", token_hash=_hash(token))
    if not found or found[0]["revoked_at"] is not None:
        raise AuthenticationError("invalid or revoked API token")
    expires_at: dt.datetime = found[0]["expires_at"]
    if expires_at <= uow.clock.now():
        # Said plainly: the script's owner knows at once to create a new token.
        raise AuthenticationError(
            f"this API token expired at {expires_at.isoformat(timespec='minutes')}; "
            "create a new one on the API tokens page"
        )
    return int(found[0]["user_id"])
