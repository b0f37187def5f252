"""The readable audit trail's query filters and its files (CSV and PDF), for the API and pages.

The CSV keeps the readable columns *and* the stored entry (``entry_id``, ``old_json``,
``new_json``), so a machine still gets the exact values; every text cell is made inert for
spreadsheets. The PDF repeats its header row on every page, never splits a row and numbers its
pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from typing import Annotated

from fastapi import Depends, Query
from jinja2 import Environment, select_autoescape

from trialdesk.domain.errors import InputError
from trialdesk.domain.spreadsheet_cells import inert_row
from trialdesk.services.review.audit_readable import AuditFilters, ReadableAudit

__all__ = [
    "CSV_COLUMNS",
    "AuditFileFormat",
    "AuditFiltersDep",
    "audit_csv",
    "audit_pdf",
    "filter_query",
    "parse_filters",
]


class AuditFileFormat(enum.StrEnum):
    CSV = "csv"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is AuditFileFormat.CSV else "application/pdf"


CSV_COLUMNS = (
    "time_utc", "local_time", "user", "action", "form", "visit", "field", "old", "new",
    "reason", "entry_id", "record", "old_json", "new_json",
)  # fmt: skip


def _date(name: str, text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single(name, "give a date as YYYY-MM-DD") from None


def parse_filters(
    *, table: str | None = None, record_id: str | None = None, field: str | None = None,
    user: str | None = None, date_from: str | None = None, date_to: str | None = None,
) -> AuditFilters:  # fmt: skip
    """Filters from query text; empty means "any"; bad text is an error naming the filter."""
    record: int | None = None
    if record_id is not None and record_id.strip():
        if not record_id.strip().isdigit() or not 1 <= int(record_id) <= 2**31 - 1:
            raise InputError.single("record_id", "choose a record of the list")
        record = int(record_id)
    return AuditFilters(
        table=(table or "").strip() or None, record_id=record,
        field=(field or "").strip() or None, user=(user or "").strip() or None,
        date_from=_date("date_from", date_from), date_to=_date("date_to", date_to),
    )  # fmt: skip


def _filters_dependency(
    table: Annotated[str | None, Query(max_length=64)] = None,
    record_id: Annotated[str | None, Query(max_length=12)] = None,
    field: Annotated[str | None, Query(max_length=128)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
) -> AuditFilters:
    return parse_filters(
        table=table, record_id=record_id, field=field, user=user, date_from=date_from,
        date_to=date_to,
    )  # fmt: skip


#: The filters of a request, read from its query string.
AuditFiltersDep = Annotated[AuditFilters, Depends(_filters_dependency)]


def filter_query(filters: AuditFilters) -> dict[str, str]:
    """The filters as query parameters (for links that carry them)."""
    pairs = {
        "table": filters.table, "record_id": filters.record_id, "field": filters.field,
        "user": filters.user, "date_from": filters.date_from, "date_to": filters.date_to,
    }  # fmt: skip
    return {key: str(value) for key, value in pairs.items() if value is not None}


def audit_csv(audit: ReadableAudit) -> bytes:
    """The rows as CSV (UTF-8 with BOM so spreadsheets read accents), raw entry included."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in audit.rows:
        change, entry = row.change, row.change.entry
        writer.writerow(
            inert_row({
                "time_utc": entry.occurred_at, "local_time": row.local_time, "user": row.user,
                "action": change.action, "form": change.form, "visit": change.visit,
                "field": change.field_label, "old": change.old, "new": change.new,
                "reason": change.reason, "entry_id": entry.seq,
                "record": f"{entry.entity}/{entry.entity_id or ''}",
                "old_json": entry.old_value or "", "new_json": entry.new_value or "",
            })
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_PDF_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: A4 landscape; margin: 14mm 10mm 16mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: sans-serif; font-size: 8pt; }
h1 { font-size: 13pt; margin: 0 0 4pt; }
dl { margin: 0 0 8pt; } dt { font-weight: bold; display: inline; } dd { display: inline;
  margin: 0 12pt 0 2pt; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 2pt 3pt; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eee; }
</style></head><body>
<h1>Audit trail — {{ trial }}</h1>
<dl><dt>Subject</dt><dd>{{ audit.subject_code }}</dd><dt>Site</dt><dd>{{ audit.site_code }}</dd>
<dt>Filters</dt><dd>{{ filters or "none" }}</dd><dt>Generated at</dt><dd>{{ generated }}</dd>
<dt>Rows</dt><dd>{{ audit.total }}</dd></dl>
<table><thead><tr><th>When ({{ audit.zone }})</th><th>Who</th><th>Action</th><th>Form</th>
<th>Visit</th><th>Field</th><th>Old</th><th>New</th><th>Reason</th></tr></thead><tbody>
{% for row in audit.rows %}<tr><td>{{ row.local_time }}</td><td>{{ row.user }}</td>
<td>{{ row.change.action }}</td><td>{{ row.change.form }}</td><td>{{ row.change.visit }}</td>
<td>{{ row.change.field_label }}</td><td>{{ row.change.old }}</td><td>{{ row.change.new }}</td>
<td>{{ row.change.reason }}</td></tr>{% endfor %}
</tbody></table></body></html>"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def audit_pdf(audit: ReadableAudit, *, trial: str, generated_at: dt.datetime) -> bytes:
    """The rows as a PDF with a header naming the trial, subject, site and filters."""
    import weasyprint  # imported here: loading Pango is slow and only this file needs it

    filters = ", ".join(f"{k} = {v}" for k, v in filter_query(audit.filters).items())
    html = _ENV.from_string(_PDF_TEMPLATE).render(
        audit=audit, trial=trial, filters=filters,
        generated=generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )  # fmt: skip
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
