"""Query pages: the list per site with filters, one query's thread, answer, close and re-open.

Queries are raised where the data is, from the bubble beside a field on the record's page
(:mod:`trialdesk.entrypoints.web.views.record_pages`), never by typing record numbers here.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from trialdesk.domain import labels
from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import AGE_BANDS, Assignee, QueryStatus
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import errors_by_field, submit_form
from trialdesk.services.clinical.corrections import EDITABLE_FIELDS
from trialdesk.services.clinical.edit_checks import ORIGIN_PREFIX
from trialdesk.services.review import query_list, query_workflow

__all__ = ["router"]

router = APIRouter(prefix="/queries")


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


_FILTERS = ("status", "site", "form", "age", "assigned_role", "subject")


def _page_number(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name, "")
    if not value:
        return default
    if not value.isdigit():
        raise InputError.single(name, "must be a whole number")
    return int(value)


def _list_page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: object,
) -> Response:  # fmt: skip
    chosen = {name: request.query_params.get(name) or None for name in _FILTERS}
    page = _page_number(request, "page", 1)
    found = query_list.list_queries(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol,
        status=chosen["status"], site_code=chosen["site"], form=chosen["form"],
        age=chosen["age"], assigned_role=chosen["assigned_role"], subject=chosen["subject"],
        page=page, page_size=_page_number(request, "page_size", 25),
    )  # fmt: skip
    kept = urlencode({k: v for k, v in chosen.items() if v is not None})
    forms = [(e, labels.label("entity", e)) for e in sorted(EDITABLE_FIELDS) if e != "form_records"]
    forms += [(f.code, f.label) for f in context.protocol.forms]
    return render(
        request, "queries.html",
        {"found": found, "queries": found.items, "chosen": chosen, "kept": kept,
         "pages": max(1, -(-found.total // found.page_size)),
         "statuses": [s.value for s in QueryStatus], "forms": forms, "age_bands": AGE_BANDS,
         "assignees": [a.value for a in Assignee], **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("")
def queries_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _list_page(request, context, principal)


def origin_text(protocol: Protocol, origin: str | None) -> str | None:
    """Who raised a query, in words: ``raised by edit check “<message>” (<code>)``.

    ``None`` for a query a person raised (its first message names the author). A check no
    longer in the protocol file is still named by its code.
    """
    if origin is None:
        return None
    if not origin.startswith(ORIGIN_PREFIX):
        return f"raised by {origin.replace('_', ' ')}"
    code = origin.removeprefix(ORIGIN_PREFIX)
    check = next((c for c in protocol.edit_checks if c.code == code), None)
    if check is None:
        return f"raised by edit check {code}"
    return f"raised by edit check “{check.message}” ({code})"


def _query_page(
    request: Request, context: ContextDep, principal: Principal, query_id: int, *,
    status_code: int = 200, **extra: object,
) -> Response:  # fmt: skip
    query = query_list.get_query(
        context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
        protocol=context.protocol,
    )  # fmt: skip
    return render(
        request, "query.html",
        {"query": query, "origin": origin_text(context.protocol, query.origin), **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/{query_id}")
def query_page(
    request: Request, context: ContextDep, principal: WebUser, query_id: int
) -> Response:
    return _query_page(request, context, principal, query_id)


def _back(form: FormData, query_id: int) -> str:
    """Where a move returns: the record page it was made from (a query bubble), or the query."""
    back = _text(form, "back")
    if back.startswith("/subjects/") and "//" not in back and "\\" not in back:
        return back
    return f"/queries/{query_id}"


def _act(
    request: Request, context: ContextDep, principal: Principal, form: FormData,
    query_id: int, act: Callable[..., object],
) -> Response:  # fmt: skip
    return submit_form(
        lambda: act(
            context.store.new_uow(), as_user=principal.user_id, query_id=query_id,
            message=_text(form, "message"),
        ),
        redisplay=lambda error: _query_page(
            request, context, principal, query_id, status_code=422,
            errors=errors_by_field(error),
        ),
        done=_back(form, query_id),
    )  # fmt: skip


@router.post("/{query_id}/reply")
def reply_to_query(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, query_id: int
) -> Response:
    """Site staff answer; a reviewer's reply re-opens the query."""
    return _act(request, context, principal, form, query_id, query_workflow.reply_to_query)


@router.post("/{query_id}/close")
def close_query(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, query_id: int
) -> Response:
    return _act(request, context, principal, form, query_id, query_workflow.close_query)


@router.post("/{query_id}/reopen")
def reopen_query(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, query_id: int
) -> Response:
    """A reviewer re-opens an answered query; it goes back to the site."""
    return _act(request, context, principal, form, query_id, query_workflow.reopen_query)
