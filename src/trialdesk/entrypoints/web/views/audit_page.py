"""The subject's audit trail page: one readable row per change, filters, pages, file downloads.

Filters come in the query string, so a filtered view can be bookmarked and its download links
carry the same filters. A bad filter shows its message beside that filter (422), never a
traceback.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.audit_files import AuditFileFormat, filter_query, parse_filters
from trialdesk.entrypoints.api.deps import ContextDep, WebUser
from trialdesk.entrypoints.api.lanes import run_slow
from trialdesk.entrypoints.api.routes.audit_readable import audit_file_response
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services.review.audit_readable import readable_audit

__all__ = ["router"]

router = APIRouter(prefix="/subjects")

_FILTER_NAMES = ("table", "record_id", "field", "user", "date_from", "date_to")


def _raw_filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "")[:128] for name in _FILTER_NAMES}


@router.get("/{subject_id}/audit")
def audit_page(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:  # fmt: skip
    """The readable trail, 50 rows a page, newest first, times in the site's zone."""
    raw = _raw_filters(request)
    errors: dict[str, str] = {}
    try:
        filters = parse_filters(**raw)
        audit = readable_audit(
            context.store.new_read_uow(), principal.user_id, subject_id, context.protocol,
            **filters.as_kwargs(), page=page,
        )  # fmt: skip
    except InputError as error:
        errors = {problem.field: problem.message for problem in error.errors}
        audit = readable_audit(
            context.store.new_read_uow(), principal.user_id, subject_id, context.protocol,
            page_size=1,
        )  # fmt: skip
        audit = dataclasses.replace(audit, rows=(), total=0)
    query = filter_query(audit.filters) if not errors else {k: v for k, v in raw.items() if v}
    pages = max(1, -(-audit.total // audit.page_size))
    return render(
        request, "subjects/audit.html",
        {"audit": audit, "raw": raw, "errors": errors, "pages": pages,
         "query": urllib.parse.urlencode(query),
         "page_link": lambda n: urllib.parse.urlencode({**query, "page": n})},
        principal=principal, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/{subject_id}/audit/export")
async def audit_export(
    request: Request, context: ContextDep, principal: WebUser,
    subject_id: int,
    file_format: Annotated[AuditFileFormat, Query(alias="format")] = AuditFileFormat.CSV,
) -> Response:  # fmt: skip
    """The filtered trail as a CSV or PDF download (an audited export)."""
    filters = parse_filters(**_raw_filters(request))
    return await run_slow(
        request, audit_file_response, context, principal.user_id, subject_id, file_format,
        filters,
    )  # fmt: skip
