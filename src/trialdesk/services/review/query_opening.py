"""Opening and moving a query, in the caller's transaction.

Shared by the query use cases (:mod:`trialdesk.services.review.query_workflow`), by the edit checks,
which raise a query automatically for every confirmed soft warning, and by the corrections, which
answer a query with the correction that resolves it in the correction's own transaction. The
status rules are the domain's (:mod:`trialdesk.domain.queries`); this module applies them to the
stored rows, audited, and stamps who is expected to act next and since when.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.access import Role
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import (
    OPEN_QUERY_STATES,
    Assignee,
    QueryMove,
    QueryStatus,
    move,
    raiser_assignee,
)
from trialdesk.domain.record_fields import field_label, field_paths
from trialdesk.services.accounts.access import Actor
from trialdesk.services.clinical.recording import insert_audited, update_audited
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "OPEN",
    "add_message",
    "answer_by_correction",
    "load_query_for_update",
    "move_query",
    "open_query",
    "query_to_answer",
]

#: The status of a query nobody has answered yet.
OPEN = QueryStatus.OPEN.value


def open_query(
    uow: UnitOfWork,
    actor: Actor,
    *,
    subject_id: int,
    entity: str,
    record_id: int,
    field: str | None,
    body: str,
    origin: str | None = None,
) -> int:
    """Insert the query (assigned to the site) and its first message, both audited.

    ``origin`` is ``None`` for a query a person raised, ``edit_check:<code>`` for one raised by
    a confirmed edit-check warning. Returns the query's id.
    """
    values: dict[str, Any] = {
        "subject_id": subject_id, "entity": entity, "entity_id": record_id, "field": field,
        "status": OPEN, "assigned_role": Assignee.SITE.value,
        "status_changed_at": uow.clock.now(),
    }  # fmt: skip
    if origin is not None:  # a person's query keeps the audit entry it always had
        values["origin"] = origin
    query_id = insert_audited(uow, actor, "queries", values, subject_id=subject_id)
    insert_audited(
        uow, actor, "query_messages", {"query_id": query_id, "body": body},
        subject_id=subject_id,
    )  # fmt: skip
    return query_id


def load_query_for_update(uow: UnitOfWork, query_id: int) -> Record:
    """The query, locked for this transaction as it is read.

    A move computes the new status (and its audit entry's old value) from the status it reads;
    without the row lock, parallel replies on PostgreSQL each read the same status and audit
    moves from a value another reply had already replaced. SQLite serialises whole write
    transactions, so the lock is only taken there by the transaction itself.
    """
    found = uow.records.get_with_lock_state("queries", query_id, for_update=True)
    if found is None:
        raise NotFoundError(f"query {query_id} not found")
    return found[0]


def add_message(uow: UnitOfWork, actor: Actor, query: Record, body: str) -> None:
    insert_audited(
        uow, actor, "query_messages", {"query_id": query["id"], "body": body},
        subject_id=query["subject_id"],
    )  # fmt: skip


def _raised_by(uow: UnitOfWork, query: Record) -> Assignee:
    """The review role an answer goes back to: the raiser's roles at the subject's site."""
    creator = query.get("created_by")
    found = None if creator is None else uow.records.get_user_with_grants(int(creator))
    if found is None:
        return Assignee.DATA_MANAGER
    subject = uow.records.get("subjects", query["subject_id"])
    site_id = None if subject is None else subject["site_id"]
    return raiser_assignee(
        Role(g["role"]) for g in found[1] if g["site_id"] is None or g["site_id"] == site_id
    )


def move_query(
    uow: UnitOfWork, actor: Actor, query: Record, action: QueryMove, *, body: str, reason: str
) -> QueryStatus:
    """Apply a status move (refused by the domain where it does not apply), with its message.

    The message is written first, so a thread reads in the order things happened; the status,
    the assignee and the time of the change are one audited update.
    """
    moved = move(QueryStatus(query["status"]), action, raised_by=_raised_by(uow, query))
    add_message(uow, actor, query, body)
    update_audited(
        uow, actor, "queries", query,
        {"status": moved.status.value, "assigned_role": moved.assigned_role.value,
         "status_changed_at": uow.clock.now()},
        reason=reason, subject_id=query["subject_id"], require_reason_for_change=False,
    )  # fmt: skip
    return moved.status


def _value_at(record: Mapping[str, Any] | None, path: str) -> Any:
    if record is None:
        return None
    column, _, entry = path.partition(".")
    value = record.get(column)
    if entry:
        return value.get(entry) if isinstance(value, Mapping) else None
    return value


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 10.0 as typed: 10
    return str(value)


def _correction_note(
    table: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any] | None,
    reason: str,
    protocol: Protocol | None,
) -> str:
    """``Corrected: <label> <old> → <new>. Reason: …`` (or ``Deleted: …``) for the thread."""
    form = before.get("form")
    if after is None:
        return f"Deleted the record. Reason: {reason}"
    paths = list(dict.fromkeys([*field_paths(table, before), *field_paths(table, after)]))
    changes = [
        f"{field_label(table, p, protocol=protocol, form_code=form)} "
        f"{_shown(_value_at(before, p))} → {_shown(_value_at(after, p))}"
        for p in paths
        if _value_at(before, p) != _value_at(after, p)
    ]
    return f"Corrected: {'; '.join(changes) or 'no value changed'}. Reason: {reason}"


def query_to_answer(uow: UnitOfWork, query_id: int, table: str, record_id: int) -> Record:
    """The query a correction answers, locked: it must be on that record, open or re-opened.

    Anything else is refused naming ``query_id``, before any change is made.
    """
    found = uow.records.get_with_lock_state("queries", query_id, for_update=True)
    query = None if found is None else found[0]
    if query is None or (query["entity"], query["entity_id"]) != (table, record_id):
        raise InputError.single("query_id", "no query on this record has that number")
    if QueryStatus(query["status"]) not in OPEN_QUERY_STATES:
        raise InputError.single(
            "query_id", "the query is not open; only an open or re-opened query is answered"
        )
    return query


def answer_by_correction(
    uow: UnitOfWork,
    actor: Actor,
    query: Record,
    *,
    table: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any] | None,
    reason: str,
    protocol: Protocol | None,
) -> None:
    """Answer ``query`` with the note of the correction (or deletion) just made, in its
    transaction; ``after`` is ``None`` for a deletion."""
    note = _correction_note(table, before, after, reason, protocol)
    move_query(uow, actor, query, QueryMove.ANSWER, body=note, reason=reason)
