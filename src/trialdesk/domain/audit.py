"""The audit trail's rules: what an entry holds, its canonical form and the SHA-256 hash chain.

Each entry's hash covers its canonical serialisation *and* the previous entry's hash, so altering,
inserting or removing any stored entry breaks every hash after it. Storage (append-only, with
database triggers) lives in the adapters; this module only computes and checks.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "GENESIS_HASH",
    "AuditAction",
    "AuditEntry",
    "ChainBreak",
    "audit_value",
    "canonical_form",
    "chain_hash",
    "entry_seal",
    "find_chain_break",
    "find_seal_break",
    "record_fingerprint",
]

#: The "previous hash" of the very first entry.
GENESIS_HASH = "0" * 64


class AuditAction(enum.StrEnum):
    """What happened; data changes and account/security events share one trail."""

    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CHANGED = "account_changed"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    SIGN = "sign"
    SIGNATURE_INVALIDATED = "signature_invalidated"
    LOCK = "lock"
    UNLOCK = "unlock"
    SDV_VERIFIED = "sdv_verified"
    SDV_UNVERIFIED = "sdv_unverified"
    SDV_RESET = "sdv_reset"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored audit row. ``occurred_at`` is ISO 8601 in UTC (``...+00:00``)."""

    seq: int
    occurred_at: str
    user_id: int | None
    username: str
    action: AuditAction
    entity: str
    entity_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    subject_id: int | None
    prev_hash: str
    hash: str
    #: HMAC-SHA256 of ``hash`` under the audit key, which the database never holds; ``None`` for
    #: an entry written without a key. Not part of the hashed content: it seals the hash itself.
    seal: str | None = None


def canonical_form(entry: AuditEntry) -> str:
    """The exact text that is hashed: every field except the hashes, as sorted compact JSON."""
    content = {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at,
        "user_id": entry.user_id,
        "username": entry.username,
        "action": str(entry.action),
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "field": entry.field,
        "old_value": entry.old_value,
        "new_value": entry.new_value,
        "reason": entry.reason,
        "subject_id": entry.subject_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the entry's canonical form (hex digest)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_form(entry).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored link or hash does not match the recomputed chain."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.problem}"


def find_chain_break(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """Recompute the chain over entries in ``seq`` order; ``None`` when it is intact.

    Sequence numbers must run 1, 2, 3… without gaps, so a deleted entry is caught even when the
    rows after it were re-hashed.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"expected sequence number {expected_seq}")
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.seq, "previous-hash link does not match the entry before it")
        if chain_hash(entry, entry.prev_hash) != entry.hash:
            return ChainBreak(entry.seq, "content does not match its hash (altered)")
        expected_prev = entry.hash
        expected_seq += 1
    return None


def entry_seal(entry_hash: str, key: bytes) -> str:
    """HMAC-SHA256 of an entry's hash under the audit key (hex digest).

    The chain alone can be recomputed by anyone who can write the table; a seal can only be made
    with the key, so a re-hashed or forged entry shows up as one whose seal does not match.
    """
    return hmac.new(key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def find_seal_break(entries: Iterable[AuditEntry], key: bytes) -> tuple[ChainBreak | None, int]:
    """Check every entry's seal; returns the first bad one and how many entries were unsealed.

    Entries written before a key was configured carry no seal and are counted, not refused; once
    a sealed entry appears every later one must be sealed, so an entry appended without the key
    (a forgery with a valid hash) is a break.
    """
    unsealed = 0
    sealed_seen = False
    for entry in entries:
        if entry.seal is None:
            if sealed_seen:
                return ChainBreak(entry.seq, "has no seal although entries before it are sealed "
                                  "(appended without the audit key)"), unsealed  # fmt: skip
            unsealed += 1
            continue
        sealed_seen = True
        if not hmac.compare_digest(entry.seal, entry_seal(entry.hash, key)):
            return ChainBreak(entry.seq, "seal does not match its hash (re-hashed, forged, or "
                              "sealed with another key)"), unsealed  # fmt: skip
    return None, unsealed


def audit_value(value: object) -> str | None:
    """How a stored value is written into the trail: JSON, so ``"5"`` and ``5`` stay distinct."""
    if value is None:
        return None
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), default=_iso, ensure_ascii=False
    )


def record_fingerprint(entity: str, record: Mapping[str, object]) -> str:
    """SHA-256 of one record version; a signature is bound to this value (21 CFR 11.70)."""
    text = json.dumps(
        {"entity": entity, "record": dict(record)},
        sort_keys=True,
        separators=(",", ":"),
        default=_iso,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} into the audit trail")
