"""Query use cases: raise a query on a field, answer it, close it, re-open it.

A query names a field by its dotted path (:mod:`trialdesk.domain.record_fields`), or the form as
a whole (``field=None``). The status rules are the domain's (:mod:`trialdesk.domain.queries`);
every move stamps the role expected to act next and the time of the change, audited with the
message that made it, in one transaction.
"""

from __future__ import annotations

from trialdesk.domain.access import Action
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import QueryMove, QueryStatus
from trialdesk.domain.record_fields import field_label, field_paths
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.corrections import load_subject_record
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.query_opening import (
    add_message,
    load_query_for_update,
    move_query,
    open_query,
)

__all__ = ["close_query", "raise_query", "reopen_query", "reply_to_query"]


def _require_text(field: str, text: str) -> str:
    if not text.strip():
        raise InputError.single(field, "must not be empty")
    return text.strip()


def raise_query(
    uow: UnitOfWork,
    *,
    as_user: int,
    entity: str,
    record_id: int,
    field: str | None,
    message: str,
    protocol: Protocol | None = None,
) -> int:
    """Open a query on a field of a saved record, or on the record as a whole (``None``).

    Monitors and data managers only. The field must be one the record holds
    (``measurements.skin_bsa_pct``, ``answers.<name>``, ``values.<name>`` or a column); the
    refusal lists what may be queried, by label (the protocol's labels when it is given).
    """
    body = _require_text("message", message)
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(uow, actor, entity, record_id, Action.RAISE_QUERY)
        if record.get("deleted_at") is not None:
            raise NotFoundError(f"{entity} {record_id} not found")
        if field is not None:
            _require_field(entity, record, field, protocol)
        query_id = open_query(
            uow, actor, subject_id=record["subject_id"], entity=entity, record_id=record_id,
            field=field, body=body,
        )  # fmt: skip
        uow.commit()
    return query_id


def _require_field(entity: str, record: Record, field: str, protocol: Protocol | None) -> None:
    paths = list(field_paths(entity, record))
    if field not in paths:
        form = record.get("form")
        known = ", ".join(
            f"{p} ({field_label(entity, p, protocol=protocol, form_code=form)})" for p in paths
        )
        raise InputError.single("field", f"this record has no field {field!r}; use one of: {known}")


def _query_for(uow: UnitOfWork, actor: Actor, query_id: int, action: Action) -> Record:
    """The query, locked, if the actor may ``action`` on its subject; else "not found"."""
    query = load_query_for_update(uow, query_id)
    try:
        require_subject(uow, actor, query["subject_id"], action)
    except NotFoundError:
        raise NotFoundError(f"query {query_id} not found") from None
    return query


def reply_to_query(uow: UnitOfWork, *, as_user: int, query_id: int, message: str) -> QueryStatus:
    """Add to a query's thread; returns its status after the reply.

    The site's reply answers an open or re-opened query (a further note on an answered one only
    joins the thread); a reviewer's reply re-opens an answered query and otherwise only joins
    the thread. Nobody writes to a closed query.
    """
    body = _require_text("message", message)
    with uow:
        actor = load_actor(uow, as_user)
        query = load_query_for_update(uow, query_id)
        subject = uow.records.get("subjects", query["subject_id"])
        assert subject is not None
        status = QueryStatus(query["status"])
        if actor.may(Action.ANSWER_QUERY, subject["site_id"]):
            action = QueryMove.ANSWER if status is not QueryStatus.ANSWERED else None
        elif actor.may(Action.RAISE_QUERY, subject["site_id"]):
            action = QueryMove.REOPEN if status is QueryStatus.ANSWERED else None
        else:
            raise NotFoundError(f"query {query_id} not found")
        if status is QueryStatus.CLOSED:
            raise StateError(f"query {query_id} is closed")
        if action is None:
            add_message(uow, actor, query, body)
        else:
            status = move_query(uow, actor, query, action, body=body, reason="query reply")
        uow.commit()
    return status


def close_query(uow: UnitOfWork, *, as_user: int, query_id: int, message: str) -> None:
    """Close a query with a closing note (monitors and data managers); closed is final."""
    body = _require_text("message", message)
    with uow:
        actor = load_actor(uow, as_user)
        query = _query_for(uow, actor, query_id, Action.CLOSE_QUERY)
        move_query(uow, actor, query, QueryMove.CLOSE, body=body, reason=body)
        uow.commit()


def reopen_query(uow: UnitOfWork, *, as_user: int, query_id: int, message: str) -> None:
    """Re-open an answered query with what is still wrong; it goes back to the site."""
    body = _require_text("message", message)
    with uow:
        actor = load_actor(uow, as_user)
        query = _query_for(uow, actor, query_id, Action.CLOSE_QUERY)
        move_query(uow, actor, query, QueryMove.REOPEN, body=body, reason=body)
        uow.commit()
