"""``trialdesk audit``: verify the hash-chained audit trail and export it."""

from __future__ import annotations

import csv
import enum
import io
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.spreadsheet_cells import inert_row
from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption

if TYPE_CHECKING:
    from trialdesk.domain.audit import AuditEntry

app = output.new_app("audit", "Verify and export the append-only audit trail.")

COLUMNS = (
    "seq", "occurred_at", "user_id", "username", "action", "entity", "entity_id", "field",
    "old_value", "new_value", "reason", "subject_id", "prev_hash", "hash",
)  # fmt: skip


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


@app.command("verify")
def verify_command(db: DbOption = None, json: JsonOption = False) -> None:
    """Recompute the hash chain: exit 0 when intact, 1 naming the first broken entry."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.audit_trail import verify_audit_trail

    with build_store(db) as store:
        result = verify_audit_trail(store.new_uow())
    document = {
        "intact": result.intact,
        "entries": result.entries,
        "first_broken_entry": None if result.first_break is None else result.first_break.seq,
        "problem": None if result.first_break is None else result.first_break.problem,
    }
    if json:
        output.emit(document, as_json=True)
    elif result.first_break is None:
        output.console.print(f"audit trail intact: {result.entries} entries")
    else:
        sys.stderr.write(f"audit trail broken at {result.first_break}\n")
    if not result.intact:
        raise typer.Exit(code=1)


def _as_row(entry: AuditEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in COLUMNS}


@app.command("export")
def export_command(
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv (human-readable) or json.")
    ] = ExportFormat.CSV,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject code or screening number.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print the audit trail, study-wide or for one subject (the export is itself audited)."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.audit_trail import export_audit_trail

    with build_store(db) as store:
        entries = export_audit_trail(store.new_uow(), subject=subject, as_user=None)
    rows = [_as_row(entry) for entry in entries]
    if export_format is ExportFormat.JSON:
        output.emit({"subject": subject, "entries": rows}, as_json=True)
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(inert_row(row) for row in rows)
    sys.stdout.write(buffer.getvalue())
