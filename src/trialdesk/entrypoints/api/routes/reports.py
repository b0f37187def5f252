"""``GET /api/v1/reports/{kind}``: the final or DSMB report as HTML or PDF (an audited export).

The report comes from the same service and the same :mod:`trialdesk.stats.reports` code as
``trialdesk report``; the pages under ``/reports`` use :func:`report_response` too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import checkpoint_after_export
from trialdesk.entrypoints.api.context import AppContext
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.lanes import run_slow
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.reports import REPORT_CONTENT, ReportFormat, ReportKind
from trialdesk.services.randomization.analysis_data import (
    parse_cutoff,
    produce_report,
    require_report_access,
)
from trialdesk.stats.reports import Report, render_pdf

__all__ = ["CutoffQuery", "report_response", "router", "snapshot_report"]

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)

CutoffQuery = Annotated[
    str | None,
    Query(description="Data cut-off YYYY-MM-DD (inclusive); empty or absent: all data."),
]
SNAPSHOT_HEADER = "X-Snapshot-SHA256"


def snapshot_report(
    context: AppContext, user_id: int, kind: ReportKind, cutoff: str | None, fmt: ReportFormat
) -> Report:
    """Build the report for the user (permission-checked and audited with the format)."""
    # Refuse before looking at the cut-off: a bad date from someone who may not see reports
    # is a refusal, not a form to correct.
    require_report_access(context.store.new_uow(), as_user=user_id)
    report = produce_report(
        context.store.new_uow(), SqlAlchemyAnalysisReader(context.store.engine),
        as_user=user_id, protocol=context.protocol, kind=kind, cutoff=parse_cutoff(cutoff),
        details={"format": fmt.value},
    )  # fmt: skip
    checkpoint_after_export(context.store)  # every export leaves a checkpoint outside the database
    return report


def report_response(report: Report, fmt: ReportFormat) -> Response:
    """The report document, PDF as a download named after the report."""
    headers = {SNAPSHOT_HEADER: report.sha256}
    if fmt is ReportFormat.PDF:
        name = f"{report.kind.value}_report_{report.sha256[:12]}.pdf"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(render_pdf(report), media_type=fmt.media_type, headers=headers)
    return Response(report.html, media_type=fmt.media_type, headers=headers)


def _negotiate(request: Request, requested: ReportFormat | None) -> ReportFormat:
    if requested is not None:
        return requested
    accept = request.headers.get("accept", "")
    return ReportFormat.PDF if "application/pdf" in accept else ReportFormat.HTML


@router.get("/{kind}", response_class=Response, responses=REPORT_CONTENT)
async def read_report(
    kind: ReportKind,
    request: Request,
    context: ContextDep,
    principal: ApiUser,
    cutoff: CutoffQuery = None,
    requested: Annotated[
        ReportFormat | None,
        Query(
            alias="format",
            description="html or pdf; when absent, the Accept header decides (HTML default).",
        ),
    ] = None,
) -> Response:
    """The final report (arms by name), or the DSMB closed (arms coded A/B) or open (pooled)
    report, for roles that may view aggregates. Each request is recorded as an export."""
    fmt = _negotiate(request, requested)

    def build() -> Response:
        return report_response(snapshot_report(context, principal.user_id, kind, cutoff, fmt), fmt)

    return await run_slow(request, build)
