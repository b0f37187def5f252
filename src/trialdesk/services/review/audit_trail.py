"""Reviewing the audit trail: verify it and export it (the export is itself audited).

Verification checks the hash chain and its head, the entries' seals and the signed checkpoints
kept outside the database (with the audit key), and replays the trail against the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import (
    AuditAction,
    AuditEntry,
    ChainBreak,
    find_chain_break,
    find_seal_break,
)
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.services.accounts.access import load_actor, require_action_anywhere, require_subject
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.review.audit_checkpoints import CheckpointCheck, check_checkpoints
from trialdesk.services.review.audit_reconciliation import RowDifference, reconcile

__all__ = ["AuditVerification", "export_audit_trail", "verify_audit_trail"]


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """What ``audit verify`` found: the chain, the seals, the checkpoints, the data."""

    entries: int
    first_break: ChainBreak | None
    #: Whether seals were checked (an audit key was given).
    sealed_check: bool = False
    #: Entries without a seal (written before a key was configured, or with none).
    unsealed: int = 0
    checkpoints: CheckpointCheck | None = None
    rows_checked: int = 0
    differences: tuple[RowDifference, ...] = ()

    @property
    def intact(self) -> bool:
        """The trail itself: chain, chain head, seals and checkpoints all hold."""
        return self.first_break is None and (
            self.checkpoints is None or not self.checkpoints.problems
        )

    @property
    def consistent(self) -> bool:
        """Every audited row holds what the replayed trail says it should."""
        return not self.differences

    @property
    def ok(self) -> bool:
        return self.intact and self.consistent


def _head_break(uow: UnitOfWork, entries: list[AuditEntry]) -> ChainBreak | None:
    # The head check catches removing entries at the end, which the chain alone cannot see
    # (unless the head was moved back too: only a checkpoint catches that).
    head_seq, head_hash = uow.audit.head()
    last = entries[-1] if entries else None
    last_seq = last.seq if last is not None else 0
    if head_seq != last_seq or (last is not None and head_hash != last.hash):
        return ChainBreak(
            last_seq + 1, f"chain head records entry {head_seq} but the trail ends at {last_seq}"
        )
    return None


def verify_audit_trail(
    uow: UnitOfWork,
    *,
    key: bytes | None = None,
    checkpoints: Sequence[tuple[str, object]] | None = None,
) -> AuditVerification:
    """Check the whole trail and reconcile it with the data, all in one snapshot.

    Recompute the chain and check the chain head names the last entry; with ``key``, check every
    entry's seal and the ``checkpoints`` (documents kept outside the database) against the trail;
    then replay the trail against the rows of every audited table. Give a unit of work that reads
    one snapshot throughout (``Store.new_snapshot_uow``), or concurrent writes show up as
    differences.
    """
    if checkpoints is not None and key is None:
        raise InputError.single(
            "checkpoints", "checking checkpoints needs the audit key (TRIALDESK_AUDIT_KEY or "
            "TRIALDESK_AUDIT_KEY_FILE)",
        )  # fmt: skip
    with uow:
        entries = list(uow.audit.entries())
        first_break = find_chain_break(entries) or _head_break(uow, entries)
        unsealed = sum(1 for entry in entries if entry.seal is None)
        if key is not None and first_break is None:
            first_break, _ = find_seal_break(entries, key)
        checked = None
        if checkpoints is not None and key is not None:
            hashes = [entry.hash for entry in entries]
            checked = check_checkpoints(checkpoints, key=key, hashes=hashes)
        rows_checked, differences = reconcile(uow, entries)
    return AuditVerification(
        entries=len(entries), first_break=first_break, sealed_check=key is not None,
        unsealed=unsealed, checkpoints=checked, rows_checked=rows_checked,
        differences=tuple(differences),
    )  # fmt: skip


def _find_subject(uow: UnitOfWork, reference: str) -> int:
    """A subject's id from its subject code or screening number (inside a unit of work)."""
    for column in ("subject_code", "screening_number"):
        wanted: dict[str, Any] = {column: reference}
        found = uow.records.find("subjects", **wanted)
        if found:
            return int(found[0]["id"])
    raise NotFoundError(f"subject {reference!r} not found")


def export_audit_trail(
    uow: UnitOfWork, *, subject: str | None, as_user: int | None
) -> list[AuditEntry]:
    """The trail, study-wide or for one subject; the export writes its own audit entry."""
    with uow:
        actor = load_actor(uow, as_user)
        subject_id: int | None = None
        if subject is None:
            require_action_anywhere(actor, Action.EXPORT_AUDIT)
        else:
            try:
                subject_id = _find_subject(uow, subject)
                require_subject(uow, actor, subject_id, Action.EXPORT_AUDIT)
            except NotFoundError:
                raise NotFoundError(f"subject {subject!r} not found") from None
        entries = list(uow.audit.entries(subject_id=subject_id))
        audit_event(
            uow, actor, AuditAction.EXPORT, "audit_trail", subject_id=subject_id,
            new={"entries": len(entries), "subject": subject},
        )  # fmt: skip
        uow.commit()
    return entries
