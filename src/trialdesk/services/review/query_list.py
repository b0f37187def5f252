"""Reading queries: the filtered, paginated list, one query with its thread, a record's queries.

Queries are raised and moved in :mod:`trialdesk.services.review.query_workflow`; this module only
reads. A query is listed to whoever may see its subject; another site's query is "not found".
Every query comes with what a person reads: the subject, the visit, the form and the field by
their labels, the status and the role expected to act, and the days since its status changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from trialdesk.domain import labels
from trialdesk.domain.access import Action
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import (
    AGE_BANDS,
    OPEN_QUERY_STATES,
    Assignee,
    QueryStatus,
    age_in_days,
    in_age_band,
)
from trialdesk.domain.record_fields import field_label
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical.corrections import COLLECTIONS, EDITABLE_FIELDS
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "MAX_PAGE_SIZE",
    "QueryMessageRead",
    "QueryPage",
    "QueryRead",
    "get_query",
    "list_queries",
    "queries_on_record",
]

#: The most queries one page of the list holds.
MAX_PAGE_SIZE = 100
_COLLECTION_OF = {table: collection for collection, table in COLLECTIONS.items()}


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
    status_label: str = ""
    #: The form: the record type's label, or the protocol form's own label.
    form_label: str = ""
    #: The field's label; ``None`` for a query on the form as a whole.
    field_label: str | None = None
    #: The record's visit (``D8 – Day 8``), when the record belongs to one.
    visit_label: str | None = None
    assigned_role: str | None = None
    assigned_role_label: str | None = None
    age_days: int = 0
    raised_by: str = "system"
    #: The record's page, at the field's query bubble.
    record_link: str | None = None


@dataclass(frozen=True, slots=True)
class QueryPage:
    items: tuple[QueryRead, ...]
    total: int
    page: int
    page_size: int


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


def _assigned(query: Record) -> str | None:
    """The role expected to act; older rows without one: the site while the query is open."""
    stored = query.get("assigned_role")
    if stored is None and QueryStatus(query["status"]) in OPEN_QUERY_STATES:
        return Assignee.SITE.value
    return None if stored is None else str(stored)


def _age(query: Record, now: dt.datetime) -> int:
    return age_in_days(
        now, status_changed_at=query.get("status_changed_at"), created_at=query["created_at"]
    )


def _form_label(protocol: Protocol | None, entity: str, record: Record | None) -> str:
    code = None if record is None else record.get("form")
    if entity == "form_records" and protocol is not None and code is not None:
        spec = next((f for f in protocol.forms if f.code == code), None)
        if spec is not None:
            return spec.label
    return labels.label("entity", entity)


def _anchor(field: str | None) -> str:
    return f"field-{field}" if field is not None else "field-form"


@dataclass(frozen=True, slots=True)
class _Context:
    """What every query read needs once: names, sites, the protocol and the time."""

    names: dict[int, str]
    protocol: Protocol | None
    now: dt.datetime


def _read(
    uow: UnitOfWork, query: Record, subject: Record, site_code: str, context: _Context
) -> QueryRead:
    names = context.names
    messages = tuple(
        QueryMessageRead(names.get(m["created_by"], "system"), m["created_at"], m["body"])
        for m in uow.records.find("query_messages", query_id=query["id"])
    )
    entity, field = query["entity"], query["field"]
    record = uow.records.get(entity, query["entity_id"]) if entity in EDITABLE_FIELDS else None
    visit = None if record is None else record.get("visit_code")
    form_code = None if record is None else record.get("form")
    protocol = context.protocol
    role = _assigned(query)
    collection = _COLLECTION_OF.get(entity)
    return QueryRead(
        id=query["id"], subject_id=subject["id"],
        subject=str(subject["subject_code"] or subject["screening_number"]),
        site_code=site_code, entity=entity, entity_id=query["entity_id"],
        field=field, status=QueryStatus(query["status"]),
        raised_at=query["created_at"], messages=messages, origin=query.get("origin"),
        status_label=labels.label("query_status", query["status"]),
        form_label=_form_label(protocol, entity, record),
        field_label=None if field is None else field_label(
            entity, field, protocol=protocol, form_code=form_code
        ),
        visit_label=None if not visit or protocol is None
        else labels.protocol_label(protocol, "visit", visit),
        assigned_role=role,
        assigned_role_label=None if role is None else labels.label("query_assignee", role),
        age_days=_age(query, context.now),
        raised_by=names.get(query.get("created_by") or 0, "system"),
        record_link=None if collection is None else
        f"/subjects/{subject['id']}/{collection}/{query['entity_id']}#{_anchor(field)}",
    )  # fmt: skip


def _context(uow: UnitOfWork, protocol: Protocol | None) -> _Context:
    names = {u["id"]: u["full_name"] for u in uow.records.find("users")}
    return _Context(names, protocol, uow.clock.now())


@dataclass(frozen=True, slots=True)
class _Filters:
    status: QueryStatus | None
    form: str | None
    age: str | None
    assigned_role: str | None


def _filters(
    protocol: Protocol | None, status: str | None, form: str | None, age: str | None,
    assigned_role: str | None,
) -> _Filters:  # fmt: skip
    forms = {f.code for f in protocol.forms} if protocol is not None else set()
    if form is not None and form not in EDITABLE_FIELDS and form not in forms:
        raise InputError.single("form", f"no record type or protocol form {form!r}")
    if age is not None and age not in AGE_BANDS:
        raise InputError.single("age", f"unknown age band {age!r}; use one of: {AGE_BANDS}")
    if assigned_role is not None and assigned_role not in {a.value for a in Assignee}:
        allowed = ", ".join(a.value for a in Assignee)
        raise InputError.single("assigned_role", f"use one of: {allowed}")
    return _Filters(_status(status), form, age, assigned_role)


def _matches(uow: UnitOfWork, query: Record, wanted: _Filters, now: dt.datetime) -> bool:
    if wanted.status is not None and query["status"] != wanted.status.value:
        return False
    if wanted.age is not None and not in_age_band(_age(query, now), wanted.age):
        return False
    if wanted.assigned_role is not None and _assigned(query) != wanted.assigned_role:
        return False
    if wanted.form is None or wanted.form == query["entity"]:
        return True
    if query["entity"] != "form_records":
        return False
    record = uow.records.get("form_records", query["entity_id"])
    return record is not None and record.get("form") == wanted.form


def _oldest_open_first(query: Record) -> tuple[int, dt.datetime, int]:
    """Open and re-opened first, then answered, then closed; the longest waiting first."""
    rank = {"open": 0, "reopened": 0, "answered": 1}.get(query["status"], 2)
    return rank, query.get("status_changed_at") or query["created_at"], query["id"]


def list_queries(
    uow: UnitOfWork,
    *,
    as_user: int,
    protocol: Protocol | None = None,
    status: str | None = None,
    site_code: str | None = None,
    form: str | None = None,
    age: str | None = None,
    assigned_role: str | None = None,
    subject: str | None = None,
    page: int = 1,
    page_size: int = 25,
) -> QueryPage:
    """One page of the queries on subjects you may see, oldest open first.

    Filters: status, site code, form (record type or protocol form code), age band in the
    current status, the role expected to act, subject (number or screening number).
    """
    wanted = _filters(protocol, status, form, age, assigned_role)
    if page < 1:
        raise InputError.single("page", "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError.single("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
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
            and (subject is None or subject in (s["subject_code"], s["screening_number"]))
        }
        context = _context(uow, protocol)
        found = sorted(
            (
                q
                for q in uow.records.find("queries")
                if q["subject_id"] in subjects and _matches(uow, q, wanted, context.now)
            ),
            key=_oldest_open_first,
        )
        shown = found[(page - 1) * page_size : page * page_size]
        items = tuple(
            _read(uow, q, subjects[q["subject_id"]], sites[subjects[q["subject_id"]]["site_id"]],
                  context)
            for q in shown
        )  # fmt: skip
    return QueryPage(items, len(found), page, page_size)


def get_query(
    uow: UnitOfWork, *, as_user: int, query_id: int, protocol: Protocol | None = None
) -> QueryRead:
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
        return _read(uow, query, subject, site["code"], _context(uow, protocol))


def queries_on_record(
    uow: UnitOfWork, *, as_user: int, table: str, record_id: int, protocol: Protocol | None
) -> dict[str | None, tuple[QueryRead, ...]]:
    """The queries on one record by field path (``None``: the form as a whole), oldest first.

    Closed queries are left out: the bubble beside a field shows what is still in play. A
    record of a subject you may not see has none.
    """
    with uow:
        actor = load_actor(uow, as_user)
        rows = [
            q
            for q in uow.records.find("queries", entity=table, entity_id=record_id)
            if q["status"] != QueryStatus.CLOSED.value
        ]
        subject = None if not rows else uow.records.get("subjects", rows[0]["subject_id"])
        if subject is None or not actor.may(Action.VIEW_SUBJECT, subject["site_id"]):
            return {}
        site = uow.records.get("sites", subject["site_id"])
        assert site is not None
        context = _context(uow, protocol)
        read = [_read(uow, q, subject, site["code"], context) for q in sorted(rows, key=_id)]
    return _by_field(read)


def _id(query: Record) -> int:
    return int(query["id"])


def _by_field(read: Iterable[QueryRead]) -> dict[str | None, tuple[QueryRead, ...]]:
    grouped: dict[str | None, list[QueryRead]] = {}
    for query in read:
        grouped.setdefault(query.field, []).append(query)
    return {field: tuple(queries) for field, queries in grouped.items()}
