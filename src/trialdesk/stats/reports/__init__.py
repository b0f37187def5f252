"""Final and DSMB reports (HTML and PDF) built from the analysis datasets."""

from trialdesk.stats.reports.build import Report, build_report, render_pdf, write_report
from trialdesk.stats.reports.groups import Grouping, ReportKind

__all__ = ["Grouping", "Report", "ReportKind", "build_report", "render_pdf", "write_report"]
