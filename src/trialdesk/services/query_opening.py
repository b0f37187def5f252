"""Opening a query on a record, in the caller's transaction.

Shared by the people who raise queries (:func:`trialdesk.services.review.raise_query`) and by
the edit checks, which raise one automatically for every confirmed soft warning.
"""

from __future__ import annotations

from trialdesk.services.access import Actor
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.recording import insert_audited

__all__ = ["OPEN", "open_query"]

#: The status of a query nobody has answered yet.
OPEN = "open"


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
    """Insert the query and its first message, both audited; returns the query's id.

    ``origin`` is ``None`` for a query a person raised, ``edit_check:<code>`` for one raised by
    a confirmed edit-check warning.
    """
    values = {"subject_id": subject_id, "entity": entity, "entity_id": record_id, "field": field,
              "status": OPEN}  # fmt: skip
    if origin is not None:  # a person's query keeps the audit entry it always had
        values["origin"] = origin
    query_id = insert_audited(uow, actor, "queries", values, subject_id=subject_id)
    insert_audited(
        uow, actor, "query_messages", {"query_id": query_id, "body": body},
        subject_id=subject_id,
    )  # fmt: skip
    return query_id
