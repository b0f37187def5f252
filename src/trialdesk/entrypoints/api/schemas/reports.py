"""Report request parameters: which report, in which format."""

from __future__ import annotations

import enum

from trialdesk.stats.reports import ReportKind

__all__ = ["REPORT_CONTENT", "ReportFormat", "ReportKind"]


class ReportFormat(enum.StrEnum):
    HTML = "html"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "application/pdf" if self is ReportFormat.PDF else "text/html; charset=utf-8"


#: The OpenAPI description of a report response: the same report as HTML or as PDF.
REPORT_CONTENT: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The report; the header X-Snapshot-SHA256 repeats its stamp's hash.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
