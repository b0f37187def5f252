"""Writing trial data with its audit trail, in the caller's transaction.

Every insert, update and (logical) delete goes through here (the shape of a ``record_event``
helper): the row changes and its audit entries are written together, a change after first save
needs a reason, locked records refuse edits, and an edit invalidates any signature on the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.audit import AuditAction, audit_value
from trialdesk.domain.errors import InputError, StateError
from trialdesk.services.access import Actor
from trialdesk.services.ports import AuditDraft, Record, UnitOfWork

__all__ = [
    "audit_event",
    "delete_audited",
    "insert_audited",
    "is_locked",
    "require_reason",
    "update_audited",
]

_BOOKKEEPING = frozenset({"id", "created_at", "created_by"})
_ALLOWED_WHILE_LOCKED = frozenset({"subjects", "queries", "query_messages"})


def audit_event(
    uow: UnitOfWork,
    actor: Actor,
    action: AuditAction,
    entity: str,
    entity_id: object = None,
    *,
    subject_id: int | None = None,
    field: str | None = None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
) -> None:
    """Append one non-data event (login, role change, signature, lock, export…)."""
    uow.audit.append(
        [
            AuditDraft(
                user_id=actor.user_id,
                username=actor.username,
                action=action,
                entity=entity,
                entity_id=None if entity_id is None else str(entity_id),
                field=field,
                old_value=audit_value(old),
                new_value=audit_value(new),
                reason=reason,
                subject_id=subject_id,
            )
        ]
    )


def require_reason(reason: str | None) -> str:
    """A change after first save must say why (ALCOA+, Annex 11 §9)."""
    if reason is None or not reason.strip():
        raise InputError.single("reason", "a reason for change is required after first save")
    return reason.strip()


def insert_audited(
    uow: UnitOfWork,
    actor: Actor,
    table: str,
    values: Mapping[str, Any],
    *,
    subject_id: int | None,
) -> int:
    """Insert a row and its ``insert`` audit entry (the whole new record as the new value).

    New clinical data for a subject under a subject-level lock is refused like an edit; queries
    may still be raised and answered on locked data.
    """
    if subject_id is not None and table not in _ALLOWED_WHILE_LOCKED:
        _refuse_if_locked(uow, "subjects", subject_id, None)
    row = {**values, "created_at": uow.clock.now(), "created_by": actor.user_id}
    record_id = uow.records.add(table, row)
    if table == "subjects":  # a new subject's own entry is filed under that subject
        subject_id = record_id
    audit_event(
        uow,
        actor,
        AuditAction.INSERT,
        table,
        record_id,
        subject_id=subject_id,
        new=dict(values),
    )
    return record_id


def is_locked(uow: UnitOfWork, table: str, record_id: int, subject_id: int | None) -> bool:
    """Whether the record, or its whole subject, is under an active lock."""
    targets = [(table, record_id)]
    if subject_id is not None:
        targets.append(("subjects", subject_id))
    return uow.records.has_active_lock(targets)


def _refuse_if_locked(uow: UnitOfWork, table: str, record_id: int, subject_id: int | None) -> None:
    if is_locked(uow, table, record_id, subject_id):
        raise StateError(f"{table} {record_id} is locked; unlock it (with a reason) to edit")


def _invalidate_signatures(
    uow: UnitOfWork, actor: Actor, table: str, record_id: int, subject_id: int | None
) -> None:
    for signature in uow.records.find(
        "signatures", entity=table, entity_id=record_id, is_valid=True
    ):
        uow.records.update(
            "signatures", signature["id"], {"is_valid": False, "invalidated_at": uow.clock.now()}
        )
        audit_event(
            uow,
            actor,
            AuditAction.SIGNATURE_INVALIDATED,
            "signatures",
            signature["id"],
            subject_id=subject_id,
            field="is_valid",
            old=True,
            new=False,
            reason=f"{table} {record_id} changed after signing",
        )


def update_audited(
    uow: UnitOfWork,
    actor: Actor,
    table: str,
    current: Record,
    changes: Mapping[str, Any],
    *,
    reason: str | None,
    subject_id: int | None,
    require_reason_for_change: bool = True,
) -> dict[str, tuple[Any, Any]]:
    """Apply the fields that really change; one audit entry per field. Returns the diff."""
    diff = {
        name: (current[name], value)
        for name, value in changes.items()
        if name not in _BOOKKEEPING and current.get(name) != value
    }
    if not diff:
        return diff
    why = require_reason(reason) if require_reason_for_change else reason
    record_id = int(current["id"])
    _refuse_if_locked(uow, table, record_id, subject_id)
    uow.records.update(table, record_id, {name: new for name, (_, new) in diff.items()})
    uow.audit.append(
        [
            AuditDraft(
                user_id=actor.user_id,
                username=actor.username,
                action=AuditAction.UPDATE,
                entity=table,
                entity_id=str(record_id),
                field=name,
                old_value=audit_value(old),
                new_value=audit_value(new),
                reason=why,
                subject_id=subject_id,
            )
            for name, (old, new) in diff.items()
        ]
    )
    _invalidate_signatures(uow, actor, table, record_id, subject_id)
    return diff


def delete_audited(
    uow: UnitOfWork,
    actor: Actor,
    table: str,
    current: Record,
    *,
    reason: str | None,
    subject_id: int | None,
) -> None:
    """Delete a record logically: the row stays, marked deleted by whom, when and why.

    One ``delete`` audit entry keeps the whole old record and the reason, so nothing is lost and
    the trail still reads as a deletion; reads through ``records.find`` leave the row out.
    """
    why = require_reason(reason)
    record_id = int(current["id"])
    _refuse_if_locked(uow, table, record_id, subject_id)
    _invalidate_signatures(uow, actor, table, record_id, subject_id)
    uow.records.update(
        table, record_id,
        {"deleted_at": uow.clock.now(), "deleted_by": actor.user_id, "deleted_reason": why},
    )  # fmt: skip
    audit_event(
        uow,
        actor,
        AuditAction.DELETE,
        table,
        record_id,
        subject_id=subject_id,
        old={k: v for k, v in current.items() if k != "id"},
        reason=why,
    )
