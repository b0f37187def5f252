"""Reading queries: the lists per site with filters, and one query with its thread.

Queries are raised, answered and closed in :mod:`trialdesk.services.review`; this module only
reads. A query is listed to whoever may see its subject; another site's query is "not found".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.services.access import load_actor
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review import QueryStatus

__all__ = ["QueryMessageRead", "QueryRead", "get_query", "list_queries"]


@dataclass(frozen=True, slots=True)
class QueryMessageRead:
    author: str
    written_at: dt.datetime
    body: str


@dataclass(frozen=True, slots=True)
class QueryRead:
    id: int
    subject_id: int
    subject: str
    site_code: str
    entity: str
    entity_id: int
    field: str | None
    status: QueryStatus
    raised_at: dt.datetime
    messages: tuple[QueryMessageRead, ...]
    #: ``None`` for a query a person raised; ``edit_check:<code>`` for an auto-raised one.
    origin: str | None = None


def _status(value: str | None) -> QueryStatus | None:
    if value is None:
        return None
    try:
        return QueryStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in QueryStatus)
        raise InputError.single(
            "status", f"unknown status {value!r}; use one of: {allowed}"
        ) from None


def _read(
    uow: UnitOfWork, query: Record, subject: Record, site_code: str, names: dict[int, str]
) -> QueryRead:
    messages = tuple(
        QueryMessageRead(names.get(m["created_by"], "system"), m["created_at"], m["body"])
        for m in uow.records.find("query_messages", query_id=query["id"])
    )
    return QueryRead(
        id=query["id"], subject_id=subject["id"],
        subject=str(subject["subject_code"] or subject["screening_number"]),
        site_code=site_code, entity=query["entity"], entity_id=query["entity_id"],
        field=query["field"], status=QueryStatus(query["status"]),
        raised_at=query["created_at"], messages=messages, origin=query.get("origin"),
    )  # fmt: skip


def _names(uow: UnitOfWork) -> dict[int, str]:
    return {u["id"]: u["full_name"] for u in uow.records.find("users")}


def list_queries(
    uow: UnitOfWork,
    *,
    as_user: int,
    status: str | None = None,
    site_code: str | None = None,
) -> list[QueryRead]:
    """Queries on subjects you may see, newest first, optionally of one status or one site."""
    wanted = _status(status)
    with uow:
        actor = load_actor(uow, as_user)
        sites = {s["id"]: s["code"] for s in uow.records.find("sites")}
        if site_code is not None and site_code not in sites.values():
            raise InputError.single("site", f"no site {site_code!r}")
        subjects = {
            s["id"]: s
            for s in uow.records.find("subjects")
            if actor.may(Action.VIEW_SUBJECT, s["site_id"])
            and (site_code is None or sites[s["site_id"]] == site_code)
        }
        filters: dict[str, Any] = {} if wanted is None else {"status": wanted.value}
        names = _names(uow)
        found = [
            _read(
                uow,
                q,
                subjects[q["subject_id"]],
                sites[subjects[q["subject_id"]]["site_id"]],
                names,
            )
            for q in uow.records.find("queries", **filters)
            if q["subject_id"] in subjects
        ]
    return sorted(found, key=lambda q: q.id, reverse=True)


def get_query(uow: UnitOfWork, *, as_user: int, query_id: int) -> QueryRead:
    """One query with its thread, if you may see its subject."""
    with uow:
        actor = load_actor(uow, as_user)
        query = uow.records.get("queries", query_id)
        subject = None if query is None else uow.records.get("subjects", query["subject_id"])
        if (
            query is None
            or subject is None
            or not actor.may(Action.VIEW_SUBJECT, subject["site_id"])
        ):
            raise NotFoundError(f"query {query_id} not found")
        site = uow.records.get("sites", subject["site_id"])
        assert site is not None
        return _read(uow, query, subject, site["code"], _names(uow))
