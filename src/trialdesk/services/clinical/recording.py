"""Writing trial data with its audit trail, in the caller's transaction.

Every insert, update and (logical) delete goes through here (the shape of a ``record_event``
helper): the row changes and its audit entries are written together, a change after first save
needs a reason, locked records refuse edits, and an edit invalidates any signature on the record.

The review workflow hangs off the same place, so no write can slip past it: a lock on the form,
its subject, its site or the study refuses the write and says who locked it and when; a change of
a field verified against source resets that SDV mark (audited, with the correction's reason);
any write to a subject's casebook invalidates the investigator's casebook signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.audit import AuditAction, audit_value
from trialdesk.domain.errors import InputError
from trialdesk.domain.source_verification import CASEBOOK_TABLES, changed_paths
from trialdesk.services.accounts.access import Actor
from trialdesk.services.ports import AuditDraft, Record, UnitOfWork
from trialdesk.services.review.lock_lookup import LockedError, covering_lock

__all__ = [
    "ChangeSet",
    "audit_event",
    "delete_audited",
    "insert_audited",
    "is_locked",
    "require_reason",
    "update_audited",
]

_BOOKKEEPING = frozenset({"id", "created_at", "created_by"})
#: Review bookkeeping goes on under a lock: queries are raised and answered on locked data.
_ALLOWED_WHILE_LOCKED = frozenset({"queries", "query_messages"})


class ChangeSet(dict[str, tuple[Any, Any]]):
    """The fields a write changed, ``{column: (old, new)}``, and the SDV marks it reset.

    A plain dict to every caller that only wants the diff; ``sdv_reset`` holds the field paths
    (``None`` for a whole-form mark) whose source verification the change undid, so the
    correction page and the API can tell the user.
    """

    sdv_reset: tuple[str | None, ...] = ()


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
    if table == "subjects":  # a new subject at a locked site (or in a locked study)
        _refuse_if_locked(uow, None, None, None, site_id=values.get("site_id"))
    elif subject_id is not None and table not in _ALLOWED_WHILE_LOCKED:
        _refuse_if_locked(uow, None, None, subject_id)
    row = {**values, "created_at": uow.clock.now(), "created_by": actor.user_id}
    record_id = uow.records.add(table, row)
    if table == "subjects":  # a new subject's own entry is filed under that subject
        subject_id = record_id
    _invalidate_casebook_signature(uow, actor, table, record_id, subject_id)
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
    """Whether the record, its subject, its site or the study is under an active lock."""
    return covering_lock(uow, table, record_id, subject_id) is not None


def _refuse_if_locked(
    uow: UnitOfWork,
    table: str | None,
    record_id: int | None,
    subject_id: int | None,
    *,
    site_id: int | None = None,
) -> None:
    if table in _ALLOWED_WHILE_LOCKED:
        return
    lock = covering_lock(uow, table, record_id, subject_id, site_id)
    if lock is not None:
        raise LockedError(lock)


def _invalidate_casebook_signature(
    uow: UnitOfWork, actor: Actor, table: str, record_id: int, subject_id: int | None
) -> None:
    """Any write to a casebook table undoes the investigator's sign-off of the whole casebook."""
    if subject_id is None or table not in CASEBOOK_TABLES:
        return
    for signature in uow.records.find(
        "signatures", entity="subjects", entity_id=subject_id, is_valid=True
    ):
        uow.records.update(
            "signatures", signature["id"], {"is_valid": False, "invalidated_at": uow.clock.now()}
        )
        audit_event(
            uow, actor, AuditAction.SIGNATURE_INVALIDATED, "signatures", signature["id"],
            subject_id=subject_id, field="is_valid", old=True, new=False,
            reason=f"casebook changed after sign-off ({table} {record_id})",
        )  # fmt: skip


def _reset_source_verification(
    uow: UnitOfWork,
    actor: Actor,
    table: str,
    record_id: int,
    subject_id: int | None,
    diff: dict[str, tuple[Any, Any]] | None,
    why: str,
) -> tuple[str | None, ...]:
    """Reset the live SDV marks the change touches (every mark when ``diff`` is None: the
    record was deleted); returns their paths (None = whole form)."""
    if table not in CASEBOOK_TABLES:
        return ()
    marks = [
        mark
        for mark in uow.records.find("sdv_marks", entity=table, entity_id=record_id)
        if mark["reset_at"] is None
    ]
    paths = [mark["field"] for mark in marks]
    touched = set(paths if diff is None else changed_paths(paths, diff))
    reset: list[str | None] = []
    for mark in marks:
        if mark["field"] not in touched:
            continue
        uow.records.update(
            "sdv_marks", mark["id"], {"reset_at": uow.clock.now(), "reset_reason": why}
        )
        audit_event(
            uow, actor, AuditAction.SDV_RESET, table, record_id, subject_id=subject_id,
            field=mark["field"], reason=why,
        )  # fmt: skip
        reset.append(mark["field"])
    return tuple(reset)


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
) -> ChangeSet:
    """Apply the fields that really change; one audit entry per field. Returns the diff, with
    the SDV marks the change reset."""
    diff = ChangeSet(
        (name, (current[name], value))
        for name, value in changes.items()
        if name not in _BOOKKEEPING and current.get(name) != value
    )
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
    _invalidate_casebook_signature(uow, actor, table, record_id, subject_id)
    diff.sdv_reset = _reset_source_verification(
        uow, actor, table, record_id, subject_id, diff, f"corrected: {why or 'no reason given'}"
    )
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
    _invalidate_casebook_signature(uow, actor, table, record_id, subject_id)
    _reset_source_verification(uow, actor, table, record_id, subject_id, None, f"deleted: {why}")
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
