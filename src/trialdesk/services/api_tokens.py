"""API tokens for scripts: create, list, revoke, and authenticate a bearer token.

A token is shown once, when it is created; only its SHA-256 hash is stored. Creating and revoking
a token are account changes and go to the audit trail in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import AuthenticationError, InputError, NotFoundError
from trialdesk.services.access import load_actor
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.recording import audit_event

__all__ = [
    "TOKEN_PREFIX",
    "ApiTokenCreated",
    "ApiTokenRead",
    "authenticate_api_token",
    "create_api_token",
    "list_api_tokens",
    "revoke_api_token",
    "token_holder",
    "token_owner",
]

#: Every token starts with this, so a leaked token is easy to recognise in logs and scanners.
TOKEN_PREFIX = "td_"
_MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class ApiTokenRead:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ApiTokenCreated:
    """A new token: ``token`` is the secret, returned this once and never again."""

    token: str
    details: ApiTokenRead


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(row: Record) -> ApiTokenRead:
    return ApiTokenRead(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def create_api_token(uow: UnitOfWork, *, as_user: int, name: str) -> ApiTokenCreated:
    """Issue a token that acts as ``as_user`` with exactly that user's roles."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _MAX_NAME:
        raise InputError.single("name", f"must be 1–{_MAX_NAME} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        actor = load_actor(uow, as_user)
        now = uow.clock.now()
        values = {
            "user_id": as_user,
            "name": cleaned,
            "token_hash": _hash(token),
            "prefix": token[:10],
            "created_at": now,
            "revoked_at": None,
        }
        token_id = uow.records.add("api_tokens", values)
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "api_tokens", token_id,
            field="api_token", new={"name": cleaned, "prefix": values["prefix"]},
        )  # fmt: skip
        uow.commit()
    return ApiTokenCreated(token=token, details=_read({**values, "id": token_id}))


def list_api_tokens(uow: UnitOfWork, *, as_user: int) -> list[ApiTokenRead]:
    """The user's own tokens, revoked ones included (they show when access ended)."""
    with uow:
        load_actor(uow, as_user)
        return [_read(row) for row in uow.records.find("api_tokens", user_id=as_user)]


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
    return _read(row)


def authenticate_api_token(uow: UnitOfWork, *, token: str) -> int:
    """The id of the active user a live token belongs to; anything else is refused alike."""
    with uow:
        return token_holder(uow, token)


def token_owner(uow: UnitOfWork, token: str) -> int:
    """The user id a live (well-formed, known, unrevoked) token belongs to.

    The owner's account is not checked here: the caller must refuse an inactive owner itself,
    as :func:`token_holder` does.
    """
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("invalid API token")
    found = uow.records.find("api_tokens", token_hash=_hash(token))
    if not found or found[0]["revoked_at"] is not None:
        raise AuthenticationError("invalid or revoked API token")
    return int(found[0]["user_id"])


def token_holder(uow: UnitOfWork, token: str) -> int:
    """:func:`authenticate_api_token` inside a unit of work the caller has opened."""
    user = uow.records.get("users", token_owner(uow, token))
    if user is None or not user["is_active"]:
        raise AuthenticationError("invalid or revoked API token")
    return int(user["id"])
