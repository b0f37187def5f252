"""The subject's readable audit trail: JSON rows for a page of it, and CSV or PDF files.

Reading needs the right to view the subject; the files need the right to export the audit trail
and are themselves audited (:func:`trialdesk.services.review.audit_readable.record_audit_export`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from trialdesk.entrypoints.api.audit_files import (
    AuditFileFormat,
    AuditFiltersDep,
    audit_csv,
    audit_pdf,
)
from trialdesk.entrypoints.api.context import AppContext
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.lanes import run_slow
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.services.review.audit_readable import (
    AuditFilters,
    ReadableAudit,
    readable_audit,
    record_audit_export,
)

__all__ = ["AuditRowRead", "ReadableAuditRead", "audit_file_response", "router"]

router = APIRouter(prefix="/subjects", tags=["audit"], responses=ERROR_RESPONSES)

_SubjectId = Path(ge=1, le=2**31 - 1)
_FILE_CONTENT: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {}, "application/pdf": {}}, "description": "The file."}
}


class AuditRowRead(BaseModel):
    """One readable row; ``entry_id``, ``old_json`` and ``new_json`` are the stored entry."""

    entry_id: int
    occurred_at: dt.datetime
    local_time: str
    username: str
    user: str
    action: str
    table: str
    record_id: str | None
    form: str
    visit: str
    field: str | None
    field_label: str
    old: str
    new: str
    reason: str
    old_json: str | None
    new_json: str | None


class ReadableAuditRead(BaseModel):
    items: list[AuditRowRead]
    total: int
    page: int
    page_size: int


def _rows(audit: ReadableAudit) -> list[AuditRowRead]:
    return [
        AuditRowRead(
            entry_id=r.change.entry.seq,
            occurred_at=r.occurred_at,
            local_time=r.local_time,
            username=r.change.entry.username,
            user=r.user,
            action=r.change.action,
            table=r.change.table,
            record_id=r.change.record_id,
            form=r.change.form,
            visit=r.change.visit,
            field=r.change.field,
            field_label=r.change.field_label,
            old=r.change.old,
            new=r.change.new,
            reason=r.change.reason,
            old_json=r.change.entry.old_value,
            new_json=r.change.entry.new_value,
        )
        for r in audit.rows
    ]


@router.get("/{subject_id}/audit/readable", response_model=ReadableAuditRead)
def read_readable_audit(
    context: ContextDep, principal: ApiUser, filters: AuditFiltersDep,
    subject_id: int = _SubjectId,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReadableAuditRead:  # fmt: skip
    """The subject's audit trail, one row per field change, newest first (filterable)."""
    audit = readable_audit(
        context.store.new_read_uow(), principal.user_id, subject_id, context.protocol,
        **filters.as_kwargs(), page=page, page_size=page_size,
    )  # fmt: skip
    return ReadableAuditRead(
        items=_rows(audit), total=audit.total, page=audit.page, page_size=audit.page_size
    )


def audit_file_response(
    context: AppContext, user_id: int | None, subject_id: int, file_format: AuditFileFormat,
    filters: AuditFilters,
) -> Response:  # fmt: skip
    """Every filtered row as a file; the export is on the trail before the file is sent."""
    audit = readable_audit(
        context.store.new_read_uow(), user_id, subject_id, context.protocol, **filters.as_kwargs(),
        page_size=None,
    )  # fmt: skip
    record_audit_export(
        context.store.new_uow(), user_id, subject_id, file_format=file_format.value,
        rows=audit.total, filters=filters,
    )  # fmt: skip
    if file_format is AuditFileFormat.CSV:
        body = audit_csv(audit)
    else:
        body = audit_pdf(
            audit, trial=context.protocol.identification.title,
            generated_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    name = f"audit_trail_{audit.subject_code}.{file_format.value}"
    return Response(
        body, media_type=file_format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@router.get("/{subject_id}/audit/export", response_class=Response, responses=_FILE_CONTENT)
async def export_readable_audit(
    request: Request, context: ContextDep, principal: ApiUser, filters: AuditFiltersDep,
    subject_id: int = _SubjectId,
    file_format: Annotated[AuditFileFormat, Query(alias="format")] = AuditFileFormat.CSV,
) -> Response:  # fmt: skip
    """The filtered trail as CSV (readable columns plus the stored JSON) or PDF (audited)."""
    return await run_slow(
        request, audit_file_response, context, principal.user_id, subject_id, file_format,
        filters,
    )  # fmt: skip
