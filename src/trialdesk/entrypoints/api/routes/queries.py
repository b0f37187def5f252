"""Queries: raise on a field of a record, answer, close, re-open; the filtered list."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import APIRouter, Path, Query

from trialdesk.domain.queries import AGE_BANDS, Assignee, QueryStatus
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.queries import (
    QueryCreate,
    QueryMessageCreate,
    QueryPageRead,
    QueryRead,
)
from trialdesk.services.review import query_list, query_workflow

__all__ = ["router"]

router = APIRouter(prefix="/queries", tags=["queries"], responses=ERROR_RESPONSES)

QueryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: The age bands, as the query parameter takes them.
AgeBand = enum.StrEnum("AgeBand", {band: band for band in AGE_BANDS})  # type: ignore[misc]


def _read(context: ContextDep, principal: ApiUser, query_id: int) -> QueryRead:
    found = query_list.get_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        protocol=context.protocol,
    )  # fmt: skip
    return QueryRead.model_validate(found)


@router.get("", response_model=QueryPageRead)
def list_queries(
    context: ContextDep,
    principal: ApiUser,
    status: Annotated[QueryStatus | None, Query()] = None,
    site: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    form: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="Record type or protocol form code"),
    ] = None,
    age: Annotated[AgeBand | None, Query(description="Days in the current status")] = None,
    assigned_role: Annotated[Assignee | None, Query()] = None,
    subject: Annotated[
        str | None, Query(min_length=1, max_length=32, description="Subject or screening number")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=query_list.MAX_PAGE_SIZE)] = 25,
) -> QueryPageRead:
    """Queries on subjects you may see, oldest open first, filtered and one page at a time."""
    found = query_list.list_queries(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol,
        status=None if status is None else status.value, site_code=site, form=form,
        age=None if age is None else str(age.value),
        assigned_role=None if assigned_role is None else assigned_role.value,
        subject=subject, page=page, page_size=page_size,
    )  # fmt: skip
    return QueryPageRead(
        items=[QueryRead.model_validate(q) for q in found.items],
        total=found.total, page=found.page, page_size=found.page_size,
    )  # fmt: skip


@router.get("/{query_id}", response_model=QueryRead)
def read_query(context: ContextDep, principal: ApiUser, query_id: QueryId) -> QueryRead:
    """One query with its thread."""
    return _read(context, principal, query_id)


@router.post("", response_model=QueryRead, status_code=201)
def raise_query(context: ContextDep, principal: ApiUser, body: QueryCreate) -> QueryRead:
    """Open a query on a field of a record, or on the whole form (monitors, data managers)."""
    query_id = query_workflow.raise_query(
        context.store.new_uow(), as_user=principal.user_id, entity=body.entity,
        record_id=body.record_id, field=body.field, message=body.message,
        protocol=context.protocol,
    )  # fmt: skip
    return _read(context, principal, query_id)


@router.post("/{query_id}/replies", response_model=QueryRead)
def reply_to_query(
    context: ContextDep, principal: ApiUser, query_id: QueryId, body: QueryMessageCreate
) -> QueryRead:
    """Answer (site staff) or re-open an answered query with a follow-up (reviewers)."""
    query_workflow.reply_to_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)


@router.post("/{query_id}/close", response_model=QueryRead)
def close_query(
    context: ContextDep, principal: ApiUser, query_id: QueryId, body: QueryMessageCreate
) -> QueryRead:
    """Close a query with a closing note (monitors and data managers); closed is final."""
    query_workflow.close_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)


@router.post("/{query_id}/reopen", response_model=QueryRead)
def reopen_query(
    context: ContextDep, principal: ApiUser, query_id: QueryId, body: QueryMessageCreate
) -> QueryRead:
    """Re-open an answered query, saying what is still wrong; it goes back to the site."""
    query_workflow.reopen_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)
