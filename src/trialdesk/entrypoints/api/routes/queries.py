"""Queries: raise on a field of a record, answer, close; lists per site."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.queries import QueryCreate, QueryMessageCreate, QueryRead
from trialdesk.services import query_list, review

__all__ = ["router"]

router = APIRouter(prefix="/queries", tags=["queries"], responses=ERROR_RESPONSES)

QueryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _read(context: ContextDep, principal: ApiUser, query_id: int) -> QueryRead:
    found = query_list.get_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id
    )
    return QueryRead.model_validate(found)


@router.get("", response_model=list[QueryRead])
def list_queries(
    context: ContextDep,
    principal: ApiUser,
    status: Annotated[review.QueryStatus | None, Query()] = None,
    site: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> list[QueryRead]:
    """Queries on subjects you may see, newest first; filter by status and site code."""
    found = query_list.list_queries(
        context.store.new_uow(), as_user=principal.user_id,
        status=None if status is None else status.value, site_code=site,
    )  # fmt: skip
    return [QueryRead.model_validate(q) for q in found]


@router.get("/{query_id}", response_model=QueryRead)
def read_query(context: ContextDep, principal: ApiUser, query_id: QueryId) -> QueryRead:
    """One query with its thread."""
    return _read(context, principal, query_id)


@router.post("", response_model=QueryRead, status_code=201)
def raise_query(context: ContextDep, principal: ApiUser, body: QueryCreate) -> QueryRead:
    """Open a query on a field of a record (monitors and data managers)."""
    query_id = review.raise_query(
        context.store.new_uow(), as_user=principal.user_id, entity=body.entity,
        record_id=body.record_id, field=body.field, message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)


@router.post("/{query_id}/replies", response_model=QueryRead)
def reply_to_query(
    context: ContextDep, principal: ApiUser, query_id: QueryId, body: QueryMessageCreate
) -> QueryRead:
    """Answer (site staff) or re-open with a follow-up question (reviewers)."""
    review.reply_to_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)


@router.post("/{query_id}/close", response_model=QueryRead)
def close_query(
    context: ContextDep, principal: ApiUser, query_id: QueryId, body: QueryMessageCreate
) -> QueryRead:
    """Close a query with a closing note (monitors and data managers)."""
    review.close_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        message=body.message,
    )  # fmt: skip
    return _read(context, principal, query_id)
