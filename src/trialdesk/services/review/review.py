"""Data review: e-signatures and record locks; the query use cases, re-exported from
:mod:`trialdesk.services.review.query_workflow` where they live.

Signatures follow 21 CFR 11.50/11.70/11.200: the signer re-enters their password, the manifest
holds printed name, UTC time and meaning, and the signature is bound to a hash of the exact
record version; any later edit invalidates it (see :mod:`trialdesk.services.clinical.recording`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction, record_fingerprint
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.domain.queries import QueryStatus
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.accounts.accounts import verify_password
from trialdesk.services.clinical.corrections import load_subject_record
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.query_workflow import (
    close_query,
    raise_query,
    reopen_query,
    reply_to_query,
)

__all__ = [
    "QueryStatus",
    "SignatureRead",
    "check_signature",
    "close_query",
    "raise_query",
    "reopen_query",
    "reply_to_query",
    "sign_record",
    "signature_holds",
    "write_signature",
]


def _require_text(field: str, text: str) -> str:
    if not text.strip():
        raise InputError.single(field, "must not be empty")
    return text.strip()


@dataclass(frozen=True, slots=True)
class SignatureRead:
    """The signature manifest (21 CFR 11.50) and whether it still holds."""

    id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool


def _fingerprint(record: Record, entity: str) -> str:
    return record_fingerprint(entity, record)


def sign_record(
    uow: UnitOfWork, *, as_user: int, entity: str, record_id: int, password: str, meaning: str
) -> SignatureRead:
    """Sign a record: re-enter the password; the signature binds to this record version."""
    why = _require_text("meaning", meaning)
    if not password:
        raise InputError.single("password", "signing requires re-entering your password")
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(uow, actor, entity, record_id, Action.SIGN)
        signed = write_signature(uow, actor, entity, record, password=password, meaning=why)
        uow.commit()
    return signed


def write_signature(
    uow: UnitOfWork, actor: Actor, entity: str, record: Record, *, password: str, meaning: str
) -> SignatureRead:
    """Check the re-entered password and sign this version of a loaded record, audited, in the
    caller's transaction (the caller has checked that the actor may sign it)."""
    if actor.user_id is None:
        raise InputError.single("password", "signing needs a person who re-enters a password")
    user = uow.records.get("users", actor.user_id)
    assert user is not None
    verify_password(uow, user, password)
    signed_at = uow.clock.now()
    record_id = int(record["id"])
    values = {
        "subject_id": record["subject_id"], "entity": entity, "entity_id": record_id,
        "user_id": actor.user_id, "printed_name": user["full_name"], "meaning": meaning,
        "signed_at": signed_at, "record_hash": _fingerprint(record, entity),
        "is_valid": True, "invalidated_at": None,
    }  # fmt: skip
    signature_id = uow.records.add("signatures", values)
    audit_event(
        uow, actor, AuditAction.SIGN, entity, record_id, subject_id=record["subject_id"],
        new={"signature": signature_id, "printed_name": user["full_name"], "meaning": meaning,
             "record_hash": values["record_hash"]},
    )  # fmt: skip
    return SignatureRead(signature_id, user["full_name"], signed_at, meaning, True)


def signature_holds(signature: Record, record: Record) -> bool:
    """Whether a stored signature still holds for the record as it is now."""
    return bool(signature["is_valid"]) and signature["record_hash"] == _fingerprint(
        record, signature["entity"]
    )


def check_signature(uow: UnitOfWork, *, as_user: int, signature_id: int) -> SignatureRead:
    """A signature holds only while the signed record still hashes to the signed value."""
    with uow:
        actor = load_actor(uow, as_user)
        signature = uow.records.get("signatures", signature_id)
        if signature is None:
            raise NotFoundError(f"signature {signature_id} not found")
        try:
            record = load_subject_record(
                uow, actor, signature["entity"], signature["entity_id"], Action.VIEW_SUBJECT
            )
        except NotFoundError:
            raise NotFoundError(f"signature {signature_id} not found") from None
        holds = signature_holds(signature, record)
        return SignatureRead(
            signature_id, signature["printed_name"], signature["signed_at"],
            signature["meaning"], holds,
        )  # fmt: skip
