"""Replay the audit trail and compare it with the rows of every audited table.

The trail holds every insert (the whole new record), every update (one entry per changed field,
old → new) and every logical deletion of trial data. Replaying those entries in order gives what
each row must hold now; a row that differs was changed without going through trialdesk (say, a
visit's date set directly in the database), and a row the trail never saw inserted was added
that way. The chain and its seals prove the trail itself is whole; this proves the data agrees.

Columns the trail never mentions for a row (``created_at``, bookkeeping) are not compared, and
tables whose changes are recorded as events rather than field by field (users, sessions,
signatures, locks, source-verification marks) are not replayed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trialdesk.domain.audit import AuditAction, AuditEntry, audit_value
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["REPLAYED_TABLES", "RowDifference", "reconcile"]

#: Tables every change of which is an insert, update or delete entry of the trail.
REPLAYED_TABLES: tuple[str, ...] = (
    "sites",
    "trial_settings",
    "subjects",
    "screening_records",
    "consents",
    "visits",
    "dose_administrations",
    "gvhd_assessments",
    "adverse_events",
    "adverse_event_follow_ups",
    "therapies",
    "outcomes",
    "form_records",
    "queries",
    "query_messages",
    "allocations",
)

#: Columns whose insert entry records something other than the stored value (an allocation's
#: entry names the subject, list and user as a site sees them: codes, not ids).
_NOT_AS_STORED: Mapping[str, frozenset[str]] = {
    "allocations": frozenset({"subject_id", "list_id", "allocated_by"}),
}


@dataclass(frozen=True, slots=True)
class RowDifference:
    """A row whose stored values disagree with the replayed trail."""

    entity: str
    record_id: int
    field: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.entity} {self.record_id}" + (f" {self.field}" if self.field else "")
        return f"{where}: {self.problem}"


@dataclass(slots=True)
class _Replayed:
    values: dict[str, Any] = field(default_factory=dict)
    deleted_reason: str | None = None
    deleted: bool = False
    last_seq: int = 0


def _replay(entries: Iterable[AuditEntry]) -> dict[str, dict[int, _Replayed]]:
    tables: dict[str, dict[int, _Replayed]] = {name: {} for name in REPLAYED_TABLES}
    for entry in entries:
        rows = tables.get(entry.entity)
        if rows is None or entry.entity_id is None:
            continue
        if entry.action not in (AuditAction.INSERT, AuditAction.UPDATE, AuditAction.DELETE):
            continue
        record_id = int(entry.entity_id)
        row = rows.setdefault(record_id, _Replayed())
        row.last_seq = entry.seq
        if entry.action is AuditAction.INSERT and entry.new_value is not None:
            row.values.update(json.loads(entry.new_value))
        elif entry.action is AuditAction.UPDATE and entry.field is not None:
            row.values[entry.field] = (
                None if entry.new_value is None else json.loads(entry.new_value)
            )
        elif entry.action is AuditAction.DELETE:
            row.deleted, row.deleted_reason = True, entry.reason
    return tables


def _same(stored: object, replayed: object) -> bool:
    """Whether a stored value is the one the trail recorded (JSON as written into the trail)."""
    if isinstance(stored, dt.datetime) and isinstance(replayed, str):
        try:  # the trail keeps the offset the value came with; the database keeps UTC
            return dt.datetime.fromisoformat(replayed) == stored
        except ValueError:
            return False
    return bool(json.loads(audit_value(stored) or "null") == replayed)


def _shown(value: object) -> str:
    text = audit_value(value) or "null"
    return text if len(text) <= 80 else text[:77] + "..."


def _compare(entity: str, current: Record, replayed: _Replayed) -> list[RowDifference]:
    record_id = int(current["id"])
    skipped = _NOT_AS_STORED.get(entity, frozenset())
    found: list[RowDifference] = []
    for name, expected in replayed.values.items():
        if name in skipped or name not in current:
            continue
        if not _same(current[name], expected):
            found.append(RowDifference(entity, record_id, name, (
                f"holds {_shown(current[name])} but the audit trail says "
                f"{json.dumps(expected, ensure_ascii=False)[:80]} (changed without an audit entry)"
            )))  # fmt: skip
    if "deleted_at" in current:
        if replayed.deleted and current["deleted_at"] is None:
            found.append(RowDifference(entity, record_id, "deleted_at", (
                f"deleted in audit entry {replayed.last_seq} but the row is not marked deleted"
            )))  # fmt: skip
        elif not replayed.deleted and current["deleted_at"] is not None:
            found.append(RowDifference(
                entity, record_id, "deleted_at", "marked deleted without an audit entry"
            ))  # fmt: skip
        elif replayed.deleted and current.get("deleted_reason") != replayed.deleted_reason:
            found.append(RowDifference(
                entity, record_id, "deleted_reason", "differs from the deletion's audit entry"
            ))  # fmt: skip
    return found


def reconcile(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> tuple[int, list[RowDifference]]:
    """Compare the replayed trail with the current rows (inside the caller's unit of work).

    Returns how many rows were compared and every difference: rows changed or deleted without an
    audit entry, rows with no audit entry at all, and audited rows that are gone.
    """
    replayed = _replay(entries)
    checked = 0
    differences: list[RowDifference] = []
    for entity in REPLAYED_TABLES:
        expected = replayed[entity]
        seen: set[int] = set()
        for current in uow.records.find(entity, include_deleted=True):
            checked += 1
            record_id = int(current["id"])
            seen.add(record_id)
            row = expected.get(record_id)
            if row is None or not row.values:
                differences.append(RowDifference(
                    entity, record_id, None, "has no insert entry in the audit trail "
                    "(added without going through trialdesk)",
                ))  # fmt: skip
                continue
            differences.extend(_compare(entity, current, row))
        for record_id in sorted(set(expected) - seen):
            differences.append(RowDifference(
                entity, record_id, None,
                f"is in the audit trail (last entry {expected[record_id].last_seq}) but no longer "
                "in the table (removed without an audit entry)",
            ))  # fmt: skip
    return checked, differences
