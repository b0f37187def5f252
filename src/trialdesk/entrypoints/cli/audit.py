"""``trialdesk audit``: verify the hash-chained audit trail and export it."""

from __future__ import annotations

import csv
import enum
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.spreadsheet_cells import inert_row
from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption

if TYPE_CHECKING:
    from trialdesk.domain.audit import AuditEntry
    from trialdesk.services.review.audit_trail import AuditVerification

app = output.new_app("audit", "Verify, checkpoint and export the append-only audit trail.")

COLUMNS = (
    "seq", "occurred_at", "user_id", "username", "action", "entity", "entity_id", "field",
    "old_value", "new_value", "reason", "subject_id", "prev_hash", "hash",
)  # fmt: skip


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


CheckpointsOption = Annotated[
    Path | None,
    typer.Option(
        "--checkpoints",
        help="Directory of signed checkpoints to check the trail against "
        "(default: TRIALDESK_CHECKPOINT_DIR when set). Needs the audit key.",
    ),
]


@app.command("verify")
def verify_command(
    checkpoints: CheckpointsOption = None, db: DbOption = None, json: JsonOption = False
) -> None:
    """Check the chain, seals and checkpoints and replay the trail against the data.

    Exit 0 when everything holds, 1 when anything does not (each problem is named).
    """
    from trialdesk.adapters.audit_checkpoints import DirectoryCheckpointStore
    from trialdesk.bootstrap import build_store, checkpoint_dir
    from trialdesk.services.review.audit_trail import verify_audit_trail

    directory = checkpoint_dir(checkpoints)
    with build_store(db) as store:
        documents = None if directory is None else DirectoryCheckpointStore(directory).read_all()
        assert store.new_snapshot_uow is not None
        result = verify_audit_trail(
            store.new_snapshot_uow(), key=store.audit_key, checkpoints=documents
        )
    document = verification_document(result)
    if json:
        output.emit(document, as_json=True)
    else:
        _render(document)
    if not result.ok:
        raise typer.Exit(code=1)


def verification_document(result: AuditVerification) -> dict[str, Any]:
    """The JSON form of a verification (``--json``)."""
    checked = result.checkpoints
    return {
        "ok": result.ok,
        "intact": result.intact,
        "entries": result.entries,
        "first_broken_entry": None if result.first_break is None else result.first_break.seq,
        "problem": None if result.first_break is None else result.first_break.problem,
        "seals_checked": result.sealed_check,
        "unsealed_entries": result.unsealed,
        "checkpoints_checked": None if checked is None else checked.checked,
        "checkpoint_problems": [] if checked is None else [
            {"checkpoint": p.name, "problem": p.problem} for p in checked.problems
        ],
        "consistent": result.consistent,
        "rows_checked": result.rows_checked,
        "differences": [
            {"entity": d.entity, "id": d.record_id, "field": d.field, "problem": d.problem}
            for d in result.differences
        ],
    }  # fmt: skip


_SHOWN_DIFFERENCES = 20


def _render(document: dict[str, Any]) -> None:
    problems: list[str] = []
    if document["first_broken_entry"] is not None:
        problems.append(f"audit entry {document['first_broken_entry']}: {document['problem']}")
    problems += [f"checkpoint {p['checkpoint']}: {p['problem']}"
                 for p in document["checkpoint_problems"]]  # fmt: skip
    differences = document["differences"]
    for d in differences[:_SHOWN_DIFFERENCES]:
        where = f"{d['entity']} {d['id']}" + (f" {d['field']}" if d["field"] else "")
        problems.append(f"{where}: {d['problem']}")
    if len(differences) > _SHOWN_DIFFERENCES:
        problems.append(f"… and {len(differences) - _SHOWN_DIFFERENCES} more differences (--json)")
    notes: list[str] = []
    if not document["seals_checked"]:
        notes.append("entries are NOT sealed-checked: no audit key (TRIALDESK_AUDIT_KEY), so "
                     "re-hashing, forged entries and truncation cannot be detected")  # fmt: skip
    elif document["unsealed_entries"]:
        notes.append(f"{document['unsealed_entries']} entries written before the audit key was "
                     "set are unsealed")  # fmt: skip
    if not document["checkpoints_checked"]:
        notes.append("no checkpoints checked (--checkpoints DIR, or none there yet): removing "
                     "the last entries cannot be detected")  # fmt: skip
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    if problems:
        sys.stderr.write(f"audit trail verification FAILED ({len(problems)} problems shown):\n")
        for problem in problems:
            sys.stderr.write(f"  {problem}\n")
        return
    checked = document["checkpoints_checked"]
    output.console.print(
        f"audit trail intact: {document['entries']} entries"
        + ("" if checked is None else f", {checked} checkpoints")
        + f"; {document['rows_checked']} rows match the trail"
    )


@app.command("checkpoint")
def checkpoint_command(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to write it (default: TRIALDESK_CHECKPOINT_DIR)."),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Sign the chain head with the audit key and write it as a file outside the database."""
    from trialdesk.adapters.audit_checkpoints import DirectoryCheckpointStore
    from trialdesk.bootstrap import build_store, checkpoint_dir
    from trialdesk.domain.errors import InputError
    from trialdesk.services.review.audit_checkpoints import take_checkpoint

    target = checkpoint_dir(directory)
    if target is None:
        raise InputError.single("dir", "give --dir or set TRIALDESK_CHECKPOINT_DIR")
    with build_store(db) as store:
        if store.audit_key is None:
            raise InputError.single(
                "TRIALDESK_AUDIT_KEY", "a checkpoint is signed with the audit key: set "
                "TRIALDESK_AUDIT_KEY or TRIALDESK_AUDIT_KEY_FILE",
            )  # fmt: skip
        name, checkpoint = take_checkpoint(
            store.new_read_uow(), key=store.audit_key, store=DirectoryCheckpointStore(target)
        )
    output.emit(
        {"file": str(target / name), "seq": checkpoint.seq, "hash": checkpoint.hash,
         "taken_at": checkpoint.taken_at},
        as_json=json,
        render=lambda d: output.console.print(
            f"checkpoint at entry {d['seq']} written to {d['file']}"
        ),
    )  # fmt: skip


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
    from trialdesk.bootstrap import build_store, checkpoint_after_export
    from trialdesk.services.review.audit_trail import export_audit_trail

    with build_store(db) as store:
        entries = export_audit_trail(store.new_uow(), subject=subject, as_user=None)
        checkpoint_after_export(store)
    rows = [_as_row(entry) for entry in entries]
    if export_format is ExportFormat.JSON:
        output.emit({"subject": subject, "entries": rows}, as_json=True)
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(inert_row(row) for row in rows)
    sys.stdout.write(buffer.getvalue())
