"""Reports: the final and DSMB reports for the roles that may view aggregates.

The page shows the report produced by the same service and ``trialdesk.stats.reports`` code as
the command line and the API (:mod:`trialdesk.entrypoints.api.routes.reports`); every view and
every PDF download is an audited export.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import ContextDep, Principal, WebUser
from trialdesk.entrypoints.api.lanes import run_slow
from trialdesk.entrypoints.api.routes.reports import CutoffQuery, report_response, snapshot_report
from trialdesk.entrypoints.api.schemas.reports import ReportFormat, ReportKind
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services.randomization.analysis_data import require_report_access

__all__ = ["router"]

router = APIRouter(prefix="/reports")

#: What each report shows, in the order the page lists them.
_KINDS = (
    (ReportKind.FINAL, "Final analysis report", "Arms compared by name."),
    (ReportKind.DSMB_CLOSED, "DSMB closed report", "Arms compared, coded A and B."),
    (ReportKind.DSMB_OPEN, "DSMB open report", "Everybody pooled; no comparison."),
)


def _index(
    request: Request, principal: Principal, *, cutoff: str = "", kind: ReportKind | None = None,
    errors: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    return render(
        request, "reports/index.html",
        {"kinds": _KINDS, "cutoff": cutoff, "chosen": kind, "errors": errors or {}},
        principal=principal, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("")
def reports_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    """Choose a report and a data cut-off."""
    require_report_access(context.store.new_uow(), as_user=principal.user_id)
    return _index(request, principal)


@router.get("/{kind}")
async def report_page(
    kind: ReportKind, request: Request, context: ContextDep, principal: WebUser,
    cutoff: CutoffQuery = None,
) -> Response:  # fmt: skip
    """The report in the page, its reproducibility stamp above it and a PDF download link."""
    return await run_slow(request, _report_page, kind, request, context, principal, cutoff)


def _report_page(
    kind: ReportKind, request: Request, context: ContextDep, principal: Principal,
    cutoff: str | None,
) -> Response:  # fmt: skip
    try:
        report = snapshot_report(context, principal.user_id, kind, cutoff, ReportFormat.HTML)
    except InputError as error:
        found = {problem.field: problem.message for problem in error.errors}
        return _index(request, principal, cutoff=cutoff or "", kind=kind, errors=found)
    title = next(title for code, title, _ in _KINDS if code is kind)
    return render(
        request, "reports/view.html",
        {"report": report, "title": title, "stamp": report.context["stamp"],
         "cutoff": (cutoff or "").strip()},
        principal=principal,
    )  # fmt: skip


@router.get("/{kind}/pdf")
async def report_pdf(
    kind: ReportKind, request: Request, context: ContextDep, principal: WebUser,
    cutoff: CutoffQuery = None,
) -> Response:  # fmt: skip
    """The same report as a PDF download."""

    def build() -> Response:
        report = snapshot_report(context, principal.user_id, kind, cutoff, ReportFormat.PDF)
        return report_response(report, ReportFormat.PDF)

    return await run_slow(request, build)
